package tickets

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskd/deskd/tickets/storetest"
)

// knownDesk is a search desk on an engine whose resolved tickets answer VPN, printer and Excel
// requests; it returns the resolved tickets' ids.
func knownDesk(t *testing.T, fts4 bool) (*Desk, []int64) {
	t.Helper()
	return knownDeskOf(t, newSearchDesk(t, fts4))
}

// knownDeskOf gives desk d knownDesk's resolved tickets.
func knownDeskOf(t *testing.T, d *Desk) (*Desk, []int64) {
	t.Helper()
	old := []NewTicket{
		{Subject: "VPN erreur 809", Text: "Le VPN refuse de se connecter, erreur 809.", Requester: "a@corp.example", Language: "fr"},
		{Subject: "VPN error 809 from home", Text: "The VPN will not connect from home: error 809.", Requester: "b@corp.example", Language: "en"},
		{Subject: "Imprimante en panne", Text: "L'imprimante du 2e étage ne répond plus.", Requester: "c@corp.example", Language: "fr"},
		{Subject: "Excel crashes", Text: "Excel crashes when I open a large file.", Requester: "d@corp.example", Language: "en"},
		{Subject: "VPN lent", Text: "Le VPN est très lent l'après-midi.", Requester: "e@corp.example", Language: "fr"},
	}
	var ids []int64
	for i, r := range old {
		tk := openTicket(t, d, t0.Add(time.Duration(i)*time.Minute), r)
		ids = append(ids, tk.ID)
		resolveTicket(t, d, t0.Add(time.Hour), tk.ID, "note "+r.Subject)
	}
	return d, ids
}

// vpnMail is a new VPN request by mail.
func vpnMail(n int) *Incoming {
	return &Incoming{MessageID: fmt.Sprintf("vpn%d@client.example", n), From: fmt.Sprintf("f%d@corp.example", n),
		To: []string{"helpdesk@corp.example"}, Subject: "Le VPN ne se connecte plus",
		Text: "Bonjour, depuis ce matin le VPN ne se connecte plus (erreur 809).", Language: "fr", Verdict: VerdictPerson}
}

// ingestOne ingests one batch and returns the ticket each mail opened.
func ingestBatch(t *testing.T, d *Desk, at time.Time, batch ...*Incoming) []int64 {
	t.Helper()
	outs, err := d.Ingest(context.Background(), at, batch)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, o := range outs {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		ids = append(ids, o.TicketID)
	}
	return ids
}

// assignedNotice is the assignment notice of ticket id.
func assignedNotice(t *testing.T, d *Desk, id int64) Notice {
	t.Helper()
	tk := mustTicket(t, d, id)
	n := noticeOf(t, d, tk.Assignee, KindAssigned)
	if n.Ticket.ID != id {
		t.Fatalf("the last assignment notice of %s is of #%d, not #%d", tk.Assignee, n.Ticket.ID, id)
	}
	return n
}

// TestKnownAnswersInNotice: a new request's assignment notice shows the known answers Similar
// finds for its ticket (ranked before the transaction that opens it: Open ranked none), the
// same, similarities included, whether the desk has few resolved tickets (scored one by one) or
// many (ranked by the engine).
func TestKnownAnswersInNotice(t *testing.T) {
	for name, fts4 := range dialects(t) {
		for _, many := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/many=%v", name, many), func(t *testing.T) {
				testKnownAnswersInNotice(t, fts4, many)
			})
		}
	}
}

