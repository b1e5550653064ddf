package mailout

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"

	"github.com/deskd/deskd/templates"
	"github.com/deskd/deskd/tickets"
)

// TestNoticeFitsServerSize: the SMTP server declares SIZE (RFC 1870) below the files of a
// request. The technician's notice still goes, with the files that fit, and names the others
// with their size instead of carrying them.
func TestNoticeFitsServerSize(t *testing.T) {
	e := newEnv(t)
	const limit = 120 << 10
	e.sink.stop()
	e.sink.maxBytes = limit
	e.sink.start(t)

	small := bytes.Repeat([]byte("s"), 10<<10)
	big := bytes.Repeat([]byte("b"), 150<<10)
	in := &tickets.Incoming{
		MessageID: "files@corp.example", From: "celine@corp.example", To: []string{"helpdesk@corp.example"},
		Subject: "Le VPN ne marche plus", Text: "Le VPN ne se connecte plus, voici les journaux.", Language: "fr",
		Verdict: tickets.VerdictPerson, Raw: []byte("raw"),
		Attachments: []tickets.IncomingAttachment{
			{Name: "vpn.log", ContentType: "text/plain", Size: int64(len(small)), Data: small},
			{Name: "capture.bin", ContentType: "application/octet-stream", Size: int64(len(big)), Data: big},
		},
	}
	outs, err := e.desk.Ingest(context.Background(), t0, []*tickets.Incoming{in})
	if err != nil || outs[0].Err != nil {
		t.Fatalf("ingest: %v %v", err, outs)
	}
	if n := e.drain(t0); n != 2 {
		t.Fatalf("%d mails sent, want the acknowledgement and the notice (outbox %v)", n, e.counts())
	}
	var notice *sunk
	for _, m := range e.sink.received() {
		if bytes.Contains(m.Data, []byte("X-Deskd-Kind: assigned")) {
			notice = &m
		}
	}
	if notice == nil {
		t.Fatal("no assignment notice received")
	}
	if len(notice.Data) > limit {
		t.Errorf("notice of %d bytes, over the server's %d", len(notice.Data), limit)
	}
	text, files := readMail(t, notice.Data)
	if got := strings.Join(files, ","); got != "vpn.log" {
		t.Errorf("files attached: %q, want vpn.log only", got)
	}
	if !strings.Contains(text, "capture.bin (150 Ko) — trop volumineux pour partir par e-mail avec le reste") {
		t.Errorf("the notice does not name the file left out:\n%s", text)
	}
}

// TestLongNoticeFitsServerSize: a notice whose quoted text alone is over the server's SIZE goes
// with its text cut.
func TestLongNoticeFitsServerSize(t *testing.T) {
	e := newEnv(t)
	const limit = 64 << 10
	e.sink.stop()
	e.sink.maxBytes = limit
	e.sink.start(t)
	tk := e.open(t0, tickets.NewTicket{Subject: "Imprimante", Text: "Elle n'imprime plus.", Requester: "celine@corp.example", Language: "fr"})
	n := tickets.Notice{
		DeskName: "Support", DeskAddress: "helpdesk@corp.example", Tag: "HD", Audience: "staff", Ticket: tickets.TicketInfo{ID: tk.ID, Subject: "Imprimante"},
		Text: strings.Repeat("Ligne du journal de l'imprimante. ", 5000), Recipient: "alice@corp.example",
		History: []tickets.Entry{{At: t0, Kind: "message", Actor: "celine@corp.example", Text: strings.Repeat("Encore une ligne. ", 5000)}},
	}
	e.queueRaw(e.rawDB(), tickets.KindAssigned, "fr", n, []string{"alice@corp.example"}, nil, false, t0)
	e.drain(t0)
	if c := e.counts(); c[tickets.OutboxSent] != 3 {
		t.Fatalf("outbox %v, want the ticket's two mails and the long notice sent", c)
	}
	cut := false
	for _, m := range e.sink.received() {
		if len(m.Data) > limit {
			t.Errorf("mail of %d bytes, over the server's %d", len(m.Data), limit)
		}
		text, _ := readMail(t, m.Data)
		cut = cut || strings.Contains(text, "Ligne du journal") && strings.Contains(text, "[…]")
	}
	if !cut {
		t.Error("no notice with its text cut and marked")
	}
}

// longLinks gives one recipient a web desk link of n bytes, and the others none.
type longLinks struct {
	to string
	n  int
}

func (l longLinks) Links(_ tickets.OutboxMail, rcpt string, _ time.Time) tickets.Links {
	if rcpt != l.to {
		return tickets.Links{}
	}
	return tickets.Links{Page: "https://desk.corp.example/r/" + strings.Repeat("x", l.n)}
}

