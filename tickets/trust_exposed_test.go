package tickets

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestReplyAllExposesTheToken: a coordinator copied on a ticket answers the desk's reply with
// "reply to all": the requester's copy of her mail carries her token (In-Reply-To, the desk's
// plus-address). Her own mail still acts; a mail "From:" her with that token afterwards does
// not: it is kept as a note, nothing runs, and she is told why.
func TestReplyAllExposesTheToken(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	ingest(t, d, t0, request("e@m", "eve@corp.example", "Imprimante", "l'imprimante bourre"))
	if err := d.Do(ctx, 1, t0.Add(time.Minute), func(tx *Tx, tk *Ticket) error {
		if err := tx.AddWatcher(tk, "nadia@corp.example", "alice@corp.example"); err != nil {
			return err
		}
		return tx.Reply(tk, "Pouvez-vous redémarrer ?", "alice@corp.example", "")
	}); err != nil {
		t.Fatal(err)
	}
	var mid string
	if err := d.Store.Reader().QueryRow(`SELECT message_id FROM outbox WHERE ticket_id = 1 AND kind = 'reply' ORDER BY id DESC LIMIT 1`).Scan(&mid); err != nil {
		t.Fatal(err)
	}
	nadiaCopy := d.Signer.CopyID(mid, 1, "nadia@corp.example")
	plus := d.Signer.PlusAddress("helpdesk@corp.example", 1, "nadia@corp.example")

	// To the desk alone: nobody else saw the token; it still acts.
	own := request("n1@corp", "nadia@corp.example", "Re: [HD #1] Imprimante", "#priority high")
	own.To, own.InReplyTo = []string{plus}, []string{nadiaCopy}
	if o := ingest(t, d, t0.Add(2*time.Minute), own)[0]; o.Action != ActionCommand {
		t.Fatalf("her mail to the desk alone: %s, want %s", o.Action, ActionCommand)
	}
	// Her reply to all: it acts (it is hers), and the requester now holds her token.
	all := request("n2@corp", "nadia@corp.example", "Re: [HD #1] Imprimante", "Je passe à 14 h.")
	all.To, all.Cc, all.InReplyTo = []string{plus}, []string{"eve@corp.example"}, []string{nadiaCopy}
	if o := ingest(t, d, t0.Add(3*time.Minute), all)[0]; o.Action != ActionReply {
		t.Fatalf("her reply to all: %s, want %s", o.Action, ActionReply)
	}
	// The requester writes as her, with her token.
	forged := request("f@evil", "nadia@corp.example", "Re: [HD #1] Imprimante", "#priority urgent")
	forged.To, forged.InReplyTo = []string{plus}, []string{nadiaCopy}
	if o := ingest(t, d, t0.Add(4*time.Minute), forged)[0]; o.Action != ActionUnauthenticated {
		t.Fatalf("a mail with her exposed token: %s, want %s", o.Action, ActionUnauthenticated)
	}
	tk, err := d.Store.Ticket(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Priority != PriorityHigh {
		t.Errorf("priority %s, want %s: the forged #priority ran", tk.Priority, PriorityHigh)
	}
	var data string
	if err := d.Store.Reader().QueryRow(`SELECT d.data FROM outbox o JOIN outbox_data d ON d.id = o.id
		WHERE o.ticket_id = 1 AND o.kind = ? ORDER BY o.id DESC LIMIT 1`, KindRejected).Scan(&data); err != nil {
		t.Fatalf("no notice to her: %v", err)
	}
	if !strings.Contains(data, "reply to all") && !strings.Contains(data, "réponse à tous") {
		t.Errorf("her notice does not say why: %s", data)
	}
	// On another ticket her token is another, unseen: it acts.
	ingest(t, d, t0.Add(5*time.Minute), request("p@m", "paul@corp.example", "VPN", "le VPN ne marche pas"))
	other := request("n3@corp", "nadia@corp.example", "Re: [HD #2] VPN", "#priority high")
	other.To = []string{d.Signer.PlusAddress("helpdesk@corp.example", 2, "nadia@corp.example")}
	if o := ingest(t, d, t0.Add(6*time.Minute), other)[0]; o.Action != ActionCommand {
		t.Errorf("her token of another ticket: %s, want %s", o.Action, ActionCommand)
	}
}

// TestAmbiguousFromNotAuthenticated: a From that names two addresses proves no one, even with
// the trusted server's pass.
func TestAmbiguousFromNotAuthenticated(t *testing.T) {
	d := deskFromTOML(t, testConfigTOML+"\n[security]\ntrusted_authserv_id = \"mx.corp.example\"\n")
	ingest(t, d, t0, request("e@m", "eve@corp.example", "Imprimante", "l'imprimante bourre"))
	pass := "mx.corp.example; dkim=pass header.d=corp.example; dmarc=pass header.from=corp.example"
	for _, ambiguous := range []bool{true, false} {
		in := request("a@corp"+map[bool]string{true: "1", false: "2"}[ambiguous], "alice@corp.example", "Re: [HD #1] Imprimante", "#priority high")
		in.AuthResults, in.AmbiguousFrom = []string{pass}, ambiguous
		want := ActionCommand
		if ambiguous {
			want = ActionUnauthenticated
		}
		if o := ingest(t, d, t0.Add(time.Minute), in)[0]; o.Action != want {
			t.Errorf("ambiguous From %v: %s, want %s", ambiguous, o.Action, want)
		}
	}
}

// TestStaffRequesterReplyAllExposesTheToken: a technician's own request, a colleague outside
// the staff watching it: her reply to all, plain text into her own ticket, shows him her token;
// he cannot then run her commands with it.
func TestStaffRequesterReplyAllExposesTheToken(t *testing.T) {
	d := newTestDesk(t)
	ingest(t, d, t0, request("a@corp", "alice@corp.example", "Écran", "mon second écran ne s'allume plus"))
	if err := d.Do(context.Background(), 1, t0.Add(time.Minute), func(tx *Tx, tk *Ticket) error {
		return tx.AddWatcher(tk, "eve@corp.example", "nadia@corp.example")
	}); err != nil {
		t.Fatal(err)
	}
	plus := d.Signer.PlusAddress("helpdesk@corp.example", 1, "alice@corp.example")
	all := request("a2@corp", "alice@corp.example", "Re: [HD #1] Écran", "C'est le câble, je regarde demain.")
	all.To, all.Cc = []string{plus}, []string{"eve@corp.example"}
	ingest(t, d, t0.Add(2*time.Minute), all)
	forged := request("f@evil", "alice@corp.example", "Re: [HD #1] Écran", "#priority urgent")
	forged.To = []string{plus}
	if o := ingest(t, d, t0.Add(3*time.Minute), forged)[0]; o.Action != ActionUnauthenticated {
		t.Fatalf("a command with her exposed token: %s, want %s", o.Action, ActionUnauthenticated)
	}
}