func testKnownAnswersInNotice(t *testing.T, fts4, many bool) {
	d := newSearchDesk(t, fts4)
	if many {
		seedTickets(t, d, syntheticDocs(400, StatusResolved, 1), t0)
	}
	d, ids := knownDeskOf(t, d)
	late := d.lateKnown.Load() // The desk's tickets were opened by hand.
	id := ingestBatch(t, d, t0.Add(2*time.Hour), vpnMail(1))[0]
	got := assignedNotice(t, d, id).Similar
	cfg := d.Config().Incidents
	if err := d.known.refresh(context.Background(), d.Store.Reader(), d.Store.search); err != nil {
		t.Fatal(err)
	}
	want, err := knownAnswers(context.Background(), d.Store.Reader(), d.Store.search, &d.known, id, cfg.KnownAnswers, cfg.KnownSimilarity)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 || len(got) != len(want) || got[0].ID != ids[0] || got[0].Note != "note VPN erreur 809" {
		t.Fatalf("notice %+v, similar %+v", got, want)
	}
	for i, w := range want {
		if g := got[i]; g.ID != w.ID || g.Note != w.Note || g.Subject != w.Subject || g.Similarity != int(100*w.Similarity+0.5) {
			t.Fatalf("notice %+v, similar %+v", got, want)
		}
	}
	if n := d.lateKnown.Load() - late; n != 0 {
		t.Fatalf("Open ranked the known answers of %d tickets", n)
	}
}

// TestKnownAnswersNotRankedByWriter: the transaction that opens a ticket uses the answers
// prepared before it and ranks nothing itself. A ticket resolved between the preparation and
// the transaction, the very same request, is not among them; a request prepared later finds it
// first.
func TestKnownAnswersNotRankedByWriter(t *testing.T) {
	for name, fts4 := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			d, ids := knownDesk(t, fts4)
			early := vpnMail(1)
			d.prepareBatch(context.Background(), []*Incoming{early})
			if early.known == nil || len(early.known.answers) == 0 {
				t.Fatalf("nothing prepared: %+v", early.known)
			}
			same := openTicket(t, d, t0.Add(90*time.Minute), NewTicket{Subject: early.Subject, Text: early.Text, Requester: "z@corp.example", Language: "fr"})
			resolveTicket(t, d, t0.Add(100*time.Minute), same.ID, "note of the same request")
			late := d.lateKnown.Load() // The desk's tickets were opened by hand.

			first := ingestBatch(t, d, t0.Add(2*time.Hour), early)[0]
			got := assignedNotice(t, d, first).Similar
			if len(got) == 0 || got[0].ID != ids[0] || slices.ContainsFunc(got, func(k KnownAnswer) bool { return k.ID == same.ID }) {
				t.Fatalf("prepared before #%d was resolved: %+v", same.ID, got)
			}
			later := ingestBatch(t, d, t0.Add(2*time.Hour), vpnMail(2))[0]
			if got := assignedNotice(t, d, later).Similar; !slices.ContainsFunc(got, func(k KnownAnswer) bool { return k.ID == same.ID && k.Similarity == 100 }) {
				t.Fatalf("prepared after #%d was resolved: %+v", same.ID, got)
			}
			if n := d.lateKnown.Load() - late; n != 0 {
				t.Fatalf("Open ranked the known answers of %d tickets", n)
			}
		})
	}
}

// TestKnownAnswersUnforeseen: a mail that names an old ticket is not expected to open one, and
// nothing is prepared for it (nor for a reply); when it opens a new ticket after all (its ticket
// was closed), Open ranks the known answers itself, on the read pool, and the notice has them.
func TestKnownAnswersUnforeseen(t *testing.T) {
	d, ids := knownDesk(t, false)
	old := mustTicket(t, d, ids[2])
	reply := vpnMail(1)
	reply.From = old.Requester
	reply.Subject = fmt.Sprintf("[%s #%d] Le VPN ne se connecte plus", d.Config().Desk.Tag, old.ID)
	late := d.lateKnown.Load() // The desk's tickets were opened by hand.
	id := ingestBatch(t, d, t0.Add(60*24*time.Hour), reply)[0]
	if reply.known != nil {
		t.Fatalf("prepared for a mail naming #%d: %+v", old.ID, reply.known)
	}
	tk := mustTicket(t, d, id)
	if id == old.ID || tk.LinkedTicket != old.ID {
		t.Fatalf("ticket %+v", tk)
	}
	if got := assignedNotice(t, d, id).Similar; len(got) == 0 || got[0].ID != ids[0] {
		t.Fatalf("known answers %+v", got)
	}
	if n := d.lateKnown.Load() - late; n != 1 {
		t.Fatalf("Open ranked the known answers of %d tickets, want 1", n)
	}
}

