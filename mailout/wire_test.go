package mailout

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/deskd/deskd/templates"
	"github.com/deskd/deskd/tickets"
)

// randomQPText is a text for quoted-printable with what makes its lines hard: dots that begin
// lines (after a line end, or after a soft break: lines of 70 to 80 characters), spaces and tabs
// before line ends, CR, LF and CRLF, "=", controls and non-ASCII characters.
func randomQPText(rng *rand.Rand) string {
	pieces := []string{".", "..", ". ", "a", "b", "z", " ", "\t", "=", "\n", "\r\n", "\r", "é", "€", "\x00", "\xff", "-- ",
		"\n.", "\r\n.\r\n", strings.Repeat("x", 70), strings.Repeat("y", 73), strings.Repeat("w", 74), strings.Repeat("v", 75),
		strings.Repeat("u", 76), "<p style=\"color: red\">", "https://desk.corp.example/r/abc?x=1&y=2"}
	var b strings.Builder
	for range rng.IntN(60) {
		b.WriteString(pieces[rng.IntN(len(pieces))])
	}
	return b.String()
}

// TestAppendQPStuffed: appendQP with stuff writes, for random texts, what writeQP then the DATA
// command's dot-stuffing (dotStuff) writes; and dotStuffSpans of a message whose
// quoted-printable parts are so written is dotStuff of the message with them as writeQP wrote
// them, whatever the rest of the message holds (dots beginning lines, bare LFs).
func TestAppendQPStuffed(t *testing.T) {
	rng := rand.New(rand.NewPCG(20, 3))
	stuffedLines := 0
	for range 20000 {
		s := randomQPText(rng)
		var plain, want, got bytes.Buffer
		writeQP(&plain, s)
		dotStuff(&want, plain.Bytes())
		var stuffed bytes.Buffer
		appendQP(&stuffed, s, true)
		dotStuffSpans(&got, stuffed.Bytes(), [][2]int{{0, stuffed.Len()}})
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("%q:\nstuffed %q\nwant    %q", s, got.Bytes(), want.Bytes())
		}
		if stuffed.Len() > plain.Len() {
			stuffedLines++
		}

		// A message: gaps of random lines around two parts, each part beginning a line.
		gap := func() string {
			g := randomQPText(rng)
			if rng.IntN(2) == 0 {
				g += "\r\n"
			} else {
				g += "\n"
			}
			return g
		}
		t1, t2 := randomQPText(rng), randomQPText(rng)
		g0, g1, g2 := gap(), "\r\n"+gap(), "\r\n"+gap()
		if rng.IntN(4) == 0 {
			g2 = strings.TrimRight(g2, "\r\n") // Without its last line end, or with a CR alone.
			if rng.IntN(2) == 0 {
				g2 += "\r"
			}
		}
		var msg, wire bytes.Buffer
		var spans [][2]int
		msg.WriteString(g0)
		wire.WriteString(g0)
		for i, part := range []string{t1, t2} {
			writeQP(&msg, part)
			start := wire.Len()
			appendQP(&wire, part, true)
			spans = append(spans, [2]int{start, wire.Len()})
			msg.WriteString([]string{g1, g2}[i])
			wire.WriteString([]string{g1, g2}[i])
		}
		want.Reset()
		got.Reset()
		dotStuff(&want, msg.Bytes())
		dotStuffSpans(&got, wire.Bytes(), spans)
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("message %q:\nspans %v\ngot  %q\nwant %q", msg.Bytes(), spans, got.Bytes(), want.Bytes())
		}
	}
	if stuffedLines < 1000 {
		t.Fatalf("only %d texts had a line stuffed", stuffedLines)
	}
}

