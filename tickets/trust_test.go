package tickets

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestTokens(t *testing.T) {
	s := NewSigner([]byte("0123456789abcdef0123456789abcdef"))
	other := NewSigner([]byte("another secret, another desk...."))
	const alice, tom = "alice@corp.example", "tom@corp.example"

	tok := s.TicketToken(42, alice)
	got, err := s.Parse(tok)
	if err != nil || got.ID != 42 || got.Version != 2 {
		t.Fatalf("parse %q: %+v, %v", tok, got, err)
	}
	if !s.Bound(got, alice) || !s.Bound(got, "Alice+desk@Corp.Example") || s.Bound(got, tom) || s.Bound(got, "") {
		t.Fatal("a version 2 token is bound to its recipient's mailbox and nobody else")
	}
	if _, err := other.Parse(tok); err == nil {
		t.Fatal("another desk's key verified the token")
	}
	if s.TicketToken(42, alice) != tok || s.TicketToken(42, tom) == tok || s.TicketToken(43, alice) == tok {
		t.Fatal("a token is a function of the ticket and the recipient")
	}
	// Every byte changed breaks it.
	for i := range len(tok) {
		c := byte('a')
		if tok[i] == 'a' {
			c = 'b'
		}
		if _, err := s.Parse(tok[:i] + string(c) + tok[i+1:]); err == nil {
			t.Fatalf("token altered at %d still verifies", i)
		}
	}
	// Version 1 tokens of existing conversations thread, bound to nobody.
	v1, err := s.Parse(s.LegacyToken(7))
	if err != nil || v1.ID != 7 || v1.Version != 1 || s.Bound(v1, alice) {
		t.Fatalf("legacy token %+v, %v", v1, err)
	}
	if id, err := s.TicketFromMessageID("dk." + s.LegacyToken(7) + ".abcdefghijklm@corp.example"); err != nil || id != 7 {
		t.Fatalf("legacy Message-ID: %d, %v", id, err)
	}

	// A bounce token is no ticket token, and the other way round.
	bounce := s.BounceAddress("helpdesk@corp.example", 99, alice)
	bt, err := s.ParseBounceAddress(bounce)
	if err != nil || bt.ID != 99 || !s.Bound(bt, alice) || s.Bound(bt, tom) {
		t.Fatalf("bounce %s: %+v, %v", bounce, bt, err)
	}
	if _, err := s.ParseAddress(bounce); err == nil {
		t.Fatal("a bounce address threads as a plus-address")
	}
	if _, err := s.ParseBounceAddress(s.PlusAddress("helpdesk@corp.example", 99, alice)); err == nil {
		t.Fatal("a plus-address counts as a bounce address")
	}
	if _, err := s.ParseBounceAddress("helpdesk+b-" + tok + "@corp.example"); err == nil {
		t.Fatal("a ticket token counts as a bounce token")
	}
	if local, _, _ := strings.Cut(bounce, "@"); len(local) > 64 {
		t.Fatalf("bounce address local part of %d characters (RFC 5321 allows 64)", len(local))
	}

	// Message-IDs: the row's mail ID is not a token; each copy's ID is its recipient's.
	row := s.MessageID(42, "corp.example")
	if _, err := s.TicketFromMessageID(row); err == nil || !s.IsOwnMessageID(row) {
		t.Fatalf("mail ID %s", row)
	}
	copyID := s.CopyID(row, 42, tom)
	if ct, err := s.ParseMessageID(copyID); err != nil || ct.ID != 42 || !s.Bound(ct, tom) || !s.IsOwnMessageID(copyID) {
		t.Fatalf("copy ID %s: %+v, %v", copyID, ct, err)
	}
	if s.CopyID(row, 42, tom) != copyID || s.CopyID("origin@mail.example", 42, tom) != "origin@mail.example" {
		t.Fatal("CopyID maps mail IDs only, the same way every time")
	}
	if local, _, _ := strings.Cut(s.PlusAddress("support-informatique@corp.example", 1<<40, alice), "@"); len(local) > 64 {
		t.Fatalf("plus-address local part of %d characters", len(local))
	}
}

