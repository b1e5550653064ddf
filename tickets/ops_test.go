package tickets

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestTransitions(t *testing.T) {
	all := []Status{StatusNew, StatusOpen, StatusPending, StatusResolved, StatusClosed}
	allowed := map[[2]Status]bool{
		{StatusNew, StatusOpen}: true, {StatusNew, StatusPending}: true, {StatusNew, StatusResolved}: true,
		{StatusOpen, StatusPending}: true, {StatusOpen, StatusResolved}: true,
		{StatusPending, StatusOpen}: true, {StatusPending, StatusResolved}: true,
		{StatusResolved, StatusOpen}: true, {StatusResolved, StatusClosed}: true,
	}
	for _, from := range all {
		for _, to := range all {
			if from == to {
				continue
			}
			t.Run(string(from)+"→"+string(to), func(t *testing.T) {
				if got := CanMove(from, to); got != allowed[[2]Status{from, to}] {
					t.Fatalf("CanMove = %v", got)
				}
				d := newTestDesk(t)
				tk := openTicket(t, d, t0, NewTicket{Subject: "s", Text: "hello", Requester: "r@corp.example"})
				err := d.Do(context.Background(), tk.ID, t0, func(tx *Tx, tk *Ticket) error {
					tk.Status = from
					if err := tx.save(tk); err != nil {
						return err
					}
					return tx.setStatus(tk, to, "nadia@corp.example")
				})
				if allowed[[2]Status{from, to}] {
					if err != nil {
						t.Fatalf("refused: %v", err)
					}
					got, _ := d.Store.Ticket(context.Background(), tk.ID)
					if got.Status != to {
						t.Fatalf("status %s, want %s", got.Status, to)
					}
				} else if err == nil {
					t.Fatal("allowed")
				}
			})
		}
	}
}

