package bench

import (
	"bytes"
	"math/rand/v2"
	"mime"
	"net/mail"
	"strings"
	"testing"
	"time"
)

// TestGeneratedMailIsWellFormed: every generated mail parses, carries its own Message-ID and a
// sender in the organisation, and replies name their ticket in the subject tag.
func TestGeneratedMailIsWellFormed(t *testing.T) {
	g := &Generator{Desk: "helpdesk@" + Domain, Tag: "HD", Prefix: "t", Seeded: 1000,
		Mix: Mix{Replies: 20, Thanks: 10, OutOfOffice: 10}, Rand: rand.New(rand.NewPCG(1, 2)), Now: time.Now()}
	ids := map[string]bool{}
	kinds := map[Kind]int{}
	for i := range 500 {
		m := g.Make(i)
		kinds[m.Kind]++
		msg, err := mail.ReadMessage(bytes.NewReader(m.Raw))
		if err != nil {
			t.Fatalf("mail %d: %v\n%s", i, err, m.Raw)
		}
		if got := strings.Trim(msg.Header.Get("Message-Id"), "<>"); got != m.MessageID || ids[got] {
			t.Errorf("mail %d: Message-ID %q, want %q, once", i, got, m.MessageID)
		}
		ids[m.MessageID] = true
		from, err := mail.ParseAddress(msg.Header.Get("From"))
		if err != nil || !strings.HasSuffix(from.Address, "@"+Domain) {
			t.Errorf("mail %d: From %q (%v)", i, msg.Header.Get("From"), err)
		}
		subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		if m.Kind == Reply || m.Kind == Thanks {
			if SeedStatus(m.Ticket) == "closed" || !strings.Contains(subject, "[HD #") {
				t.Errorf("mail %d: a reply to ticket %d (%s) with subject %q", i, m.Ticket, SeedStatus(m.Ticket), subject)
			}
			if from.Address != Requester(SeedPrefix, m.Ticket).Email {
				t.Errorf("mail %d: reply to ticket %d from %s, not its requester", i, m.Ticket, from.Address)
			}
		}
	}
	for _, k := range []Kind{Request, Reply, Thanks, OutOfOffice} {
		if kinds[k] == 0 {
			t.Errorf("no mail of kind %d in 500", k)
		}
	}
}

// TestRequestersDistinct: the rate limit counts per address, so every generated requester differs.
func TestRequestersDistinct(t *testing.T) {
	seen := map[string]int64{}
	for id := int64(1); id <= 20000; id++ {
		e := Requester(SeedPrefix, id).Email
		if prev, ok := seen[e]; ok {
			t.Fatalf("requesters %d and %d share %s", prev, id, e)
		}
		seen[e] = id
	}
}