func TestMailbox(t *testing.T) {
	for in, want := range map[string]string{
		"Victim+1@Corp.Example": "victim@corp.example", "victim@corp.example": "victim@corp.example",
		"+x@corp.example": "+x@corp.example", "a+b+c@x.example": "a@x.example",
	} {
		if got := Mailbox(in); got != want {
			t.Errorf("Mailbox(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOneLineAndSendable(t *testing.T) {
	for in, want := range map[string]string{
		"Eve\r\nBcc: x@evil.example":     "Eve Bcc: x@evil.example",
		"  a\t\tb \u2028 c\x00d\x1b[31m": "a b c d [31m",
		"right\u202eto left":             "right to left",
	} {
		if got := OneLine(in, 100); got != want {
			t.Errorf("OneLine(%q) = %q, want %q", in, got, want)
		}
	}
	if got := OneLine(strings.Repeat("é", 300), 100); len([]rune(got)) != 100 || !strings.HasSuffix(got, "…") {
		t.Errorf("clipped to %d runes: %q", len([]rune(got)), got)
	}
	for addr, want := range map[string]bool{
		"alice@corp.example": true, "x@y@evil.example": false, "a@b, c@d": false, "Alice <a@b.example>": false,
		"<a@b.example>": false, "": false, "a b@c.example": false, "alice@": false,
	} {
		if got := Sendable(addr); got != want {
			t.Errorf("Sendable(%q) = %v, want %v", addr, got, want)
		}
	}
}

// TestLegacyTokenThreadsButDoesNotAuthenticate: a reply carrying a version 1 token (a mail sent
// before per-recipient tokens) threads for the ticket's participants only: it names the ticket,
// not its holder, so anyone else's mail opens a ticket of its own that mentions the old one (it
// was appended, and its sender could add watchers). It runs no staff command.
func TestLegacyTokenThreadsButDoesNotAuthenticate(t *testing.T) {
	d := newTestDesk(t)
	ingest(t, d, t0, request("q@m", "celine@corp.example", "Wifi", "le wifi coupe"))
	legacy := "dk." + d.Signer.LegacyToken(1) + ".abcdefghijklm@corp.example"
	own := request("o@m", "celine@corp.example", "a new subject", "encore coupé")
	own.InReplyTo = []string{legacy}
	if o := ingest(t, d, t0.Add(30*time.Second), own)[0]; o.Action != ActionAppended || o.TicketID != 1 {
		t.Fatalf("legacy token from the requester: %+v", o)
	}
	reply := request("r@m", "marc@corp.example", "a new subject", "moi aussi")
	reply.InReplyTo = []string{legacy}
	if o := ingest(t, d, t0.Add(time.Minute), reply)[0]; o.Action != ActionOpened || o.TicketID == 1 {
		t.Fatalf("legacy token from someone not on the ticket: %+v", o)
	}
	if tk, _ := d.Store.Ticket(context.Background(), 2); tk == nil || tk.LinkedTicket != 1 || tk.Requester != "marc@corp.example" {
		t.Fatalf("the stranger's ticket: %+v", tk)
	}
	plus := request("p@m", "celine@corp.example", "no tag", "toujours")
	plus.To = []string{"helpdesk+" + d.Signer.LegacyToken(1) + "@corp.example"}
	if o := ingest(t, d, t0.Add(2*time.Minute), plus)[0]; o.Action != ActionAppended || o.TicketID != 1 {
		t.Fatalf("legacy plus-address: %+v", o)
	}
	cmd := request("c@m", "alice@corp.example", "Re: x", "#priority urgent")
	cmd.InReplyTo = []string{legacy}
	if o := ingest(t, d, t0.Add(3*time.Minute), cmd)[0]; o.Action != ActionUnauthenticated {
		t.Fatalf("a legacy token authenticated a technician: %s", o.Action)
	}
	if tk, _ := d.Store.Ticket(context.Background(), 1); tk.Priority == PriorityUrgent {
		t.Fatal("obeyed")
	}
}

// TestUnauthenticatedNoticeOncePerHour: the staff address is told of unauthenticated mail once an
// hour, however many arrive.
func TestUnauthenticatedNoticeOncePerHour(t *testing.T) {
	d := newTestDesk(t)
	ingest(t, d, t0, request("q@m", "celine@corp.example", "Wifi", "le wifi coupe"))
	for i := range 5 {
		ingest(t, d, t0.Add(time.Duration(i)*10*time.Minute), techWrite(fmt.Sprintf("f%d@m", i), "alice@corp.example", "#resolve x"))
	}
	ingest(t, d, t0.Add(61*time.Minute), techWrite("later@m", "alice@corp.example", "#resolve x"))
	if n := countRows(t, d, `SELECT COUNT(*) FROM outbox WHERE kind = 'rejected'`); n != 2 {
		t.Fatalf("%d notices, want 2 (one per hour)", n)
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM events WHERE kind = 'note' AND actor = 'deskd' AND text LIKE 'unauthenticated mail from alice@corp.example%'`); n != 6 {
		t.Fatalf("%d notes, want 6", n)
	}
}

// BenchmarkIngestHugeCc ingests one request copying 10,000 people of the organisation, then one
// reply copying 10,000 more: sorting them is linear (it was quadratic inside the write
// transaction, 11 s for 10,000), and only max_watchers join.
func BenchmarkIngestHugeCc(b *testing.B) {
	const n = 10000
	cc := make([]string, n)
	for i := range cc {
		cc[i] = fmt.Sprintf("person%05d@corp.example", i)
	}
	d := newTestDesk(b)
	b.ResetTimer()
	for i := range b.N {
		in := request(fmt.Sprintf("huge%d@m", i), "celine@corp.example", "Wifi", "le wifi coupe")
		in.Cc = cc
		o, err := d.Ingest(context.Background(), t0, []*Incoming{in})
		if err != nil || o[0].Err != nil {
			b.Fatal(err, o[0].Err)
		}
		re := request(fmt.Sprintf("huge-re%d@m", i), "celine@corp.example", "Re: Wifi", "encore")
		re.InReplyTo = []string{d.Signer.CopyID(rootID(b, d, o[0].TicketID), o[0].TicketID, "celine@corp.example")}
		re.Cc = cc
		if o, err := d.Ingest(context.Background(), t0.Add(time.Minute), []*Incoming{re}); err != nil || o[0].Err != nil {
			b.Fatal(err, o[0].Err)
		}
		if tk, _ := d.Store.Ticket(context.Background(), o[0].TicketID); len(tk.Watchers) != 20 {
			b.Fatalf("%d watchers", len(tk.Watchers))
		}
	}
}

// TestStoreFilesPrivate: the database, its WAL and shared memory are 0600 whatever the umask
// lets through, in a directory made 0700; an existing database open to others is narrowed.
func TestStoreFilesPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	path := filepath.Join(dir, "deskd.db")
	s, err := OpenStore(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewDesk(parseTestConfig(t, testConfigTOML), s, []byte("0123456789abcdef0123456789abcdef"), nil)
	if err != nil {
		t.Fatal(err)
	}
	ingest(t, d, t0, request("q@m", "celine@corp.example", "Wifi", "le wifi coupe"))
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err) // Open: the WAL and shared memory exist.
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %04o", filepath.Base(p), st.Mode().Perm())
		}
	}
	if st, _ := os.Stat(dir); st.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %04o", st.Mode().Perm())
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err = OpenStore(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	}()
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("an existing database open to others stayed %04o", st.Mode().Perm())
	}
}

// TestSignInLimitPerMailbox: a technician's alias, letter case and +tags do not buy more
// sign-in links: they share the mailbox's budget.
func TestSignInLimitPerMailbox(t *testing.T) {
	d := deskFromTOML(t, strings.Replace(testConfigTOML, `email = "alice@corp.example"`,
		"email = \"alice@corp.example\"\naliases = [\"a.martin@corp.example\"]", 1))
	lim := SignInLimits{PerAddress: 3, PerClient: 100, Window: SignInValid}
	sent := 0
	for _, addr := range []string{"alice@corp.example", "a.martin@corp.example", "ALICE@corp.example", "alice+x@corp.example", "A.Martin@corp.example", "a.martin@corp.example"} {
		if err := d.Update(context.Background(), t0, func(tx *Tx) error {
			res, err := tx.RequestSignIn(addr, "192.0.2.1", lim)
			if res == SignInSent {
				sent++
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	if sent != 3 {
		t.Errorf("%d sign-in links for one mailbox, want 3", sent)
	}
}

// TestOneLineAlready: OneLine returns what its every step makes, whether or not it skips them.
func TestOneLineAlready(t *testing.T) {
	texts := []string{"", " ", "a", "Jean Dupont", "Jean  Dupont", " Jean", "Jean ", "Écran qui clignote", "a\tb",
		"a\u00a0b", "a\u2028b", "a\u200eb", "a\ufeffb", "a\x7fb", "a\xffb", "a\ufffdb", "\u3000x", "x\u0085y"}
	parts := []string{"a", "É", "é", "☃", "\U0001F600", " ", "  ", "\t", "\n", "\r", "\u00a0", "\u2028", "\u2029", "\u200e",
		"\u202e", "\ufeff", "\x7f", "\x00", "\xff", "\ufffd", "\u3000", "\u0085", "Dupont", "-", "…"}
	texts = append(texts, randomTexts(7, 8, parts, 4000, 12)...)
	for _, s := range texts {
		for _, max := range []int{0, 1, 3, 8, 200} {
			if got, want := OneLine(s, max), oneLineByMap(s, max); got != want {
				t.Errorf("OneLine(%q, %d) = %q, by its steps %q", s, max, got, want)
			}
		}
	}
}
