package mailout

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/deskd/deskd/templates"
	"github.com/deskd/deskd/tickets"
)

// goldenLinker makes links of a length that depends on the recipient, so that a mail to several
// recipients renders its other copies again (relink).
type goldenLinker struct{}

func (goldenLinker) Links(m tickets.OutboxMail, rcpt string, now time.Time) tickets.Links {
	if m.Notice.Audience != "requester" {
		return tickets.Links{}
	}
	h := sha256.Sum256([]byte(fmt.Sprint(m.ID, rcpt, now.Unix())))
	tok := hex.EncodeToString(h[:4+len(rcpt)%5])
	return tickets.Links{Page: "https://desk.corp.example/r/" + tok, Solved: "https://desk.corp.example/v/y" + tok,
		Unsolved: "https://desk.corp.example/v/n" + tok}
}

// goldenFiles gives every mail whose notice names a source the same two files: a text with
// non-ASCII bytes and a name to encode, and a binary without a type.
type goldenFiles struct{ Outbox }

func (goldenFiles) MailAttachments(_ context.Context, _ int64, source string, all bool, budget int64) ([]tickets.File, []tickets.LeftOut, error) {
	if source == "" && !all {
		return nil, nil, nil
	}
	files := []tickets.File{
		{Name: "journal d'erreurs é€.log", ContentType: "text/plain; charset=utf-8", Data: bytes.Repeat([]byte("erreur 809 — réessayer\n"), 40)},
		{Name: "capture.bin", Data: bytes.Repeat([]byte{0, 1, 2, 0xfe, 0xff}, 61)},
	}
	for i := range files {
		files[i].Size = int64(len(files[i].Data))
	}
	if budget < 0 {
		var out []tickets.LeftOut
		for _, f := range files {
			out = append(out, tickets.LeftOut{Name: f.Name, Size: f.Size, Reason: tickets.LeftOutMailSize})
		}
		return nil, out, nil
	}
	return files, nil, nil
}

// TestRenderedMailsPinned: every kind's sample mails in French and English, rendered and built
// copy by copy as the sender does (render, relink, build with the encoded parts the copies
// share, and the DATA command's dot-stuffing), stay byte for byte as testdata/rendered.golden
// holds them: acknowledgements, assignment notices, a technician's answer with attachments,
// non-ASCII subjects, copies to Cc, Outlook's threading fields, web desk links that differ by
// recipient. The desk secret, the clock and the boundaries are fixed. Run with -update after a
// deliberate change (of the templates' wording too: their own golden files pin it).
func TestRenderedMailsPinned(t *testing.T) {
	e := newEnv(t)
	e.sender.signer = tickets.NewSigner([]byte("pinned desk secret, 32 bytes ...."))
	e.sender.SetLinker(goldenLinker{})
	set := e.sender.set.Load()
	d := &drain{Sender: e.sender, box: batchBox{Outbox: goldenFiles{e.sender.box}}, smtp: set.smtp, desk: set.desk, tpl: set.tpl, now: t0}
	was := newBoundary
	k := 0
	newBoundary = func() string { k++; return fmt.Sprintf("%060d", k) }
	defer func() { newBoundary = was }()

	names := map[string]string{"celine.dupre@corp.example": "Céline Dupré", "alice@corp.example": "Alice Martin",
		"lefevre@corp.example": "Lefèvre, Marc", "bob@corp.example": "Bob Smith"}
	var all bytes.Buffer
	id := int64(0)
	shared := 0 // Copies built with the parts shared by a mail's copies.
	for _, lang := range []string{"fr", "en"} {
		for _, kind := range []string{tickets.KindAck, tickets.KindAssigned, tickets.KindReply, tickets.KindResolved,
			tickets.KindEscalated, tickets.KindRejected, tickets.KindUpdate, tickets.KindDigest, tickets.KindReminder,
			tickets.KindIncident, tickets.KindSignIn} {
			for i, n := range templates.Samples(kind, lang) {
				id++
				m := tickets.OutboxMail{ID: id, TicketID: n.Ticket.ID, Kind: kind, Language: lang, To: []string{n.Recipient},
					Automatic: kind == tickets.KindAck, MessageID: fmt.Sprintf("dkm.%08d@deskd.corp.example", id)}
				if n.Recipient == "" {
					m.To = []string{"alice@corp.example"}
				}
				n.Names = names
				switch i % 3 {
				case 0:
					m.InReplyTo, m.References = "CAB+x=1@mail.example", []string{"CAB+x=1@mail.example"}
				case 1:
					// Copies to Cc, a non-ASCII subject, the thread of an Outlook mail.
					m.Cc = []string{"lefevre@corp.example", "bob@corp.example"}
					n.Ticket.Subject = "Imprimante du 3ᵉ étage — bourrage papier, « urgent » " + n.Ticket.Subject
					n.Conversation = tickets.Conversation{Index: "AdtAEjRWZGVmZ2hpamtsbW5vcHFycw==", Topic: "Imprimante du 3ᵉ étage"}
					m.InReplyTo = "dkm.00000001@deskd.corp.example"
					m.References = []string{"CAB+x=1@mail.example", "dkm.00000001@deskd.corp.example"}
				}
				if kind == tickets.KindReply || kind == tickets.KindEscalated && i == 0 {
					n.Source = "CAB+x=1@mail.example" // The technician's files go with the answer.
				}
				m.Notice = n
				r, err := d.render(m, m.To, m.Cc)
				if err != nil {
					t.Fatalf("%s %s %d: %v", lang, kind, i, err)
				}
				if len(m.To)+len(m.Cc) > 1 {
					r.shared = &encoded{} // As drain.one sends the copies of a mail.
				}
				for _, rcpt := range append(append([]string{}, m.To...), m.Cc...) {
					rr, err := d.relink(m, r, rcpt)
					if err != nil {
						t.Fatal(err)
					}
					fmt.Fprintf(&all, "== %s %s %d to %s\r\n", lang, kind, i, rcpt)
					env, data := wireCopy(t, d, m, rr, m.To, m.Cc, rcpt)
					fmt.Fprintf(&all, "MAIL FROM:<%s>\r\nRCPT TO:<%s>\r\nDATA\r\n", env.from, env.rcpt)
					all.Write(data)
					if rr.shared != nil && len(rr.shared.parts) > 0 {
						shared++
					}
				}
			}
		}
	}
	if shared < 20 {
		t.Errorf("%d copies built with shared parts, want 20 or more", shared)
	}
	checkGolden(t, "rendered.golden", all.Bytes(), 200)
}

// wireCopy is a copy's envelope and its message as the DATA command sends it.
func wireCopy(t *testing.T, d *drain, m tickets.OutboxMail, r rendered, to, cc []string, rcpt string) (envelope, []byte) {
	t.Helper()
	var b, w bytes.Buffer
	env, err := d.build(&b, m, r, to, cc, rcpt)
	if err != nil {
		t.Fatal(err)
	}
	dotStuff(&w, b.Bytes())
	return env, w.Bytes()
}