// TestSendBytesAsBuild: what the sender writes on the wire for a copy (send: buildWire, then
// transact's dotStuffSpans) is build's message then dotStuff, for every kind's samples in French
// and English, with random texts in their words (dots beginning lines, long lines), a subject
// that is not ASCII, copies to Cc sharing their encoded parts, web desk links and files.
func TestSendBytesAsBuild(t *testing.T) {
	e := newEnv(t)
	e.sender.SetLinker(goldenLinker{})
	set := e.sender.set.Load()
	newDrain := func() *drain {
		return &drain{Sender: e.sender, box: batchBox{Outbox: goldenFiles{e.sender.box}}, smtp: set.smtp, desk: set.desk, tpl: set.tpl, now: t0}
	}
	plainD, wireD := newDrain(), newDrain()
	was := newBoundary
	newBoundary = func() string { return strings.Repeat("b", 60) }
	defer func() { newBoundary = was }()
	rng := rand.New(rand.NewPCG(20, 4))
	names := map[string]string{"lefevre@corp.example": "Lefèvre, Marc", "bob@corp.example": "Bob Smith"}
	copies, spanned := 0, 0
	id := int64(0)
	for round := range 6 {
		for _, lang := range []string{"fr", "en"} {
			for _, kind := range tickets.MailKinds {
				for i, n := range templates.Samples(kind, lang) {
					id++
					m := tickets.OutboxMail{ID: id, TicketID: n.Ticket.ID, Kind: kind, Language: lang, To: []string{n.Recipient},
						Automatic: kind == tickets.KindAck, MessageID: fmt.Sprintf("dkm.%08d@deskd.corp.example", id)}
					if n.Recipient == "" {
						m.To = []string{"alice@corp.example"}
					}
					n.Names = names
					if round > 0 {
						n.Text = randomQPText(rng) + "\n" + n.Text + "\n." + randomQPText(rng)
						n.Note = ".\n" + randomQPText(rng)
						n.Ticket.Subject = "Imprimante du 3ᵉ étage " + n.Ticket.Subject
					}
					if (i+round)%2 == 1 {
						m.Cc = []string{"lefevre@corp.example", "bob@corp.example"}
					}
					if kind == tickets.KindReply && round%2 == 0 {
						n.Source = "CAB+x=1@mail.example"
					}
					m.Notice = n
					r, err := plainD.render(m, m.To, m.Cc)
					if err != nil {
						t.Fatalf("%s %s %d: %v", lang, kind, i, err)
					}
					plainR, wireR := r, r
					if len(m.To)+len(m.Cc) > 1 {
						plainR.shared, wireR.shared = &encoded{}, &encoded{}
					}
					for _, rcpt := range append(append([]string{}, m.To...), m.Cc...) {
						rp, err := plainD.relink(m, plainR, rcpt)
						if err != nil {
							t.Fatal(err)
						}
						rw, err := wireD.relink(m, wireR, rcpt)
						if err != nil {
							t.Fatal(err)
						}
						var built, want, wire, got bytes.Buffer
						envP, err := plainD.build(&built, m, rp, m.To, m.Cc, rcpt)
						if err != nil {
							t.Fatal(err)
						}
						dotStuff(&want, built.Bytes())
						envW, spans, err := wireD.buildWire(&wire, m, rw, m.To, m.Cc, rcpt)
						if err != nil {
							t.Fatal(err)
						}
						dotStuffSpans(&got, wire.Bytes(), spans)
						if envP != envW || !bytes.Equal(got.Bytes(), want.Bytes()) {
							t.Fatalf("%s %s %d to %s: the wire's bytes differ\ngot  %q\nwant %q", lang, kind, i, rcpt, got.Bytes(), want.Bytes())
						}
						copies++
						if len(spans) == 2 && !bytes.Equal(wire.Bytes(), built.Bytes()) {
							spanned++ // A part had a dot stuffed.
						}
					}
				}
			}
		}
	}
	if copies < 300 || spanned < 20 {
		t.Fatalf("%d copies, %d with a dot stuffed in their parts: want more", copies, spanned)
	}
}

// BenchmarkCopyBytesWire is BenchmarkCopyBytes as the sender writes the copies since their
// quoted-printable parts are written dot-stuffed (buildWire, dotStuffSpans): the same bytes
// (TestSendBytesAsBuild). For instruction counts:
//
//	go test -c -tags sqlite_fts5 -o /tmp/mailout.test ./mailout
//	cd mailout && GODEBUG=asyncpreemptoff=1,cpu.rdtscp=off GOGC=off GOMAXPROCS=1 valgrind --tool=callgrind \
//	  --toggle-collect=github.com/deskd/deskd/mailout.wireCopyBytes \
//	  /tmp/mailout.test -test.run '^$' -test.bench 'CopyBytesWire$' -test.benchtime 300x   # and 150x
func BenchmarkCopyBytesWire(b *testing.B) {
	e := newEnv(b)
	e.sender.SetLinker(goldenLinker{})
	set := e.sender.set.Load()
	d := &drain{Sender: e.sender, box: batchBox{Outbox: e.sender.box}, smtp: set.smtp, desk: set.desk, tpl: set.tpl, now: t0}
	var mails []tickets.OutboxMail
	for i, kind := range []string{tickets.KindAck, tickets.KindAssigned} {
		n := templates.Samples(kind, "fr")[0]
		mails = append(mails, tickets.OutboxMail{ID: int64(i + 1), TicketID: n.Ticket.ID, Kind: kind, Language: "fr", To: []string{n.Recipient},
			Automatic: kind == tickets.KindAck, Notice: n, MessageID: fmt.Sprintf("dkm.%08d@deskd.corp.example", i+1),
			InReplyTo: "CAB+x=1@mail.example", References: []string{"CAB+x=1@mail.example"}})
	}
	var data bytes.Buffer
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := wireCopyBytes(d, mails, &data); err != nil {
			b.Fatal(err)
		}
	}
}

// wireCopyBytes is copyBytes as the sender writes the copies now (buildWire, dotStuffSpans).
func wireCopyBytes(d *drain, mails []tickets.OutboxMail, data *bytes.Buffer) error {
	for _, m := range mails {
		r, err := d.render(m, m.To, nil)
		if err != nil {
			return err
		}
		for _, rcpt := range m.To {
			rr, err := d.relink(m, r, rcpt)
			if err != nil {
				return err
			}
			w := bufs.Get().(*bytes.Buffer)
			_, spans, err := d.buildWire(w, m, rr, m.To, nil, rcpt)
			if err != nil {
				return err
			}
			data.Reset()
			dotStuffSpans(data, w.Bytes(), spans)
			w.Reset()
			bufs.Put(w)
		}
	}
	return nil
}