// TestEveryCopyFitsServerSize: a notice to several recipients goes as one copy each, with its
// own tokens and web desk links; every copy fits the server's SIZE with its text cut, the one
// whose link is far longer than the others' too.
func TestEveryCopyFitsServerSize(t *testing.T) {
	e := newEnv(t)
	long := "a.very.long.name.for.a.colleague.of.alice@corp.example"
	e.sender.SetLinker(longLinks{to: long, n: 20 << 10})
	const limit = 96 << 10
	e.sink.stop()
	e.sink.maxBytes = limit
	e.sink.start(t)
	tk := e.open(t0, tickets.NewTicket{Subject: "Imprimante", Text: "Elle n'imprime plus.", Requester: "celine@corp.example", Language: "fr"})
	n := tickets.Notice{
		DeskName: "Support", DeskAddress: "helpdesk@corp.example", Tag: "HD", Audience: "staff", Ticket: tickets.TicketInfo{ID: tk.ID, Subject: "Imprimante"},
		Text: strings.Repeat("Ligne du journal de l'imprimante. ", 4000), Recipient: "alice@corp.example",
	}
	to := []string{"alice@corp.example"}
	cc := []string{"bob@corp.example", long}
	e.drain(t0) // The ticket's own mails.
	before := len(e.sink.received())
	e.queueRaw(e.rawDB(), tickets.KindAssigned, "fr", n, to, cc, false, t0)
	e.drain(t0)
	ids := map[string]bool{}
	for _, m := range e.sink.received()[before:] {
		if len(m.Data) > limit {
			t.Errorf("copy to %v of %d bytes, over the server's %d", m.To, len(m.Data), limit)
		}
		text, _ := readMail(t, m.Data)
		if !strings.Contains(text, "Ligne du journal") || !strings.Contains(text, "[…]") {
			t.Errorf("copy to %v: text not cut and marked", m.To)
		}
		for _, rcpt := range m.To {
			ids[rcpt] = true
			if rcpt == long && !strings.Contains(text, "https://desk.corp.example/r/xxx") {
				t.Errorf("copy to %s without its link", rcpt)
			}
		}
	}
	if len(ids) != 3 {
		t.Errorf("copies went to %v, want one to each of the three recipients", ids)
	}
}

// readMail returns the text/plain body of a mail and the names of its attached files.
func readMail(t *testing.T, data []byte) (text string, files []string) {
	t.Helper()
	r, err := gomail.CreateReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for {
		p, err := r.NextPart()
		if errors.Is(err, io.EOF) {
			return text, files
		}
		if err != nil {
			t.Fatal(err)
		}
		switch h := p.Header.(type) {
		case *gomail.InlineHeader:
			if ct, _, _ := h.ContentType(); ct == "text/plain" {
				b, err := io.ReadAll(p.Body)
				if err != nil {
					t.Fatal(err)
				}
				text = string(b)
			}
		case *gomail.AttachmentHeader:
			name, err := h.Filename()
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, name)
		}
	}
}

// TestSizeBound: the bound render trusts instead of building a copy is above the copy's real
// size, for every sample of every kind in every language, and for the worst the encodings meet
// (a subject, names and text of bytes quoted-printable writes as three, long lines, files).
func TestSizeBound(t *testing.T) {
	e := newEnv(t)
	set := e.sender.set.Load()
	d := &drain{Sender: e.sender, box: batchBox{Outbox: e.sender.box}, smtp: set.smtp, desk: set.desk, tpl: set.tpl, now: t0}
	check := func(name string, m tickets.OutboxMail, files ...tickets.File) {
		t.Helper()
		to, cc := m.To, m.Cc
		r, err := d.render(m, to, cc)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		r.files = files
		for _, rcpt := range append(append([]string{}, to...), cc...) {
			n, err := d.messageSize(m, r, to, cc, rcpt)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if b := d.sizeBound(m, r, to, cc); b < n {
				t.Errorf("%s to %s: bound %d under the size %d", name, rcpt, b, n)
			}
		}
	}
	eachSample(set.tpl, func(name string, m tickets.OutboxMail) { check(name, m) })
	worst := strings.Repeat("é=", 6000) + "\t \n" + strings.Repeat("x", 5000) + "\n"
	n := templates.Samples(tickets.KindReply, "fr")[0]
	n.Ticket.Subject = strings.Repeat("€=?", 300)
	n.Text, n.Note, n.ActorName = worst, worst, strings.Repeat("Ł", 100)
	n.Names = map[string]string{"a@corp.example": strings.Repeat("Łę, ", 80), "b@corp.example": strings.Repeat("\"q\" ", 80)}
	n.Conversation = tickets.Conversation{Index: "AQHZ", Topic: strings.Repeat("€", 400)}
	m := tickets.OutboxMail{ID: 9, TicketID: n.Ticket.ID, Kind: tickets.KindReply, Language: "fr", Notice: n,
		To: []string{"a@corp.example"}, Cc: []string{"b@corp.example"}, MessageID: "root.y@deskd.corp.example"}
	for i := range 60 {
		m.References = append(m.References, fmt.Sprintf("%d.%s@mail.example", i, strings.Repeat("r", 30)))
	}
	check("worst", m)
	check("worst, with files", m, tickets.File{Name: "journal €.log", ContentType: "text/plain", Data: bytes.Repeat([]byte{0xff, '\n'}, 20000)},
		tickets.File{Name: strings.Repeat("é", 200) + ".bin", Data: []byte{}})
}