// TestKnownAnswersNotForReplies: nothing is ranked for a reply to a ticket; a new request's are.
func TestKnownAnswersNotForReplies(t *testing.T) {
	d, _ := knownDesk(t, false)
	first := vpnMail(1)
	id := ingestBatch(t, d, t0.Add(2*time.Hour), first)[0]
	if first.known == nil || len(first.known.answers) == 0 {
		t.Fatalf("nothing prepared for a new request: %+v", first.known)
	}
	reply := vpnMail(2)
	reply.From, reply.InReplyTo, reply.Subject = first.From, []string{first.MessageID}, "Re: "+first.Subject
	outs, err := d.Ingest(context.Background(), t0.Add(3*time.Hour), []*Incoming{reply})
	if err != nil || outs[0].Action != ActionAppended || outs[0].TicketID != id {
		t.Fatalf("reply: %+v, %v", outs, err)
	}
	if reply.known != nil {
		t.Fatalf("prepared for a reply: %+v", reply.known)
	}
}

// TestKnownAnswerRowsPlan: the query of the answers' rows reads each answer by its id, and counts
// an incident's requests by the index of the linked tickets (tickets_incident, partial: WHERE
// incident != 0), not by a scan of every ticket of the desk.
func TestKnownAnswerRowsPlan(t *testing.T) {
	storetest.SQLiteOnly(t) // PostgreSQL's plans say other words.
	d := newSearchDesk(t, false)
	args := []any{string(StatusResolved), string(StatusClosed), 1, 2, 3}
	all := queryPlan(t, d.Store.Reader(), knownAnswerRowsQuery(3), args...)
	if strings.Contains(all, "SCAN") || !strings.Contains(all, "tickets_incident") {
		t.Fatalf("plan of the answers' rows:\n%s", all)
	}
}

// TestKnownAnswerRowsKept: the answers' rows kept from one batch to the next (answerRows) follow
// their tickets: a ticket reopened is no longer an answer at the next batch, and resolved again
// it comes back with its new note, the rows then the same as those knownAnswerRows reads.
func TestKnownAnswerRowsKept(t *testing.T) {
	for name, fts4 := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			d, ids := knownDesk(t, fts4)
			ctx := context.Background()
			prepared := func(n int) []KnownAnswer {
				t.Helper()
				in := vpnMail(n)
				d.prepareBatch(ctx, []*Incoming{in})
				if in.known == nil {
					t.Fatal("nothing prepared")
				}
				return in.known.answers
			}
			has := func(got []KnownAnswer, id int64, note string) bool {
				return slices.ContainsFunc(got, func(k KnownAnswer) bool { return k.ID == id && k.Note == note })
			}
			if got := prepared(1); !has(got, ids[0], "note VPN erreur 809") {
				t.Fatalf("first: %+v", got)
			}
			if got := prepared(2); !has(got, ids[0], "note VPN erreur 809") {
				t.Fatalf("again: %+v", got)
			}
			if d.Store.search != dialectPG {
				d.known.rowsMu.Lock()
				_, kept := d.known.rows[ids[0]]
				d.known.rowsMu.Unlock()
				if !kept {
					t.Fatalf("the row of #%d is not kept", ids[0])
				}
			}
			if err := d.Do(ctx, ids[0], t0.Add(3*time.Hour), func(tx *Tx, tk *Ticket) error { return tx.Reopen(tk, "alice@corp.example") }); err != nil {
				t.Fatal(err)
			}
			if got := prepared(3); slices.ContainsFunc(got, func(k KnownAnswer) bool { return k.ID == ids[0] }) {
				t.Fatalf("reopened #%d is an answer: %+v", ids[0], got)
			}
			resolveTicket(t, d, t0.Add(4*time.Hour), ids[0], "second note")
			got := prepared(4)
			if !has(got, ids[0], "second note") {
				t.Fatalf("resolved again: %+v", got)
			}
			// The same rows as read anew.
			ranked := make([]rankedTicket, len(got))
			for i, k := range got {
				ranked[i] = rankedTicket{id: k.ID}
			}
			read, err := knownAnswerRows(ctx, d.Store.Reader(), ranked, 1, nil)
			if err != nil {
				t.Fatal(err)
			}
			for i := range read {
				read[i].Similarity = got[i].Similarity
			}
			if fmt.Sprint(read) != fmt.Sprint(got) {
				t.Fatalf("kept %+v, read %+v", got, read)
			}
		})
	}
}

