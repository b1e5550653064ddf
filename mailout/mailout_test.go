package mailout

import (
	"context"
	"errors"
	"fmt"
	netmail "net/mail"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/deskd/deskd/templates"
	"github.com/deskd/deskd/tickets"
)

// TestEveryKindSent queues every sample of every kind in both languages and checks what arrives.
func TestEveryKindSent(t *testing.T) {
	e := newEnv(t)
	db := e.rawDB()
	type want struct{ kind, lang, subject, messageID string }
	var wants []want
	tpl, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	tpl = tpl.In(e.desk.Config().Location())
	for _, lang := range tpl.Languages() {
		for _, kind := range tickets.MailKinds {
			for _, n := range templates.Samples(kind, lang) {
				subject, _, _, err := tpl.Render(kind, lang, n)
				if err != nil {
					t.Fatal(err)
				}
				id := e.queueRaw(db, kind, lang, n, []string{n.Recipient}, nil, false, t0)
				wants = append(wants, want{kind, lang, subject, e.desk.Signer.CopyID(id, n.Ticket.ID, n.Recipient)})
			}
		}
	}
	if n := e.drain(t0); n != len(wants) {
		t.Fatalf("sent %d, want %d", n, len(wants))
	}
	got := e.sink.received()
	if len(got) != len(wants) {
		t.Fatalf("received %d, want %d", len(got), len(wants))
	}
	byID := map[string]parsed{} // Mails to different people may arrive in any order.
	for _, g := range got {
		p := parse(t, g)
		byID[p.Header.Get("Message-ID")] = p
	}
	for _, w := range wants {
		p, ok := byID["<"+w.messageID+">"]
		if !ok {
			t.Errorf("%s/%s: %s not received", w.lang, w.kind, w.messageID)
			continue
		}
		h := p.Header
		if h.Get("Message-ID") != "<"+w.messageID+">" || h.Get("X-Deskd-Kind") != w.kind ||
			h.Get("Content-Language") != w.lang || p.Subject != w.subject {
			t.Errorf("%s/%s: %q %q %q %q", w.lang, w.kind, h.Get("Message-ID"), h.Get("X-Deskd-Kind"), h.Get("Content-Language"), p.Subject)
		}
		if w.kind == tickets.KindDigest && (h.Get("X-Deskd-Ticket") != "" || h.Get("Reply-To") != "") {
			t.Errorf("digest about a ticket: %v", h)
		}
	}
	if c := e.counts(); c[tickets.OutboxSent] != len(wants) || c[tickets.OutboxPending] != 0 {
		t.Fatalf("counts %v", c)
	}
}

