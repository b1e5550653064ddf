package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/deskd/deskd/templates"
	"github.com/deskd/deskd/tickets"
)

// TestDeskLinesOnAFrenchPage: the lines the desk writes into a history — a status or priority
// change, an automatic mail and a bounce recorded, mails it could not send, an SLA escalation
// with its deadline — and why it chose a category read in French on a French technician's page,
// names and dates included, and in English on an English one's; so does a French escalation
// mail's history, and the French digest holds no English line of them.
func TestDeskLinesOnAFrenchPage(t *testing.T) {
	f := newFixture(t)
	o := f.ingest(&tickets.Incoming{MessageID: "req@x", From: "celine@corp.example", Subject: "Imprimante en panne",
		Text: "l'imprimante du 3e ne marche plus", Language: "fr"})
	id := o.TicketID
	due, err := f.store.DueMail(f.ctx, "", f.clock().Add(time.Hour), 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) < 2 {
		t.Fatalf("%d mails", len(due))
	}
	var ack string
	for _, m := range due {
		if m.Kind == tickets.KindAck {
			ack = f.desk.Signer.CopyID(m.MessageID, id, "celine@corp.example")
		}
	}
	// The acknowledgement is given up, the assignment notice goes to some and not others.
	if err := f.store.MarkFailed(f.ctx, due[0].ID, f.clock(), "gave up after 7 attempts: 451 4.3.0 Try again later"); err != nil {
		t.Fatal(err)
	}
	if err := f.store.RecordSendFailure(f.ctx, due[1].ID, f.clock(), "not sent to x@corp.example: address bounces; y@corp.example: rate limit (12 automatic mails in the last hour)"); err != nil {
		t.Fatal(err)
	}
	f.ingest(&tickets.Incoming{MessageID: "ooo@x", From: "celine@corp.example", InReplyTo: []string{ack}, Subject: "Absente",
		Text: "Je suis absente.", Verdict: tickets.VerdictAutoReply, VerdictReason: "out-of-office text in reply", Language: "fr"})
	f.ingest(&tickets.Incoming{MessageID: "nb@x", From: "mailer-daemon@corp.example", InReplyTo: []string{ack}, Subject: "Undeliverable: Imprimante",
		Text: "Delivery has failed.", Verdict: tickets.VerdictBounce, VerdictReason: "bounce subject: Undeliverable: Imprimante",
		FailedRecipients: []string{"celine@corp.example"}, ReturnedIDs: []string{ack}})
	if err := f.desk.Do(f.ctx, id, f.clock(), func(tx *tickets.Tx, tk *tickets.Ticket) error {
		if err := tx.SetPriority(tk, tickets.PriorityNormal, "nadia@corp.example", "set by nadia@corp.example"); err != nil {
			return err
		}
		return tx.Pending(tk, "alice@corp.example")
	}); err != nil {
		t.Fatal(err)
	}
	if err := f.desk.Do(f.ctx, id, f.clock(), func(tx *tickets.Tx, tk *tickets.Ticket) error { return tx.Reopen(tk, "alice@corp.example") }); err != nil {
		t.Fatal(err)
	}
	f.advance(5 * time.Hour) // Past the first response's deadline at normal priority (4 h).
	if _, err := f.desk.RunEscalation(f.ctx, f.clock()); err != nil {
		t.Fatal(err)
	}
	// A mail queued now that the server will not take at all.
	if err := f.desk.Do(f.ctx, id, f.clock(), func(tx *tickets.Tx, tk *tickets.Ticket) error {
		return tx.Reply(tk, "Le technicien passe cet après-midi.", "chloe@corp.example", "")
	}); err != nil {
		t.Fatal(err)
	}
	due, err = f.store.DueMail(f.ctx, "", f.clock().Add(time.Hour), 1000)
	if err != nil {
		t.Fatal(err)
	}
	var escalated *tickets.OutboxMail
	for i, m := range due {
		switch {
		case m.Kind == tickets.KindReply:
			if err := f.store.MarkSuppressed(f.ctx, m.ID, f.clock(), "celine@corp.example: address bounces"); err != nil {
				t.Fatal(err)
			}
		case m.Kind == tickets.KindEscalated && m.To[0] == "chloe@corp.example":
			escalated = &due[i]
		}
	}

	french := []string{
		"haute → normale : fixée par nadia@corp.example", "en cours → en attente", "en attente → en cours",
		"réponse automatique : texte d'absence dans une réponse",
		"échec de remise à celine@corp.example (objet d'avis de non-remise : Undeliverable: Imprimante)",
		"abandonné après 7 tentatives : 451 4.3.0 Try again later",
		"non envoyé à x@corp.example : l'adresse renvoie des avis de non-remise ; y@corp.example : limite atteinte (12 courriels automatiques dans la dernière heure)",
		"non envoyé : celine@corp.example : l'adresse renvoie des avis de non-remise",
		"délai de première réponse dépassé, échéance : jeudi 26 novembre à 14:00 (heure de Paris, UTC+1)",
		"mots-clés de matériel : imprimante",
		// Why this priority and this technician; the mails by their names.
		"ne peut pas travailler : « en panne »", "alice@corp.example : niveau 1, compétence matériel, charge 0",
		"accusé de réception → celine@corp.example", "avis d'attribution → alice@corp.example",
		// Times say their zone.
		"26 nov. 10:00 UTC+1",
	}
	english := []string{
		"high → normal: set by nadia@corp.example", "open → pending", "pending → open",
		"auto-reply: out-of-office text in reply",
		"delivery failed for celine@corp.example (bounce subject: Undeliverable: Imprimante)",
		"gave up after 7 attempts: 451 4.3.0 Try again later",
		"not sent to x@corp.example: address bounces; y@corp.example: rate limit (12 automatic mails in the last hour)",
		"not sent: celine@corp.example: address bounces",
		"first response deadline missed, due Thursday 26 November at 14:00 CET (UTC+1)",
		"keywords for hardware: imprimante",
		"cannot work: en panne", "alice@corp.example: tier 1, skill hardware, load 0",
		"26 Nov 10:00 CET",
	}
	path := "/t/" + itoa(id)
	for who, lines := range map[string][2][]string{"alice@corp.example": {french, english}, "bob@corp.example": {english, french}} {
		body := f.signIn(who).get(path).body
		for _, want := range lines[0] {
			if !strings.Contains(body, htmlText(want)) {
				t.Errorf("%s's page lacks %q", who, want)
			}
		}
		for _, other := range lines[1] {
			if strings.Contains(body, htmlText(other)) {
				t.Errorf("%s's page has %q", who, other)
			}
		}
		if t.Failed() {
			t.Fatalf("%s's page:\n%s", who, body)
		}
	}

	// The escalation mail to Chloé quotes the escalation line in French, its date in words.
	if escalated == nil {
		t.Fatalf("no French escalation mail to staff among %d", len(due))
	}
	tpl, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	_, text, _, err := tpl.Render(escalated.Kind, "fr", escalated.Notice)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "délai de première réponse dépassé, échéance : jeudi 26 novembre à 14:00 (heure de Paris, UTC+1)") {
		t.Errorf("escalation mail:\n%s", text)
	}
	for _, other := range english {
		if strings.Contains(text, other) {
			t.Errorf("escalation mail has %q:\n%s", other, text)
		}
	}
	// Nadia's digest lists the ticket; none of these lines reaches it in English.
	if _, err := f.desk.RunDigest(f.ctx, f.clock()); err != nil {
		t.Fatal(err)
	}
	due, err = f.store.DueMail(f.ctx, "", f.clock().Add(time.Hour), 1000)
	if err != nil {
		t.Fatal(err)
	}
	digests := mailTo(due, tickets.KindDigest, "nadia@corp.example")
	if len(digests) != 1 {
		t.Fatalf("%d digests to Nadia", len(digests))
	}
	_, text, _, err = tpl.Render(tickets.KindDigest, "fr", digests[0].Notice)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "Imprimante en panne") {
		t.Errorf("the digest does not list the ticket:\n%s", text)
	}
	for _, other := range english {
		if strings.Contains(text, other) {
			t.Errorf("digest has %q:\n%s", other, text)
		}
	}
}

// htmlText is s as the page writes it.
func htmlText(s string) string {
	return strings.NewReplacer("'", "&#39;", "<", "&lt;", ">", "&gt;", "&", "&amp;", "+", "&#43;").Replace(s)
}