// TestKnownCountsKept: the known answers' rankings read the term counts kept since the last
// refresh (knownCounts), the same as search_terms holds; a ticket opened since (by another
// process, say) shows in them once a ranking asks for a term not kept, all its terms then read
// anew, or at the next refresh, which reads again the terms asked for since the last.
func TestKnownCountsKept(t *testing.T) {
	storetest.SQLiteOnly(t) // PostgreSQL's reader keeps none.
	d, _ := knownDesk(t, false)
	ctx := context.Background()
	q := d.known.reader(d.Store.Reader(), d.Store.search)
	refresh := func() {
		t.Helper()
		if err := d.known.refresh(ctx, d.Store.Reader(), d.Store.search); err != nil {
			t.Fatal(err)
		}
	}
	same := func(what string, terms ...string) {
		t.Helper()
		got, gotN, err := docFreqs(ctx, q, terms)
		if err != nil {
			t.Fatal(err)
		}
		want, wantN, err := readDocFreqs(ctx, d.Store.Reader(), terms)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) || gotN != wantN {
			t.Fatalf("%s: kept %v %d, search_terms %v %d", what, got, gotN, want, wantN)
		}
	}
	refresh()
	vpn := []string{"vpn", "809", "erreur", "nothing-has-it"}
	same("first", vpn...)
	same("kept", vpn...)
	for _, term := range vpn {
		if d.known.counts.df[term] == nil {
			t.Fatalf("%q not kept", term)
		}
	}
	openTicket(t, d, t0.Add(3*time.Hour), NewTicket{Subject: "VPN erreur 809", Text: "Le VPN encore.", Requester: "y@corp.example", Language: "fr"})
	stale, n, err := docFreqs(ctx, q, vpn)
	if err != nil {
		t.Fatal(err)
	}
	if _, before, _ := readDocFreqs(ctx, d.Store.Reader(), []string{"x"}); n != before-1 || stale["vpn"] == 0 {
		t.Fatalf("before the refresh: %v %d, want the counts of %d documents", stale, n, before-1)
	}
	same("a term not kept", append(vpn, "imprimante")...)
	same("again", vpn...)
	refresh()
	same("refreshed", append(vpn, "imprimante")...)
	same("refreshed, kept", append(vpn, "imprimante")...)
	// The terms asked for since the last refresh (here by the ranking of the ticket opened)
	// are read again with the next one's stamp, and are what search_terms holds.
	openTicket(t, d, t0.Add(4*time.Hour), NewTicket{Subject: "VPN erreur 809", Text: "Imprimante et VPN.", Requester: "z@corp.example", Language: "fr"})
	refresh()
	var kept []string
	for term := range d.known.counts.df {
		kept = append(kept, term)
	}
	if !slices.Contains(kept, "vpn") {
		t.Fatalf("kept across the refresh %q, want vpn among them", kept)
	}
	same("read again at the refresh", kept...)
}