func TestOpenAcknowledgesAndAssigns(t *testing.T) {
	d := newTestDesk(t)
	tk := openTicket(t, d, t0, NewTicket{Subject: "Le VPN ne marche plus", Text: "Bonjour, le vpn ne se connecte plus.",
		Requester: "celine@corp.example", RequesterName: "Céline", Watchers: []string{"priya@corp.example", "HELPDESK@corp.example"},
		Language: "fr", MessageID: "abc@mail.example"})
	if tk.Category != "network" || tk.Assignee != "alice@corp.example" || tk.Status != StatusOpen {
		t.Fatalf("ticket %+v", tk)
	}
	if len(tk.Watchers) != 1 || tk.Watchers[0] != "priya@corp.example" {
		t.Fatalf("watchers %v (the desk address must not watch)", tk.Watchers)
	}
	got := outbox(t, d)
	want := []string{`ack ["celine@corp.example"]`, `assigned ["alice@corp.example"]`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("outbox\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var cc, refs, inReplyTo, data string
	if err := d.Store.Reader().QueryRow(`SELECT cc, refs, in_reply_to, data FROM outbox JOIN outbox_data USING (id) WHERE kind = 'ack'`).Scan(&cc, &refs, &inReplyTo, &data); err != nil {
		t.Fatal(err)
	}
	if cc != `["priya@corp.example"]` || refs != "abc@mail.example" || inReplyTo != "abc@mail.example" {
		t.Fatalf("ack cc %s refs %q in-reply-to %q", cc, refs, inReplyTo)
	}
	var n Notice
	if err := json.Unmarshal([]byte(data), &n); err != nil {
		t.Fatal(err)
	}
	if len(n.Questions) != 1 || n.Ticket.AssigneeName != "Alice Martin" {
		t.Fatalf("notice %+v", n)
	}
	// Every later mail threads under the ack, the ticket's root.
	if err := d.Do(context.Background(), tk.ID, t0, func(tx *Tx, tk *Ticket) error {
		return tx.Reply(tk, "Redémarrez le client VPN.", "alice@corp.example", "")
	}); err != nil {
		t.Fatal(err)
	}
	var root, refs2 string
	d.Store.Reader().QueryRow(`SELECT message_id FROM outbox WHERE kind = 'ack'`).Scan(&root)
	d.Store.Reader().QueryRow(`SELECT refs FROM outbox WHERE kind = 'reply'`).Scan(&refs2)
	if refs2 != "abc@mail.example "+root {
		t.Fatalf("reply refs %q, want origin then root %q", refs2, root)
	}
	// The row's mail ID is not sent: each recipient's copy carries the ticket and its recipient.
	copyID := d.Signer.CopyID(root, tk.ID, "celine@corp.example")
	if tok, err := d.Signer.ParseMessageID(copyID); err != nil || tok.ID != tk.ID || !d.Signer.Bound(tok, "celine@corp.example") || d.Signer.Bound(tok, "priya@corp.example") {
		t.Fatalf("copy Message-ID %q of %q does not carry the ticket and recipient: %+v %v", copyID, root, tok, err)
	}
}

func TestResolveNeedsNote(t *testing.T) {
	d := newTestDesk(t)
	tk := openTicket(t, d, t0, NewTicket{Subject: "printer", Text: "printer jam", Requester: "r@corp.example"})
	for _, note := range []string{"", "   \n "} {
		err := d.Do(context.Background(), tk.ID, t0, func(tx *Tx, tk *Ticket) error { return tx.Resolve(tk, note, "alice@corp.example") })
		if !errors.Is(err, ErrNoteRequired) {
			t.Fatalf("note %q: err %v", note, err)
		}
	}
	got, _ := d.Store.Ticket(context.Background(), tk.ID)
	if got.Status != StatusOpen {
		t.Fatalf("status %s after a refused resolve", got.Status)
	}
	if err := d.Do(context.Background(), tk.ID, t0.Add(time.Hour), func(tx *Tx, tk *Ticket) error {
		return tx.Resolve(tk, "Paper jam cleared.", "alice@corp.example")
	}); err != nil {
		t.Fatal(err)
	}
	got, _ = d.Store.Ticket(context.Background(), tk.ID)
	if got.Status != StatusResolved || got.FirstResponseAt.IsZero() || !got.ResolvedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("after resolve: %+v", got)
	}
	if o := outbox(t, d); o[len(o)-1] != `resolved ["r@corp.example"]` {
		t.Fatalf("last mail %q", o[len(o)-1])
	}
}

func TestEscalation(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	tk := openTicket(t, d, t0, NewTicket{Subject: "wifi", Text: "wifi drops", Requester: "r@corp.example"})
	esc := func() *Ticket {
		if err := d.Do(ctx, tk.ID, t0, func(tx *Tx, tk *Ticket) error { return tx.Escalate(tk, "cannot fix", "alice@corp.example") }); err != nil {
			t.Fatal(err)
		}
		got, _ := d.Store.Ticket(ctx, tk.ID)
		return got
	}
	got := esc()
	if got.Priority != PriorityHigh || got.Tier != 2 || got.Assignee != "chloe@corp.example" || got.Escalations != 1 {
		t.Fatalf("after one escalation: priority %s tier %d assignee %s", got.Priority, got.Tier, got.Assignee)
	}
	got = esc()
	if got.Priority != PriorityUrgent || got.Tier != 3 || got.Assignee != "dev@corp.example" {
		t.Fatalf("after two: priority %s tier %d assignee %s", got.Priority, got.Tier, got.Assignee)
	}
	// At the top tier and urgent already nothing can go up: refused with the reason, nothing changes.
	before := len(outbox(t, d))
	err := d.Do(ctx, tk.ID, t0, func(tx *Tx, tk *Ticket) error { return tx.Escalate(tk, "cannot fix", "alice@corp.example") })
	if !isRefusal(err) || !strings.Contains(err.Error(), "tier 3") {
		t.Fatalf("escalating at the top: %v", err)
	}
	got, _ = d.Store.Ticket(ctx, tk.ID)
	if got.Priority != PriorityUrgent || got.Tier != 3 || got.Assignee != "dev@corp.example" || got.Escalations != 2 {
		t.Fatalf("at the top: priority %s tier %d assignee %s escalations %d", got.Priority, got.Tier, got.Assignee, got.Escalations)
	}
	if o := outbox(t, d)[before:]; len(o) != 0 {
		t.Fatalf("a refused escalation mailed %v", o)
	}
}

func TestPendingStopsTheClock(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	tk := openTicket(t, d, t0, NewTicket{Subject: "x", Text: "y", Requester: "r@corp.example"})
	due := tk.ResolveDue
	if err := d.Do(ctx, tk.ID, t0.Add(time.Hour), func(tx *Tx, tk *Ticket) error { return tx.Pending(tk, "alice@corp.example") }); err != nil {
		t.Fatal(err)
	}
	if err := d.Do(ctx, tk.ID, t0.Add(3*time.Hour), func(tx *Tx, tk *Ticket) error {
		return tx.Message(tk, "here is the info", "r@corp.example", "m2@x")
	}); err != nil {
		t.Fatal(err)
	}
	got, _ := d.Store.Ticket(ctx, tk.ID)
	if got.Status != StatusOpen || !got.ResolveDue.Equal(due.Add(2*time.Hour)) {
		t.Fatalf("status %s due %v, want open and due pushed 2h from %v", got.Status, got.ResolveDue, due)
	}
}

func TestClosedRefusesWork(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	tk := openTicket(t, d, t0, NewTicket{Subject: "x", Text: "y", Requester: "r@corp.example"})
	if err := d.Do(ctx, tk.ID, t0, func(tx *Tx, tk *Ticket) error {
		if err := tx.Resolve(tk, "done", "alice@corp.example"); err != nil {
			return err
		}
		return tx.Close(tk, ActorDesk)
	}); err != nil {
		t.Fatal(err)
	}
	for name, op := range map[string]func(*Tx, *Ticket) error{
		"note":     func(tx *Tx, tk *Ticket) error { return tx.Note(tk, "n", "alice@corp.example") },
		"escalate": func(tx *Tx, tk *Ticket) error { return tx.Escalate(tk, "r", "alice@corp.example") },
		"assign":   func(tx *Tx, tk *Ticket) error { return tx.Assign(tk, "bob@corp.example", "nadia@corp.example") },
		"reply":    func(tx *Tx, tk *Ticket) error { return tx.Reply(tk, "hi", "alice@corp.example", "") },
		"reopen":   func(tx *Tx, tk *Ticket) error { return tx.Reopen(tk, "alice@corp.example") },
	} {
		if err := d.Do(ctx, tk.ID, t0, op); err == nil {
			t.Errorf("%s on a closed ticket: allowed", name)
		}
	}
}

func TestAssignRefusesNonTechnician(t *testing.T) {
	d := newTestDesk(t)
	tk := openTicket(t, d, t0, NewTicket{Subject: "x", Text: "y", Requester: "r@corp.example"})
	err := d.Do(context.Background(), tk.ID, t0, func(tx *Tx, tk *Ticket) error { return tx.Assign(tk, "r@corp.example", "nadia@corp.example") })
	if !errors.Is(err, ErrNotStaff) {
		t.Fatalf("err %v", err)
	}
}

func TestTicketJSONGolden(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	tk := openTicket(t, d, t0, NewTicket{Subject: "Imprimante en panne", Text: "L'imprimante du 2e est en panne.",
		Requester: "celine.dupre@corp.example", Watchers: []string{"priya.raman@corp.example"}, Language: "fr", MessageID: "1@x"})
	if err := d.Do(ctx, tk.ID, t0.Add(10*time.Minute), func(tx *Tx, tk *Ticket) error {
		return tx.Reply(tk, "Je passe dans 10 minutes.", "alice@corp.example", "")
	}); err != nil {
		t.Fatal(err)
	}
	list, err := d.Store.List(ctx, ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	show, err := d.Store.Show(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	show.Explain = nil
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode([]TicketJSON{list[0].JSON()}); err != nil {
		t.Fatal(err)
	}
	if err := enc.Encode(show); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "ticket.json.golden")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("JSON differs from %s:\n%s", golden, buf.String())
	}
	// The contract's fields and null for unknown times.
	var m []map[string]any
	if err := json.NewDecoder(bytes.NewReader(buf.Bytes())).Decode(&m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "subject", "requester", "status", "priority", "category", "assignee", "tier",
		"watchers", "language", "escalations", "created_at", "updated_at", "first_response_at", "first_response_due", "resolve_due"} {
		if _, ok := m[0][k]; !ok {
			t.Errorf("field %q missing", k)
		}
	}
}

// TestEscalationNeverGoesDown: with the only tier-3 technician away, a second escalation keeps
// the tier-2 specialist and tells the coordinators, instead of handing back to tier 1.
func TestEscalationNeverGoesDown(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	tk := openTicket(t, d, t0, NewTicket{Subject: "wifi", Text: "wifi drops", Requester: "r@corp.example"})
	esc := func() *Ticket {
		t.Helper()
		if err := d.Do(ctx, tk.ID, t0, func(tx *Tx, tk *Ticket) error { return tx.Escalate(tk, "stuck", tk.Assignee) }); err != nil {
			t.Fatal(err)
		}
		got, _ := d.Store.Ticket(ctx, tk.ID)
		return got
	}
	if got := esc(); got.Assignee != "chloe@corp.example" {
		t.Fatalf("first escalation to %s", got.Assignee)
	}
	if err := d.Update(ctx, t0, func(tx *Tx) error { return tx.SetAway("dev@corp.example", t0.Add(48*time.Hour)) }); err != nil {
		t.Fatal(err)
	}
	before := len(outbox(t, d))
	got := esc()
	// Nobody above: the ticket stays with Chloé at her tier (it is at the tier of whoever holds
	// it); only the priority rose. She, the requester and the coordinator are told, once each.
	if got.Assignee != "chloe@corp.example" || got.Tier != 2 || got.Priority != PriorityUrgent {
		t.Fatalf("second escalation: tier %d assignee %s %s", got.Tier, got.Assignee, got.Priority)
	}
	if o := strings.Join(outbox(t, d)[before:], " | "); o != `escalated ["chloe@corp.example"] | escalated ["r@corp.example"] | escalated ["nadia@corp.example"]` {
		t.Fatalf("after an escalation nobody above could take: %s", o)
	}
	if n := noticeOf(t, d, "nadia@corp.example", KindEscalated); !n.Stayed || n.TopTier {
		t.Fatalf("the coordinator's notice %+v", n)
	}
	if n := noticeOf(t, d, "r@corp.example", KindEscalated); !n.Stayed || n.Audience != "requester" {
		t.Fatalf("the requester's notice %+v", n)
	}
	// Urgent already and nobody above: nothing can rise; refused, and nothing changed.
	err := d.Do(ctx, tk.ID, t0, func(tx *Tx, tk *Ticket) error { return tx.Escalate(tk, "still stuck", "chloe@corp.example") })
	var r *Refusal
	if !errors.As(err, &r) || r.Phrase.Code != PhraseEscalateNobody {
		t.Fatalf("escalation of an urgent ticket with nobody above: %v", err)
	}
	if got := mustTicket(t, d, tk.ID); got.Escalations != 2 || got.Tier != 2 {
		t.Fatalf("after the refusal: %d escalations, tier %d", got.Escalations, got.Tier)
	}
}

// TestEscalationJobNobodyAbove: the escalation job, finding nobody of a higher tier available,
// leaves the ticket with its holder at their tier, tells them, and marks the ticket in the
// coordinators' one summary of the run instead of mailing them about it.
func TestEscalationJobNobodyAbove(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	for _, who := range []string{"chloe@corp.example", "dev@corp.example"} {
		if err := d.Update(ctx, t0, func(tx *Tx) error { return tx.SetAway(who, t0.Add(48*time.Hour)) }); err != nil {
			t.Fatal(err)
		}
	}
	tk := openTicket(t, d, t0, vpnRequest)
	before := len(outbox(t, d))
	rep := runEscalation(t, d, t0.Add(5*time.Hour))
	if len(rep.Escalated) != 1 || len(rep.Stayed) != 1 || rep.Stayed[0] != tk.ID {
		t.Fatalf("report %+v", rep)
	}
	got := mustTicket(t, d, tk.ID)
	if got.Assignee != "alice@corp.example" || got.Tier != 1 || got.Escalations != 1 {
		t.Fatalf("tier %d %s, %d escalations", got.Tier, got.Assignee, got.Escalations)
	}
	if o := strings.Join(outbox(t, d)[before:], " | "); o != `escalated ["alice@corp.example"] | escalated ["celine@corp.example"] | escalated ["nadia@corp.example"]` {
		t.Fatalf("outbox %s", o)
	}
	if n := noticeOf(t, d, "nadia@corp.example", KindEscalated); len(n.Escalations) != 1 || !n.Escalations[0].NoSpecialist {
		t.Fatalf("summary %+v", n)
	}
}
