package tickets

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/deskd/deskd/bench"
	"github.com/deskd/deskd/tickets/storetest"
)

// TestBatchReadsWaitingTicketsAsSingleMails: a batch reads the new tickets whose rows wait
// (pendingRows.tickets) from memory, for a reply to one of them (Tx.Ticket) and for a reply to a
// finished ticket that one of them follows up (followUpOf), instead of writing them first. Random
// batches of new requests, replies to requests of the same batch and of earlier ones, replies to
// closed tickets (twice: the second goes into the follow-up the first opened) and technicians'
// commands (which change a ticket of the batch after it waited) must leave every row of every
// table, the outbox and its notices included, as the same mails ingested one a transaction do, on
// FTS5 and FTS4. SQLite only: on PostgreSQL no new ticket waits.
func TestBatchReadsWaitingTicketsAsSingleMails(t *testing.T) {
	storetest.SQLiteOnly(t)
	for name, fts4 := range dialects(t) {
		for seed := range uint64(3) {
			t.Run(fmt.Sprintf("%s/seed=%d", name, seed), func(t *testing.T) {
				one, batch := heldDesk(t, fts4), heldDesk(t, fts4)
				actions := map[string]int{}
				s := newHeldScript(seed)
				for phase, mails := range s.phases() {
					at := t0.Add(time.Duration(phase) * time.Hour)
					if phase == 1 {
						// Two finished tickets: a reply to them opens a follow-up.
						for _, d := range []*Desk{one, batch} {
							for _, id := range []int64{1, 2} {
								resolveTicket(t, d, at, id, "Réglé.")
								if err := d.Do(context.Background(), id, at, func(tx *Tx, tk *Ticket) error {
									return tx.Close(tk, "alice@corp.example")
								}); err != nil {
									t.Fatal(err)
								}
							}
						}
					}
					var single []Outcome
					for _, in := range mails() {
						single = append(single, ingest(t, one, at, in)...)
					}
					together := ingest(t, batch, at, mails()...)
					for i := range single {
						a, b := single[i], together[i]
						actions[b.Action]++
						if a.Action != b.Action || a.TicketID != b.TicketID || (a.Err == nil) != (b.Err == nil) {
							t.Errorf("phase %d, mail %d: one a transaction %+v, in a batch %+v", phase, i, a, b)
						}
					}
				}
				a, b := dumpRows(t, one.Store.w), dumpRows(t, batch.Store.w)
				if a != b {
					al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
					for i := range min(len(al), len(bl)) {
						if al[i] != bl[i] {
							t.Fatalf("rows differ at line %d:\none a transaction %s\nin a batch        %s", i+1, al[i], bl[i])
						}
					}
					t.Fatalf("rows differ: %d lines one a transaction, %d in a batch", len(al), len(bl))
				}
				if actions[ActionAppended] == 0 || actions[ActionCommand] == 0 || actions[ActionOpened] == 0 {
					t.Fatalf("the script made %v", actions)
				}
				t.Logf("%v", actions)
			})
		}
	}
}

// heldDesk is a test desk on FTS4 or FTS5 that trusts the Authentication-Results of
// mx.corp.example (a technician's command to a request of the batch carries no token) and shows
// no known answers: the batch ranks them before its transaction, one mail a transaction after the
// mails before it, a difference of the batching, not of what it reads.
func heldDesk(t *testing.T, fts4 bool) *Desk {
	t.Helper()
	cfg := parseTestConfig(t, testConfigTOML+"known_answers = 0\n[security]\ntrusted_authserv_id = \"mx.corp.example\"\n")
	store, err := openStore(context.Background(), searchDatabase(t), fts4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := store.Close(); err != nil {
			t.Error(err)
		}
	})
	d, err := NewDesk(cfg, store, []byte("0123456789abcdef0123456789abcdef"), nil)
	if err != nil {
		t.Fatal(err)
	}
	d.SetWords(catalogueWords(t))
	return d
}

