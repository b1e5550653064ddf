package mailout

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deskd/deskd/tickets"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestBuiltMailPinned: the bytes build writes for a copy (its header with the signed tokens,
// the MIME structure, the quoted-printable bodies and the attachments) stay as testdata/built.golden
// holds them, with a fixed desk secret, clock and boundary. The bodies are given, not rendered,
// so that a change of the templates' wording (pinned by the templates' own golden files) does
// not touch this one; run with -update after a deliberate change.
func TestBuiltMailPinned(t *testing.T) {
	e := newEnv(t)
	e.sender.signer = tickets.NewSigner([]byte("pinned desk secret, 32 bytes ...."))
	set := e.sender.set.Load()
	d := &drain{Sender: e.sender, box: batchBox{Outbox: e.sender.box}, smtp: set.smtp, desk: set.desk, tpl: set.tpl, now: t0}
	was := newBoundary
	newBoundary = func() string { return "0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab" }
	defer func() { newBoundary = was }()

	text := strings.Repeat("é=", 60) + "\t \n.dot\nBonjour,\nvotre demande est enregistrée.\n" + strings.Repeat("x", 120) + "\n"
	html := "<p>Bonjour,</p>\n<p>" + strings.Repeat("é ", 50) + "</p>\n"
	r := rendered{lang: "fr", subject: "[#42] Imprimante en panne — étage 3 " + strings.Repeat("€", 30), text: text, html: html}
	n := tickets.Notice{Names: map[string]string{"a@corp.example": "Zoé Martin", "b@corp.example": "\"q\" " + strings.Repeat("Łę, ", 10)},
		Conversation: tickets.Conversation{Index: "AQHZ", Topic: strings.Repeat("€", 40)}}
	mails := []tickets.OutboxMail{
		{ID: 7, TicketID: 42, Kind: tickets.KindAck, Language: "fr", To: []string{"a@corp.example"},
			MessageID: "dkm.abcdefgh@deskd.corp.example", InReplyTo: "in@mail.example", References: []string{"in@mail.example"}},
		{ID: 8, TicketID: 42, Kind: tickets.KindAssigned, Language: "fr", To: []string{"a@corp.example", "c@corp.example"},
			Cc: []string{"b@corp.example"}, Notice: n, MessageID: "dkm.ijklmnop@deskd.corp.example", InReplyTo: "dkm.abcdefgh@deskd.corp.example"},
		{ID: 9, Kind: tickets.KindDigest, Language: "fr", To: []string{"b@corp.example"}, MessageID: "dk.0.qrstuvwx@deskd.corp.example"},
	}
	for i := range 12 {
		mails[1].References = append(mails[1].References, fmt.Sprintf("dkm.%d%s@deskd.corp.example", i, strings.Repeat("r", 12)), fmt.Sprintf("%d@mail.example", i))
	}
	var all bytes.Buffer
	for i, m := range mails {
		rr := r
		if i == 1 {
			rr.files = []tickets.File{{Name: "journal €.log", ContentType: "text/plain", Data: bytes.Repeat([]byte{0xff, '\n'}, 100)}, {Name: "a.bin", Data: []byte("abc")}}
		}
		for _, rcpt := range append(append([]string{}, m.To...), m.Cc...) {
			env, err := d.build(&all, m, rr, m.To, m.Cc, rcpt)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&all, "\r\n== envelope <%s> -> <%s>\r\n", env.from, env.rcpt)
		}
	}
	checkGolden(t, "built.golden", all.Bytes(), 80)
}

// checkGolden compares got with testdata/name (written anew with -update) and, where they
// differ, shows the bytes around the first difference, before bytes of them ahead of it.
func checkGolden(t *testing.T, name string, got []byte, before int) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		i := 0
		for i < min(len(got), len(want)) && got[i] == want[i] {
			i++
		}
		t.Fatalf("%s differs at byte %d:\ngot:  %q\nwant: %q", name, i, got[max(0, i-before):min(len(got), i+80)], want[max(0, i-before):min(len(want), i+80)])
	}
}