// TestHeaders checks the headers of an acknowledgement, an assignment and a reply one by one.
func TestHeaders(t *testing.T) {
	e := newEnv(t)
	const celine, priya = "celine@corp.example", "priya@corp.example"
	tk := e.open(t0, tickets.NewTicket{Subject: "Re: Le VPN ne marche plus", Text: "Bonjour,\nle vpn ne se connecte plus.",
		Requester: celine, RequesterName: "Céline Dupré", Watchers: []string{priya},
		Language: "fr", MessageID: "req1@mail.example"})
	e.do(tk.ID, t0.Add(time.Minute), func(tx *tickets.Tx, tk *tickets.Ticket) error {
		return tx.Reply(tk, "Pouvez-vous redémarrer ?", "alice@corp.example", "")
	})
	if n := e.drain(t0.Add(time.Minute)); n != 5 { // Copies, as received.
		t.Fatalf("sent %d", n)
	}
	got := e.sink.received()
	if len(got) != 5 {
		t.Fatalf("%d copies, want 5: the ack and the reply to Céline and Priya each, the assignment", len(got))
	}
	// One copy per recipient, in To then Cc order; the envelope names that recipient only.
	for i, want := range []string{celine, priya, "alice@corp.example", celine, priya} {
		if joinSorted(got[i].To) != want {
			t.Fatalf("copy %d went to %v, want %s", i, got[i].To, want)
		}
	}
	ack, ackPriya, assigned, reply := parse(t, got[0]), parse(t, got[1]), parse(t, got[2]), parse(t, got[3])
	row, _ := e.store.Ticket(context.Background(), tk.ID)
	copyOf := func(rcpt string) string { return "<" + e.desk.Signer.CopyID(row.RootMessageID, tk.ID, rcpt) + ">" }
	plus := e.desk.Signer.PlusAddress("helpdesk@corp.example", tk.ID, celine)

	for _, c := range []struct {
		name string
		p    parsed
		rcpt string
		want map[string]string
	}{
		{"ack", ack, celine, map[string]string{
			"From": "\"Support Informatique\" <helpdesk@corp.example>", "To": "=?utf-8?q?C=C3=A9line_Dupr=C3=A9?= <celine@corp.example>", "Cc": "<priya@corp.example>",
			"Reply-To": "<" + plus + ">", "In-Reply-To": "<req1@mail.example>", "References": "<req1@mail.example>",
			"Message-ID":     copyOf(celine),
			"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All", "Content-Language": "fr",
			"X-Deskd-Ticket": fmt.Sprint(tk.ID), "X-Deskd-Kind": "ack", "Precedence": "", "User-Agent": "", "X-Mailer": "", "Bcc": "",
		}},
		{"ack to the watcher", ackPriya, priya, map[string]string{
			"To": "=?utf-8?q?C=C3=A9line_Dupr=C3=A9?= <celine@corp.example>", "Cc": "<priya@corp.example>", "Message-ID": copyOf(priya),
			"Reply-To": "<" + e.desk.Signer.PlusAddress("helpdesk@corp.example", tk.ID, priya) + ">", "Bcc": "",
		}},
		{"assigned", assigned, "alice@corp.example", map[string]string{
			"From": "\"Support Informatique\" <helpdesk@corp.example>", "To": "\"Alice Martin\" <alice@corp.example>", "Cc": "",
			"In-Reply-To": copyOf("alice@corp.example"), "References": "<req1@mail.example> " + copyOf("alice@corp.example"),
			"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All", "Content-Language": "fr",
			"X-Deskd-Kind": "assigned", "Precedence": "",
		}},
		{"reply", reply, celine, map[string]string{
			"From": "\"Alice Martin via Support Informatique\" <helpdesk@corp.example>", "To": "=?utf-8?q?C=C3=A9line_Dupr=C3=A9?= <celine@corp.example>",
			"Cc": "<priya@corp.example>", "Reply-To": "<" + plus + ">", "In-Reply-To": copyOf(celine),
			"Auto-Submitted": "auto-generated", "X-Deskd-Kind": "reply", "Content-Language": "fr",
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.want {
				if got := c.p.Header.Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
			// The Message-ID carries the ticket and the recipient, and nobody else.
			tok, err := e.desk.Signer.ParseMessageID(c.p.Header.Get("Message-ID"))
			if err != nil || tok.ID != tk.ID || !e.desk.Signer.Bound(tok, c.rcpt) || e.desk.Signer.Bound(tok, "mallory@corp.example") {
				t.Errorf("Message-ID %s does not carry the ticket and %s: %+v, %v", c.p.Header.Get("Message-ID"), c.rcpt, tok, err)
			}
			if !strings.HasSuffix(c.p.Header.Get("Message-ID"), "@corp.example>") {
				t.Errorf("Message-ID %s not in the desk's domain", c.p.Header.Get("Message-ID"))
			}
			if _, err := c.p.Header.Date(); err != nil {
				t.Errorf("Date: %v", err)
			}
			if strings.Count(c.p.Subject, "[HD #1]") != 1 || !strings.HasPrefix(c.p.Subject, "[HD #1] ") || strings.Contains(c.p.Subject, "Re:") {
				t.Errorf("subject %q", c.p.Subject)
			}
		})
	}
	if ack.Subject != "[HD #1] Demande reçue : Le VPN ne marche plus" || reply.Subject != "[HD #1] Le VPN ne marche plus" {
		t.Errorf("subjects %q, %q", ack.Subject, reply.Subject)
	}
	if tok, err := e.desk.Signer.ParseAddress(plus); err != nil || tok.ID != tk.ID || !e.desk.Signer.Bound(tok, celine) || e.desk.Signer.Bound(tok, priya) {
		t.Errorf("plus-address %s: %+v, %v", plus, tok, err)
	}
	// The envelope sender is the copy's own bounce address: it names the mail and its recipient.
	for i, rcpt := range []string{celine, priya} {
		tok, err := e.desk.Signer.ParseBounceAddress(got[i].From)
		if err != nil || !e.desk.Signer.Bound(tok, rcpt) || e.desk.Signer.Bound(tok, []string{priya, celine}[i]) {
			t.Errorf("envelope sender of %s's copy %q: %+v, %v", rcpt, got[i].From, tok, err)
		}
	}
	// The ack says what was understood; the assignee sees the request quoted, and the commands.
	for _, want := range []string{"Réseau", "jeudi 26 novembre", "Dans quel bâtiment"} {
		if !strings.Contains(ack.Text, want) {
			t.Errorf("ack lacks %q:\n%s", want, ack.Text)
		}
	}
	for _, want := range []string{"> le vpn ne se connecte plus.", "#resolve NOTE"} {
		if !strings.Contains(assigned.Text, want) {
			t.Errorf("assigned lacks %q:\n%s", want, assigned.Text)
		}
	}
	if !strings.Contains(reply.Text, "Pouvez-vous redémarrer ?\n\n-- \nAlice Martin — Support Informatique") {
		t.Errorf("reply:\n%s", reply.Text)
	}
}

// TestLongCopyList: a long Cc is folded and every address survives.
func TestLongCopyList(t *testing.T) {
	var cc []string
	for i := range 12 {
		cc = append(cc, fmt.Sprintf("colleague.number.%d@corp.example", i))
	}
	v := addressList(len("Cc: "), cc, nil)
	for _, line := range strings.Split("Cc: "+v, "\r\n") {
		if len(line) > 78 {
			t.Errorf("line of %d characters: %q", len(line), line)
		}
	}
	h, err := netmail.ReadMessage(strings.NewReader("Cc: " + v + "\r\n\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	list, err := h.Header.AddressList("Cc")
	if err != nil || len(list) != len(cc) || list[11].Address != cc[11] {
		t.Fatalf("%v, %v", list, err)
	}
}

func TestNoPlusAddress(t *testing.T) {
	e := newEnv(t)
	desk := e.desk.Config().Desk
	desk.PlusAddress = false
	if err := e.sender.SetConfig(e.smtp, desk, nil); err != nil {
		t.Fatal(err)
	}
	e.open(t0, tickets.NewTicket{Subject: "wifi", Text: "le wifi", Requester: "r@corp.example"})
	e.drain(t0)
	if rt := parse(t, e.sink.received()[0]).Header.Get("Reply-To"); rt != "" {
		t.Fatalf("Reply-To %q with plus_address = false", rt)
	}
}

// TestThreading follows one ticket through five operations: every mail threads under the root.
func TestThreading(t *testing.T) {
	e := newEnv(t)
	tk := e.open(t0, tickets.NewTicket{Subject: "VPN", Text: "the vpn is down", Requester: "r@corp.example",
		Language: "en", MessageID: "origin@mail.example"})
	at := t0
	step := func(fn func(*tickets.Tx, *tickets.Ticket) error) {
		at = at.Add(10 * time.Minute)
		e.do(tk.ID, at, fn)
	}
	step(func(tx *tickets.Tx, tk *tickets.Ticket) error {
		return tx.Reply(tk, "Restart it.", "alice@corp.example", "")
	})
	step(func(tx *tickets.Tx, tk *tickets.Ticket) error { return tx.Note(tk, "certificate?", "bob@corp.example") })
	step(func(tx *tickets.Tx, tk *tickets.Ticket) error {
		return tx.Escalate(tk, "needs tier 2", "alice@corp.example")
	})
	step(func(tx *tickets.Tx, tk *tickets.Ticket) error {
		return tx.Resolve(tk, "Renewed the certificate.", "chloe@corp.example")
	})
	e.drain(at)

	got := e.sink.received()
	if len(got) < 5 {
		t.Fatalf("%d mails", len(got))
	}
	// The acknowledgement is the thread's root; mails to different people may arrive in any order.
	slices.SortStableFunc(got, func(a, b sunk) int {
		return strings.Compare(fmt.Sprint(parse(t, a).Header.Get("X-Deskd-Kind") != "ack"), fmt.Sprint(parse(t, b).Header.Get("X-Deskd-Kind") != "ack"))
	})
	row, _ := e.store.Ticket(context.Background(), tk.ID)
	rootRow := row.RootMessageID
	seen := map[string]bool{}
	var kinds []string
	for i, m := range got {
		h := parse(t, m).Header
		id := h.Get("Message-ID")
		if seen[id] {
			t.Fatalf("Message-ID %s used twice", id)
		}
		seen[id] = true
		kinds = append(kinds, h.Get("X-Deskd-Kind"))
		refs := strings.Fields(h.Get("References"))
		if i == 0 {
			if h.Get("X-Deskd-Kind") != "ack" || h.Get("In-Reply-To") != "<origin@mail.example>" || len(refs) != 1 {
				t.Fatalf("first mail: %v", h)
			}
			continue
		}
		root := "<" + e.desk.Signer.CopyID(rootRow, tk.ID, m.To[0]) + ">" // The root as this recipient got it.
		if !slices.Equal(refs, []string{"<origin@mail.example>", root}) || h.Get("In-Reply-To") != root {
			t.Errorf("mail %d (%s): References %v, In-Reply-To %s; want under %s", i, kinds[i], refs, h.Get("In-Reply-To"), root)
		}
		if tid, err := e.desk.Signer.TicketFromMessageID(id); err != nil || tid != tk.ID {
			t.Errorf("mail %d: Message-ID %s: %d, %v", i, id, tid, err)
		}
	}
	for _, k := range []string{"ack", "assigned", "reply", "update", "escalated", "resolved"} {
		if !slices.Contains(kinds, k) {
			t.Errorf("no %s mail among %v", k, kinds)
		}
	}
}

// TestSMTPDownThenUp: while the server is down no mail is charged with an attempt, and every
// mail is still due; once it is back, everything goes in one drain, once.
func TestSMTPDownThenUp(t *testing.T) {
	e := newEnv(t)
	for i := range 12 { // 24 mails: a drain of three connections.
		e.open(t0, tickets.NewTicket{Subject: fmt.Sprint("wifi ", i), Text: "le wifi", Requester: fmt.Sprintf("r%d@corp.example", i)})
	}
	e.sink.stop()
	for range 2 {
		n, err := e.sender.Drain(context.Background(), t0)
		if !errors.Is(err, ErrUnreachable) || n != 0 || !strings.Contains(err.Error(), "connection refused") {
			t.Fatalf("drain with the server down: %d, %v; want ErrUnreachable", n, err)
		}
		if c := strings.Count(err.Error(), "smtp server unreachable"); c != 1 {
			t.Errorf("the cause said %d times: %v", c, err) // Each connection met it; say it once.
		}
	}
	if c := e.counts(); c[tickets.OutboxPending] != 24 {
		t.Fatalf("counts %v", c)
	}
	for _, id := range pendingIDs(t, e) {
		if _, attempts, lastError := e.row(t, id); attempts != 0 || lastError != "" {
			t.Errorf("row %d: attempts %d, error %q; the server's outage is not the mail's", id, attempts, lastError)
		}
	}
	e.sink.start(t)
	if n := e.drain(t0); n != 24 {
		t.Fatalf("sent %d after the server came back, want all 24 at once", n)
	}
	if n := e.drain(t0.Add(time.Hour)); n != 0 {
		t.Fatalf("sent %d more", n)
	}
	got := e.sink.received()
	ids2 := map[string]int{}
	for _, m := range got {
		ids2[parse(t, m).Header.Get("Message-ID")]++
	}
	if len(got) != 24 || len(ids2) != 24 {
		t.Fatalf("received %d mails, %d distinct", len(got), len(ids2))
	}
}

func pendingIDs(t *testing.T, e *env) []int64 {
	t.Helper()
	rows, err := e.store.Reader().Query(`SELECT id FROM outbox WHERE state = 'pending' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// TestPermanentFailure: a 550 fails the mail at once, records it on the ticket, and is not retried.
func TestPermanentFailure(t *testing.T) {
	e := newEnv(t)
	e.sink.refuse(func(to string) error {
		if to == "gone@corp.example" {
			return smtpErr(550, "no such user")
		}
		return nil
	}, nil)
	tk := e.open(t0, tickets.NewTicket{Subject: "wifi", Text: "le wifi", Requester: "gone@corp.example"})
	if n := e.drain(t0); n != 1 {
		t.Fatalf("sent %d (the assignment should go)", n)
	}
	c := e.counts()
	if c[tickets.OutboxFailed] != 1 || c[tickets.OutboxSent] != 1 {
		t.Fatalf("counts %v", c)
	}
	evs, err := e.store.Events(context.Background(), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := evs[len(evs)-1]
	if last.Kind != tickets.EventFailed || !strings.Contains(last.Text, "550") || !strings.Contains(last.Text, "gone@corp.example") {
		t.Fatalf("last event %+v", last)
	}
	e.sink.refuse(nil, nil)
	if n := e.drain(t0.Add(48 * time.Hour)); n != 0 {
		t.Fatalf("a failed mail was retried")
	}
}

// TestRecipientRefused: a watcher refused for good does not keep the mail from the requester.
func TestRecipientRefused(t *testing.T) {
	e := newEnv(t)
	e.sink.refuse(func(to string) error {
		if to == "typo@corp.example" {
			return smtpErr(550, "no such user")
		}
		return nil
	}, nil)
	tk := e.open(t0, tickets.NewTicket{Subject: "wifi", Text: "le wifi", Requester: "r@corp.example",
		Watchers: []string{"typo@corp.example"}})
	if n := e.drain(t0); n != 2 {
		t.Fatalf("sent %d", n)
	}
	ack := e.sink.received()[0]
	if joinSorted(ack.To) != "r@corp.example" {
		t.Fatalf("ack went to %v", ack.To)
	}
	// Each copy is its own transaction: the requester's went before the watcher's was refused,
	// and shows whom the mail was written to.
	if h := parse(t, ack).Header; h.Get("Cc") != "<typo@corp.example>" || h.Get("To") != "<r@corp.example>" {
		t.Errorf("headers To %q Cc %q", h.Get("To"), h.Get("Cc"))
	}
	evs, _ := e.store.Events(context.Background(), tk.ID)
	last := evs[len(evs)-1]
	if last.Kind != tickets.EventFailed || !strings.Contains(last.Text, "typo@corp.example") || !strings.Contains(last.Text, "550") {
		t.Fatalf("last event %+v", last)
	}
	if c := e.counts(); c[tickets.OutboxSent] != 2 {
		t.Fatalf("counts %v", c)
	}
}

// TestTemporaryFailure: a 451 is retried later and then delivered once.
func TestTemporaryFailure(t *testing.T) {
	e := newEnv(t)
	e.sink.refuse(nil, func(n int) error {
		if n == 1 {
			return smtpErr(451, "greylisted, try later")
		}
		return nil
	})
	e.open(t0, tickets.NewTicket{Subject: "wifi", Text: "le wifi", Requester: "r@corp.example"})
	if n := e.drain(t0); n != 1 {
		t.Fatalf("sent %d; the second mail should go on the same connection", n)
	}
	ids := pendingIDs(t, e)
	if len(ids) != 1 {
		t.Fatalf("pending %v", ids)
	}
	if kind, attempts, lastError := e.row(t, ids[0]); attempts != 1 || !strings.Contains(lastError, "451") || kind != tickets.KindAck {
		t.Fatalf("%s: attempts %d, error %q", kind, attempts, lastError)
	}
	if n := e.drain(t0.Add(30 * time.Second)); n != 0 {
		t.Fatal("retried before its time")
	}
	if n := e.drain(t0.Add(FirstRetry)); n != 1 {
		t.Fatal("not retried")
	}
	if len(e.sink.received()) != 2 {
		t.Fatalf("received %d", len(e.sink.received()))
	}
}

// TestGiveUp: a mail still failing a day after it was queued fails for good.
func TestGiveUp(t *testing.T) {
	e := newEnv(t)
	e.sink.refuse(nil, func(int) error { return smtpErr(452, "mailbox full") })
	e.open(t0, tickets.NewTicket{Subject: "wifi", Text: "le wifi", Requester: "r@corp.example"})
	e.drain(t0)
	if c := e.counts(); c[tickets.OutboxPending] != 2 {
		t.Fatalf("counts %v", c)
	}
	e.drain(t0.Add(GiveUp))
	if c := e.counts(); c[tickets.OutboxFailed] != 2 {
		t.Fatalf("counts %v", c)
	}
}

func TestBackoff(t *testing.T) {
	want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute, 32 * time.Minute, time.Hour, time.Hour}
	for i, w := range want {
		if got := Backoff(i + 1); got != w {
			t.Errorf("Backoff(%d) = %s, want %s", i+1, got, w)
		}
	}
	if Backoff(1000) != MaxRetry || Backoff(0) != FirstRetry {
		t.Error("bounds")
	}
	e := newEnv(t)
	fresh, err := New(e.smtp, e.desk.Config().Desk, e.store, e.desk.Signer, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 1000 {
		if j := fresh.jitter(time.Hour); j < 0 || j > 6*time.Minute {
			t.Fatalf("jitter %s", j)
		}
	}
}

// TestRateLimit: the 11th automatic mail to one address in an hour is suppressed; a mail with
// several recipients drops only the limited one.
func TestRateLimit(t *testing.T) {
	e := newEnv(t)
	for i := range 10 {
		e.open(t0.Add(time.Duration(i)*time.Minute), tickets.NewTicket{Subject: fmt.Sprint("wifi ", i), Text: "le wifi", Requester: "loop@corp.example"})
	}
	e.drain(t0.Add(10 * time.Minute))
	tk := e.open(t0.Add(11*time.Minute), tickets.NewTicket{Subject: "wifi 11", Text: "le wifi", Requester: "loop@corp.example",
		Watchers: []string{"watcher@corp.example"}})
	e.open(t0.Add(11*time.Minute), tickets.NewTicket{Subject: "wifi 12", Text: "le wifi", Requester: "loop@corp.example"})
	e.drain(t0.Add(11 * time.Minute))

	toLoop := 0
	var ack11 []string
	for _, m := range e.sink.received() {
		p := parse(t, m)
		if slices.Contains(m.To, "loop@corp.example") {
			toLoop++
		}
		if p.Header.Get("X-Deskd-Kind") == "ack" && p.Header.Get("X-Deskd-Ticket") == fmt.Sprint(tk.ID) {
			ack11 = m.To
			if p.Header.Get("To") != "<watcher@corp.example>" || p.Header.Get("Cc") != "" {
				t.Errorf("headers of the limited ack: To %q Cc %q", p.Header.Get("To"), p.Header.Get("Cc"))
			}
		}
	}
	if toLoop != 10 {
		t.Errorf("%d mails to the looping address, want 10", toLoop)
	}
	if joinSorted(ack11) != "watcher@corp.example" {
		t.Errorf("ack 11 went to %v, want the watcher only", ack11)
	}
	if c := e.counts(); c[tickets.OutboxSuppressed] != 1 {
		t.Errorf("counts %v", c)
	}
	// Technicians' notices are not automatic: alice got all twelve.
	n, _ := e.store.AutoMailsSince(context.Background(), "alice@corp.example", t0.Add(-time.Hour))
	if n != 0 {
		t.Errorf("assignment notices counted against the limit: %d", n)
	}
	// An hour later the address may be written to again.
	e.open(t0.Add(72*time.Minute), tickets.NewTicket{Subject: "wifi 13", Text: "le wifi", Requester: "loop@corp.example"})
	before := len(e.sink.received())
	e.drain(t0.Add(72 * time.Minute))
	if got := e.sink.received()[before:]; len(got) != 2 || !slices.Contains(got[0].To, "loop@corp.example") {
		t.Errorf("after an hour: %v", got)
	}
}

// TestBouncedAddress: mail to an address whose bounced_until is in the future is suppressed.
func TestBouncedAddress(t *testing.T) {
	e := newEnv(t)
	// As a bounce records it (tickets.Tx.recordAutomatic).
	if _, err := e.rawDB().Exec(`INSERT INTO people (email, bounced_until, bounce_reason) VALUES (?, ?, ?)`,
		"bouncy@corp.example", t0.Add(24*time.Hour).Unix(), "550 5.1.1 user unknown"); err != nil {
		t.Fatal(err)
	}
	e.open(t0, tickets.NewTicket{Subject: "wifi", Text: "le wifi", Requester: "bouncy@corp.example"})
	if n := e.drain(t0); n != 1 {
		t.Fatalf("sent %d", n)
	}
	if m := e.sink.received()[0]; slices.Contains(m.To, "bouncy@corp.example") {
		t.Fatal("mail sent to a bouncing address")
	}
	if c := e.counts(); c[tickets.OutboxSuppressed] != 1 {
		t.Fatalf("counts %v", c)
	}
	var reason string
	if err := e.store.Reader().QueryRow(`SELECT last_error FROM outbox WHERE state = 'suppressed'`).Scan(&reason); err != nil ||
		!strings.Contains(reason, "bouncy@corp.example: address bounces") {
		t.Fatalf("reason %q, %v", reason, err)
	}
}

func TestCheck(t *testing.T) {
	e := newEnv(t)
	if err := e.sender.Check(context.Background()); err != nil {
		t.Fatalf("check against the sink: %v", err)
	}
	cfg, desk := e.smtp, e.desk.Config().Desk
	cfg.Security = "tls"
	if err := e.sender.SetConfig(cfg, desk, nil); err != nil {
		t.Fatal(err)
	}
	if err := e.sender.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "TLS") {
		t.Fatalf("tls against a plain server: %v", err)
	}
	cfg.Security = "starttls"
	_ = e.sender.SetConfig(cfg, desk, nil)
	if err := e.sender.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("starttls against a server without it: %v", err)
	}
	cfg.Security = "none"
	cfg.Username, cfg.Password = "desk", "secret"
	_ = e.sender.SetConfig(cfg, desk, nil)
	if err := e.sender.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "offers no login") {
		t.Fatalf("login against a server without AUTH: %v", err)
	}
	cfg.Username, cfg.Password = "", ""
	_ = e.sender.SetConfig(cfg, desk, nil)
	e.sink.stop()
	err := e.sender.Check(context.Background())
	if err == nil || !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), e.sink.addr) {
		t.Fatalf("check with the server down: %v", err)
	}
	cfg.Address = "nohost"
	if err := e.sender.SetConfig(cfg, desk, nil); err == nil {
		t.Fatal("an address without a port was accepted")
	}
}

// TestRun: the loop sends when woken, and stops with its context.
func TestRun(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.sender.Run(ctx); close(done) }()
	e.open(time.Now(), tickets.NewTicket{Subject: "wifi", Text: "le wifi", Requester: "r@corp.example"})
	e.sender.Wake()
	deadline := time.Now().Add(10 * time.Second)
	for len(e.sink.received()) < 2 {
		if time.Now().After(deadline) {
			t.Fatal("Run did not send after Wake")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop")
	}
}

// TestCancelledDrainReleases: rows claimed but not tried are given back at once.
func TestCancelledDrainReleases(t *testing.T) {
	e := newEnv(t)
	e.open(t0, tickets.NewTicket{Subject: "wifi", Text: "le wifi", Requester: "r@corp.example"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.sender.Drain(ctx, t0); err == nil {
		t.Fatal("a cancelled drain reported success")
	}
	if n := e.drain(t0); n != 2 {
		t.Fatalf("sent %d after the cancelled drain", n)
	}
}

// BenchmarkSend measures mails per second to the in-process sink, rendering included, over one
// connection and over the default number, and the CPU per mail of the whole process (the sink's
// included); once more with the sink declaring a SIZE limit, as Postfix does (its default
// message_size_limit), so that each mail is fitted to it; and once with a web desk's link in
// every copy.
//
//	go test ./mailout -run '^$' -bench Send -benchtime 3000x
func BenchmarkSend(b *testing.B) {
	for _, c := range []struct {
		conns int
		size  int64
		links bool // A web desk gives each copy its link, as deskd serve's does.
	}{{1, 0, false}, {DefaultConnections, 0, false}, {DefaultConnections, 10240000, false}, {DefaultConnections, 0, true}} {
		name := fmt.Sprintf("connections=%d", c.conns)
		if c.size > 0 {
			name += fmt.Sprintf("/size=%d", c.size)
		}
		if c.links {
			name += "/links"
		}
		b.Run(name, func(b *testing.B) {
			e := newEnv(b)
			if c.links {
				e.sender.SetLinker(pageLinks{e.desk.Signer})
			}
			if c.size > 0 {
				e.sink.stop()
				e.sink.maxBytes = c.size
				e.sink.start(b)
			}
			cfg := e.smtp
			cfg.Connections = c.conns
			if err := e.sender.SetConfig(cfg, e.desk.Config().Desk, nil); err != nil {
				b.Fatal(err)
			}
			db := e.rawDB()
			n := templates.Samples(tickets.KindAck, "fr")[0]
			n.Ticket.ID = 0 // Ticket 0 needs no ticket row for its failures; none are expected.
			tx, err := db.Begin()
			if err != nil {
				b.Fatal(err)
			}
			for i := range b.N {
				e.queueRaw(tx, tickets.KindAck, "fr", n, []string{fmt.Sprintf("r%d@corp.example", i)}, nil, false, t0)
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			start, cpu0 := time.Now(), cpuTime()
			sent, err := e.sender.Drain(context.Background(), time.Now()) // The real clock: claims are fresh.
			if err != nil || sent != b.N {
				b.Fatalf("sent %d of %d: %v", sent, b.N, err)
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "mails/s")
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/mail")
		})
	}
}

// pageLinks gives every recipient a signed link to the ticket's page, as the web desk does for
// a requester.
type pageLinks struct{ signer *tickets.Signer }

func (l pageLinks) Links(m tickets.OutboxMail, rcpt string, now time.Time) tickets.Links {
	return tickets.Links{Page: "https://desk.corp.example/r/" + l.signer.Link(tickets.LinkClaim{Purpose: tickets.LinkPage,
		TicketID: m.TicketID, Recipient: rcpt, Expires: now.Add(30 * 24 * time.Hour)})}
}

// cpuTime is the process's user and system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestReferencesCapped: a long thread's References keeps its root and the latest IDs, and stays
// under an RFC 5322 line.
func TestReferencesCapped(t *testing.T) {
	var refs []string
	for i := range 40 {
		refs = append(refs, fmt.Sprintf("<%02d.%s@deskd.corp.example>", i, strings.Repeat("x", 40)))
	}
	got := capReferences(refs, maxReferences)
	if n := len(strings.Join(got, " ")); n > maxReferences || got[0] != refs[0] || got[len(got)-1] != refs[39] || len(got) < 5 {
		t.Fatalf("%d IDs, %d characters: %v", len(got), n, got)
	}
	for i := 1; i < len(got)-1; i++ {
		if got[i+1] <= got[i] {
			t.Fatalf("out of order: %v", got)
		}
	}
	if short := refs[:3]; !slices.Equal(capReferences(short, maxReferences), short) {
		t.Fatal("a short References changed")
	}
}

// TestSentLogPrunedNowAndThen: a drain that sent mail forgets the rate limit's records older than
// two hours, but at most once in pruneEvery: deskd serve drains at every mail queued, and the
// prune reads the whole log.
func TestSentLogPrunedNowAndThen(t *testing.T) {
	e := newEnv(t)
	db := e.rawDB()
	old := func() int {
		t.Helper()
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM sent_log WHERE email = ?`, "old@corp.example").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	at := t0
	send := func(req string) {
		t.Helper()
		e.open(at, tickets.NewTicket{Subject: "wifi", Text: "le wifi", Requester: req})
		if n := e.drain(at); n == 0 {
			t.Fatal("nothing sent")
		}
	}
	send("a@corp.example") // The first drain prunes.
	if _, err := db.Exec(`INSERT INTO sent_log (email, at, cause, outbox_id) VALUES (?, ?, '', 0)`,
		"old@corp.example", t0.Add(-3*time.Hour).Unix()); err != nil {
		t.Fatal(err)
	}
	at = t0.Add(pruneEvery - time.Minute)
	send("b@corp.example")
	if old() != 1 {
		t.Fatal("a drain within pruneEvery of the last prune pruned again")
	}
	at = t0.Add(pruneEvery)
	send("c@corp.example")
	if old() != 0 {
		t.Fatal("the record of three hours ago is still there after pruneEvery")
	}
}