// heldScript makes the batches of TestBatchReadsWaitingTicketsAsSingleMails.
type heldScript struct {
	r        *rand.Rand
	n        int         // Mails made.
	requests []*Incoming // The requests made so far, in order.
}

func newHeldScript(seed uint64) *heldScript {
	return &heldScript{r: rand.New(rand.NewPCG(seed, 0x4e1d))}
}

// phases are the batches: six requests first (tickets 1 to 6), then random batches. Each is a
// function that makes the batch's mails afresh (Ingest changes the mails it reads).
func (s *heldScript) phases() []func() []*Incoming {
	var out [][]*Incoming
	var first []*Incoming
	for range 6 {
		first = append(first, s.request())
	}
	out = append(out, first)
	for range 3 {
		var b []*Incoming
		for range 24 {
			b = append(b, s.next())
		}
		out = append(out, b)
	}
	fns := make([]func() []*Incoming, len(out))
	for i, b := range out {
		fns[i] = func() []*Incoming {
			c := make([]*Incoming, len(b))
			for j, in := range b {
				cp := *in
				cp.To, cp.Cc = append([]string(nil), in.To...), append([]string(nil), in.Cc...)
				cp.InReplyTo, cp.References = append([]string(nil), in.InReplyTo...), append([]string(nil), in.References...)
				c[j] = &cp
			}
			return c
		}
	}
	return fns
}

// request is a new request from a new requester.
func (s *heldScript) request() *Incoming {
	s.n++
	p := bench.Requester("h", int64(s.n))
	subject, body, _ := bench.Topic(int64(s.n), p.Language)
	in := &Incoming{MessageID: fmt.Sprintf("h%d@client.example", s.n), From: p.Email, FromName: p.Name,
		To: []string{"helpdesk@corp.example"}, Subject: subject, Text: body, Language: p.Language, Verdict: VerdictPerson}
	s.requests = append(s.requests, in)
	return in
}

// next is a random mail of a batch.
func (s *heldScript) next() *Incoming {
	recent := func() *Incoming { // Most often a request of this batch or the one before.
		k := min(len(s.requests), 1+s.r.IntN(12))
		return s.requests[len(s.requests)-k]
	}
	mail := func(from, subject, text, lang string) *Incoming {
		s.n++
		return &Incoming{MessageID: fmt.Sprintf("h%d@client.example", s.n), From: from, To: []string{"helpdesk@corp.example"},
			Subject: subject, Text: text, Language: lang, Verdict: VerdictPerson}
	}
	switch k := s.r.IntN(10); {
	case k < 4:
		return s.request()
	case k < 6: // The requester answers the acknowledgement of their request.
		r := recent()
		in := mail(r.From, "Re: "+r.Subject, "Toujours pareil ce matin, merci de regarder.", r.Language)
		in.InReplyTo, in.References = []string{r.MessageID}, []string{r.MessageID}
		return in
	case k < 7: // By the tag of one of the first tickets, still open.
		r := s.requests[2+s.r.IntN(4)]
		return mail(r.From, fmt.Sprintf("RE: [HD #%d] %s", 3+s.r.IntN(4), r.Subject), "Une précision : cela arrive surtout le matin.", r.Language)
	case k < 8: // To a closed ticket: a follow-up, or into the follow-up opened before.
		id := 1 + s.r.IntN(2)
		r := s.requests[id-1]
		return mail(r.From, fmt.Sprintf("RE: [HD #%d] %s", id, r.Subject), "Le problème est revenu depuis hier.", r.Language)
	default: // A technician's command on a recent request.
		r := recent()
		cmd := []string{"#pending", "#priority high", "#note vu avec le fournisseur", "#take", "#cc marc@corp.example",
			"Je passe vous voir à 14 h.\n#pending"}[s.r.IntN(6)]
		in := mail("alice@corp.example", "Re: "+r.Subject, cmd, "fr")
		in.InReplyTo = []string{r.MessageID}
		in.AuthResults = []string{"mx.corp.example; spf=pass smtp.mailfrom=corp.example; dkim=pass header.d=corp.example header.s=s1"}
		return in
	}
}
