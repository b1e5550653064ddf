package tickets

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

func ingest(t *testing.T, d *Desk, at time.Time, ins ...*Incoming) []Outcome {
	t.Helper()
	out, err := d.Ingest(context.Background(), at, ins)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range out {
		if o.Err != nil {
			t.Fatalf("%s: %v", o.MessageID, o.Err)
		}
	}
	return out
}

func request(id, from, subject, text string) *Incoming {
	return &Incoming{MessageID: id, From: from, To: []string{"helpdesk@corp.example"}, Subject: subject, Text: text, Verdict: VerdictPerson, Language: "fr"}
}

func rootID(t testing.TB, d *Desk, ticket int64) string {
	t.Helper()
	tk, err := d.Store.Ticket(context.Background(), ticket)
	if err != nil {
		t.Fatal(err)
	}
	return tk.RootMessageID
}

func countRows(t *testing.T, d *Desk, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.Store.Reader().QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestIngestThreading(t *testing.T) {
	d := newTestDesk(t)
	o := ingest(t, d, t0, request("req1@mail", "celine@corp.example", "Wifi en panne", "Le wifi ne marche plus."))
	if o[0].Action != ActionOpened || o[0].TicketID != 1 {
		t.Fatalf("outcome %+v", o[0])
	}
	root := d.Signer.CopyID(rootID(t, d, 1), 1, "celine@corp.example")
	other := d.Signer.CopyID(d.Signer.MessageID(1, "corp.example"), 1, "celine@corp.example")
	forged := strings.Replace(root, root[3:8], "aaaaa", 1)

	tests := []struct {
		name   string
		in     *Incoming
		action string
		ticket int64
	}{
		{"in-reply-to desk id", func() *Incoming {
			in := request("r1@m", "celine@corp.example", "Re: whatever", "merci")
			in.InReplyTo = []string{root}
			return in
		}(), ActionAppended, 1},
		{"references only (Apple Mail)", func() *Incoming {
			in := request("r2@m", "celine@corp.example", "changed subject", "encore")
			in.References = []string{"unknown@x", other}
			return in
		}(), ActionAppended, 1},
		{"plus token", func() *Incoming {
			in := request("r3@m", "celine@corp.example", "no tag", "toujours")
			in.To = []string{d.Signer.PlusAddress("helpdesk@corp.example", 1, "celine@corp.example")}
			return in
		}(), ActionAppended, 1},
		{"tag from requester", request("r4@m", "celine@corp.example", "RE: [HD #1] Wifi en panne", "re"), ActionAppended, 1},
		{"tag from stranger opens a new ticket", request("r5@m", "mallory@evil.example", "[HD #1] hijack", "x"), ActionOpened, 2},
		{"forged token not threaded", func() *Incoming {
			in := request("r6@m", "eve@corp.example", "hello", "new problem")
			in.InReplyTo = []string{forged}
			return in
		}(), ActionOpened, 3},
		{"forged plus token not threaded", func() *Incoming {
			in := request("r7@m", "eve@corp.example", "hello", "another")
			in.To = []string{"helpdesk+aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@corp.example"}
			return in
		}(), ActionOpened, 4},
		{"duplicate Message-ID", request("req1@mail", "celine@corp.example", "Wifi en panne", "Le wifi ne marche plus."), ActionDuplicate, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := ingest(t, d, t0.Add(time.Minute), tt.in)[0]
			if o.Action != tt.action || o.TicketID != tt.ticket {
				t.Fatalf("got %s ticket %d, want %s ticket %d", o.Action, o.TicketID, tt.action, tt.ticket)
			}
		})
	}
	tk2, _ := d.Store.Ticket(context.Background(), 2)
	if tk2.LinkedTicket != 1 || tk2.Requester != "mallory@evil.example" {
		t.Fatalf("stranger's ticket %+v", tk2)
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM tickets`); n != 4 {
		t.Fatalf("%d tickets", n)
	}
}

func TestIngestSameMailTwoAddressesOnce(t *testing.T) {
	d := newTestDesk(t)
	in := request("dup@m", "bob.user@corp.example", "Printer", "printer broken")
	again := *in
	o := ingest(t, d, t0, in, &again)
	if o[0].Action != ActionOpened || o[1].Action != ActionDuplicate {
		t.Fatalf("outcomes %+v", o)
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM outbox WHERE kind = 'ack'`); n != 1 {
		t.Fatalf("%d acks", n)
	}
}

func TestIngestAutomaticMail(t *testing.T) {
	d := newTestDesk(t)
	ingest(t, d, t0, request("req@m", "celine@corp.example", "VPN", "vpn"))
	root := d.Signer.CopyID(rootID(t, d, 1), 1, "celine@corp.example")
	mails := countRows(t, d, `SELECT COUNT(*) FROM outbox`)

	ooo := request("ooo@m", "celine@corp.example", "Réponse automatique : VPN", "Je suis absente.")
	ooo.Verdict, ooo.VerdictReason, ooo.InReplyTo = VerdictAutoReply, "Auto-Submitted: auto-replied", []string{root}
	bounce := request("b@m", "mailer-daemon@corp.example", "Undeliverable", "550 no such user")
	bounce.Verdict, bounce.FailedRecipients, bounce.ReturnedIDs = VerdictBounce, []string{"celine@corp.example", "alice@corp.example", "other@corp.example"}, []string{root}
	loop := request("l@m", "helpdesk@corp.example", "[HD #1] VPN", "our own ack")

	o := ingest(t, d, t0.Add(time.Minute), ooo, bounce, loop)
	want := []string{ActionRecorded, ActionRecorded, ActionRecorded}
	for i, w := range want {
		if o[i].Action != w {
			t.Errorf("mail %d: %s, want %s", i, o[i].Action, w)
		}
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM tickets`); n != 1 {
		t.Fatalf("automatic mail opened tickets: %d", n)
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM outbox`); n != mails {
		t.Fatalf("automatic mail was answered: %d mails queued, want %d", n, mails)
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM events WHERE kind = 'bounce' AND text LIKE '%celine@corp.example%'`); n != 1 {
		t.Fatal("bounce not recorded on the ticket")
	}
	// One bounce silences nobody (TestBounces).
	if n := countRows(t, d, `SELECT COUNT(*) FROM people WHERE bounced_until > 0`); n != 0 {
		t.Fatal("a single bounce silenced an address")
	}
}

// TestIngestDelayWarning: a delay warning returns a desk mail that is still being retried. It is
// recorded on the ticket, opens nothing, answers nothing, and suppresses no address, even one
// it names.
func TestIngestDelayWarning(t *testing.T) {
	d := newTestDesk(t)
	ingest(t, d, t0, request("req@m", "celine@corp.example", "VPN", "vpn"))
	root := d.Signer.CopyID(rootID(t, d, 1), 1, "celine@corp.example")
	mails := countRows(t, d, `SELECT COUNT(*) FROM outbox`)
	delay := request("d@m", "mailer-daemon@corp.example", "Delivery Status Notification (Delay)", "THIS IS A WARNING MESSAGE ONLY.")
	delay.Verdict, delay.VerdictReason, delay.ReturnedIDs = VerdictDelay, "delivery delayed", []string{root}
	delay.FailedRecipients = []string{"celine@corp.example"}
	o := ingest(t, d, t0.Add(time.Minute), delay)
	if o[0].Action != ActionRecorded || o[0].TicketID != 1 {
		t.Fatalf("outcome %+v", o[0])
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM people WHERE bounced_until > 0`); n != 0 {
		t.Fatal("a delay warning suppressed an address")
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM events WHERE kind = 'bounce'`); n != 0 {
		t.Fatal("a delay warning was recorded as a bounce")
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM outbox`); n != mails {
		t.Fatalf("a delay warning was answered")
	}
}

func TestIngestFailingMailRollsBackAlone(t *testing.T) {
	d := newTestDesk(t)
	bad := request("", "x@corp.example", "no id", "x")
	out, err := d.Ingest(context.Background(), t0, []*Incoming{request("a@m", "a@corp.example", "A", "a"), bad, request("c@m", "c@corp.example", "C", "c")})
	if err != nil {
		t.Fatal(err)
	}
	if out[0].Action != ActionOpened || out[1].Err == nil || out[2].Action != ActionOpened {
		t.Fatalf("outcomes %+v", out)
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM tickets`); n != 2 {
		t.Fatalf("%d tickets", n)
	}
	// The rows the batch writes together (pending.go): the two good mails', and theirs alone.
	if n := countRows(t, d, `SELECT COUNT(*) FROM messages WHERE ticket_id IS NOT NULL`); n != 2 {
		t.Errorf("%d incoming mails recorded", n)
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM outbox`); n != 4 {
		t.Errorf("%d mails queued, want an acknowledgement and a notice for each ticket", n)
	}
}

func TestIngestReopenAndFollowUp(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	ingest(t, d, t0, request("q@m", "celine@corp.example", "Excel", "excel plante"))
	if err := d.Do(ctx, 1, t0, func(tx *Tx, tk *Ticket) error { return tx.Resolve(tk, "Réinstallé.", "bob@corp.example") }); err != nil {
		t.Fatal(err)
	}
	o := ingest(t, d, t0.Add(24*time.Hour), request("q2@m", "celine@corp.example", "Re: [HD #1] Excel", "ça recommence"))
	tk, _ := d.Store.Ticket(ctx, 1)
	if o[0].TicketID != 1 || tk.Status != StatusOpen {
		t.Fatalf("reply to a resolved ticket: %+v, status %s", o[0], tk.Status)
	}
	if err := d.Do(ctx, 1, t0.Add(25*time.Hour), func(tx *Tx, tk *Ticket) error { return tx.Resolve(tk, "Again.", "bob@corp.example") }); err != nil {
		t.Fatal(err)
	}
	o = ingest(t, d, t0.Add(40*24*time.Hour), request("q3@m", "celine@corp.example", "Re: [HD #1] Excel", "toujours"))
	if o[0].Action != ActionOpened || o[0].TicketID != 2 {
		t.Fatalf("a reply after reopen_days: %+v", o[0])
	}
	if tk2, _ := d.Store.Ticket(ctx, 2); tk2.LinkedTicket != 1 {
		t.Fatalf("follow-up not linked: %d", tk2.LinkedTicket)
	}
}

func TestIngestRequesterFromReplyToAndWatchersFromCc(t *testing.T) {
	d := newTestDesk(t)
	in := request("rt@m", "assistant@corp.example", "Laptop", "laptop broken")
	in.ReplyTo, in.ReplyToName = "boss@corp.example", "The Boss"
	in.Cc = []string{"priya@corp.example", "alice@corp.example", "helpdesk@corp.example"}
	ingest(t, d, t0, in)
	tk, _ := d.Store.Ticket(context.Background(), 1)
	// The assistant who wrote it is no watcher: the boss's answers are the boss's.
	if tk.Requester != "boss@corp.example" || strings.Join(tk.Watchers, ",") != "priya@corp.example" {
		t.Fatalf("requester %s watchers %v", tk.Requester, tk.Watchers)
	}
}

func TestIngestAttachments(t *testing.T) {
	d := newTestDesk(t)
	in := request("att@m", "c@corp.example", "Screen", "see screenshot")
	in.Attachments = []IncomingAttachment{
		{Name: "screen.png", ContentType: "image/png", Size: 3, Data: []byte("png")},
		{Name: "huge.iso", ContentType: "application/octet-stream", Size: 1 << 40, Omitted: true},
	}
	ingest(t, d, t0, in)
	atts, err := d.Store.Attachments(context.Background(), 1)
	if err != nil || len(atts) != 2 || atts[0].Name != "screen.png" || atts[0].Omitted || !atts[1].Omitted {
		t.Fatalf("attachments %+v %v", atts, err)
	}
}

// TestIngestAttachmentsOncePerTicket: a file sent again in a later mail of the ticket (the same
// logo, the same document) is stored once; each mail still names it, serves it and relays it.
func TestIngestAttachmentsOncePerTicket(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	logo, doc := []byte("\x89PNG logo bytes"), []byte("%PDF devis")
	first := request("a1@m", "c@corp.example", "Devis", "voir le devis")
	first.Attachments = []IncomingAttachment{
		{Name: "image001.png", ContentType: "image/png", Size: int64(len(logo)), Data: logo},
		{Name: "devis.pdf", ContentType: "application/pdf", Size: int64(len(doc)), Data: doc},
	}
	ingest(t, d, t0, first)
	again := request("a2@m", "c@corp.example", "RE: [HD #1] Devis", "le revoici")
	again.Attachments = []IncomingAttachment{
		{Name: "image001.png", ContentType: "image/png", Size: int64(len(logo)), Data: logo},
		{Name: "devis v2.pdf", ContentType: "application/pdf", Size: int64(len(doc)), Data: doc},
		{Name: "photo.jpg", ContentType: "image/jpeg", Size: 4, Data: []byte("jpeg")},
	}
	if o := ingest(t, d, t0.Add(time.Minute), again)[0]; o.TicketID != 1 {
		t.Fatalf("outcome %+v", o)
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM attachments WHERE ticket_id = 1 AND data IS NOT NULL`); n != 3 {
		t.Fatalf("%d stored copies, want 3 (logo, document, photo)", n)
	}
	atts, err := d.Store.Attachments(ctx, 1)
	if err != nil || len(atts) != 5 || atts[3].Name != "devis v2.pdf" || atts[3].Omitted {
		t.Fatalf("attachments %+v %v", atts, err)
	}
	srcs, err := d.Store.AttachmentSources(ctx, 1)
	if err != nil || srcs[atts[3].ID] != "a2@m" {
		t.Fatalf("sources %v %v", srcs, err)
	}
	if _, data, _, err := d.Store.AttachmentData(ctx, 1, atts[3].ID); err != nil || string(data) != string(doc) {
		t.Fatalf("the second mail's copy serves %q %v", data, err)
	}
	files, _, err := d.Store.MailAttachments(ctx, 1, "a2@m", false, 1<<20)
	if err != nil || len(files) != 3 || string(files[1].Data) != string(doc) || files[1].Name != "devis v2.pdf" {
		t.Fatalf("the second mail's files %+v %v", files, err)
	}
	if files, _, err = d.Store.MailAttachments(ctx, 1, "", true, 1<<20); err != nil || len(files) != 3 {
		t.Fatalf("every file of the ticket: %d %v", len(files), err)
	}
	// Another ticket stores its own copy.
	other := request("b1@m", "m@corp.example", "Autre", "mon logo")
	other.Attachments = []IncomingAttachment{{Name: "image001.png", ContentType: "image/png", Size: int64(len(logo)), Data: logo}}
	ingest(t, d, t0.Add(2*time.Minute), other)
	if n := countRows(t, d, `SELECT COUNT(*) FROM attachments WHERE ticket_id = 2 AND data IS NOT NULL`); n != 1 {
		t.Fatalf("ticket 2 stored %d copies", n)
	}
}

// TestIngestNoReplySender: a person-like mail from an address nobody reads opens a ticket, and its
// acknowledgement is recorded but not sent; a person's mail gets one.
func TestIngestNoReplySender(t *testing.T) {
	for from, withheld := range map[string]bool{
		"noreply@portal.example": true, "no-reply@portal.example": true, "do_not_reply@portal.example": true,
		"DoNotReply+alerts@portal.example": true, "ne-pas-repondre@impots.example": true, "no.reply@portal.example": true,
		"mailer-daemon@corp.example": true, "postmaster@corp.example": true,
		"celine@corp.example": false, "noemie@corp.example": false, "replyto.norbert@corp.example": false,
	} {
		d := newTestDesk(t)
		o := ingest(t, d, t0, request("n@m", from, "Alerte sauvegarde", "La sauvegarde du serveur a échoué."))
		if o[0].Action != ActionOpened {
			t.Fatalf("%s: outcome %+v", from, o[0])
		}
		sent := countRows(t, d, `SELECT COUNT(*) FROM outbox WHERE kind = 'ack' AND state != 'suppressed'`)
		held := countRows(t, d, `SELECT COUNT(*) FROM outbox WHERE kind = 'ack' AND state = 'suppressed'`)
		if withheld && (sent != 0 || held != 1) || !withheld && (sent != 1 || held != 0) {
			t.Errorf("%s: %d acknowledgements to send, %d withheld", from, sent, held)
		}
	}
}

func TestCleanSubject(t *testing.T) {
	for in, want := range map[string]string{
		"RE: TR: [HD #12] Imprimante":              "Imprimante",
		"Fwd: Re:  VPN   down":                     "VPN down",
		"AW: [OTHER #3] x":                         "[OTHER #3] x",
		"Réf : problème":                           "problème",
		"Re[2]: [hd #4] mot de passe":              "mot de passe",
		"Rebooting the server required":            "Rebooting the server required",
		"RE: [HD #3] Demande résolue : Imprimante": "Imprimante",
		"Re: [HD #3] Request received: VPN":        "VPN",
		"Update: the VPN is slow":                  "Update: the VPN is slow",
		"[EXTERNAL] RE: [HD #3] VPN":               "VPN",
		"[EXT] Fwd: Badge":                         "Badge",
		"[EXTERNE] TR\u00a0: Réf. : Imprimante":    "Imprimante",
		"RE : TR : écran noir":                     "écran noir",
		"Réf. : devis":                             "devis",
		"SV: VS: Antw: Odp: RV: ENC: AW: WG: x":    "x",
		"Re：打印机":                                   "打印机",
		"VS Code will not start":                   "VS Code will not start",
		"Trust: certificate expired":               "Trust: certificate expired",
	} {
		if got := CleanSubject(in, "HD"); got != want {
			t.Errorf("CleanSubject(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCleanSubjectWithoutMarks: a subject without a bracket or a colon is cleaned as the
// expressions clean it (CleanSubject skips them).
func TestCleanSubjectWithoutMarks(t *testing.T) {
	subjects := []string{"", "   ", "Imprimante", " Re  VPN ", "RE - TR - écran noir", "Request received VPN",
		"demande reçue imprimante", "VS Code\u00a0will\tnot start", "Re #12 x", "HD #3 VPN", "\u3000打印机\u2003x ",
		"Réf. devis", "EXTERNAL RE x", "Antw Odp x", "\xff\xfe broken", "Fwd Re  VPN   down"}
	alphabet := []string{"re", "RE", "Fwd", "tr", "#", "3", "HD", " ", "\u00a0", "\t", ".", "-", "é", "ref", "]", "(", "received",
		"request", "demande", "reçue", "ext", "\u2028", "\xff"}
	subjects = append(subjects, randomTexts(1, 2, alphabet, 2000, 12)...)
	for _, s := range subjects {
		if strings.ContainsAny(s, "[:：") {
			t.Fatalf("%q has a mark", s)
		}
		if got, want := CleanSubject(s, "HD"), cleanSubjectByExpressions(s, "HD"); got != want {
			t.Errorf("CleanSubject(%q) = %q, by the expressions %q", s, got, want)
		}
	}
}

// TestAttachedDeskMailDoesNotThread: a person's new request with an old desk mail attached is a
// new ticket, not a reply into that one (review finding).
func TestAttachedDeskMailDoesNotThread(t *testing.T) {
	d := newTestDesk(t)
	ingest(t, d, t0, request("q@m", "celine@corp.example", "VPN", "vpn"))
	in := request("new@m", "marc@corp.example", "Même problème que Céline", "voir le mail joint")
	in.ReturnedIDs = []string{rootID(t, d, 1)}
	if o := ingest(t, d, t0.Add(time.Minute), in)[0]; o.Action != ActionOpened || o.TicketID != 2 {
		t.Fatalf("outcome %+v", o)
	}
	if tk, _ := d.Store.Ticket(context.Background(), 1); len(tk.Watchers) != 0 {
		t.Fatalf("ticket 1 watchers %v", tk.Watchers)
	}
}

// TestThirdReviewMailCases: aliases, reply-all, subjects (third review findings).
func TestThirdReviewMailCases(t *testing.T) {
	t.Run("technician alias acts as the technician", func(t *testing.T) {
		d := newTestDesk(t)
		cfg := *d.Config()
		techs := append([]Technician(nil), cfg.Technicians...)
		techs[0].Aliases = []string{"a.martin@corp.example"}
		cfg.Technicians = techs
		if err := d.SetConfig(&cfg); err != nil {
			t.Fatal(err)
		}
		ingest(t, d, t0, request("q@m", "celine@corp.example", "Wifi", "le wifi coupe"))
		// Her copies go to her address; she answers one from her alias.
		in := techReply(t, d, "a@m", "a.martin@corp.example", "#priority urgent")
		in.InReplyTo = []string{d.Signer.CopyID(rootID(t, d, 1), 1, "alice@corp.example")}
		if o := ingest(t, d, t0.Add(time.Minute), in)[0]; o.Action != ActionCommand {
			t.Fatalf("action %s", o.Action)
		}
		tk, _ := d.Store.Ticket(context.Background(), 1)
		if tk.Priority != PriorityUrgent || len(tk.Watchers) != 0 {
			t.Fatalf("priority %s watchers %v", tk.Priority, tk.Watchers)
		}
	})
	t.Run("reply-all is not relayed twice", func(t *testing.T) {
		d := newTestDesk(t)
		in := request("q@m", "celine@corp.example", "Wifi", "le wifi coupe")
		in.Cc = []string{"jean@corp.example"}
		ingest(t, d, t0, in)
		before := countRows(t, d, `SELECT COUNT(*) FROM outbox WHERE kind = 'reply'`)
		r := techReply(t, d, "r@m", "alice@corp.example", "Redémarrez la borne.")
		r.To, r.Cc = []string{"celine@corp.example"}, []string{"helpdesk@corp.example", "jean@corp.example"}
		ingest(t, d, t0.Add(time.Minute), r)
		if n := countRows(t, d, `SELECT COUNT(*) FROM outbox WHERE kind = 'reply'`); n != before {
			t.Fatalf("%d relayed copies to people the technician already wrote to", n-before)
		}
		if lastEvent(t, d, EventReply) != "Redémarrez la borne." {
			t.Fatal("the reply is not recorded")
		}
	})
	t.Run("subjects", func(t *testing.T) {
		d := newTestDesk(t)
		empty := request("e@m", "paul@corp.example", "", "")
		empty.Language = "fr"
		long := request("l@m", "paul@corp.example", strings.Repeat("très long sujet ", 40), "x")
		ingest(t, d, t0, empty, long)
		if tk, _ := d.Store.Ticket(context.Background(), 1); tk.Subject != "(sans objet)" {
			t.Fatalf("empty subject: %q", tk.Subject)
		}
		if tk, _ := d.Store.Ticket(context.Background(), 2); len([]rune(tk.Subject)) > maxSubject || !strings.HasSuffix(tk.Subject, "…") {
			t.Fatalf("long subject: %d runes", len([]rune(tk.Subject)))
		}
	})
	t.Run("new request replying to a closed ticket's mail", func(t *testing.T) {
		d := newTestDesk(t)
		ctx := context.Background()
		ingest(t, d, t0, request("q@m", "paul@corp.example", "Imprimante du 3e bloquée", "bourrage"))
		if err := d.Do(ctx, 1, t0, func(tx *Tx, tk *Ticket) error {
			if err := tx.Resolve(tk, "ok", "alice@corp.example"); err != nil {
				return err
			}
			return tx.Close(tk, ActorDesk)
		}); err != nil {
			t.Fatal(err)
		}
		in := request("q2@m", "paul@corp.example", "RE: [HD #1] Demande résolue : Imprimante du 3e bloquée", "Autre chose : mon écran externe ne s'allume plus\n\nPaul")
		ingest(t, d, t0.Add(time.Hour), in)
		tk, _ := d.Store.Ticket(ctx, 2)
		if tk.LinkedTicket != 1 || tk.Subject != "Autre chose : mon écran externe ne s'allume plus" {
			t.Fatalf("linked %d subject %q", tk.LinkedTicket, tk.Subject)
		}
	})
	t.Run("a follow-up goes to who held the old ticket", func(t *testing.T) {
		d := newTestDesk(t)
		ctx := context.Background()
		ingest(t, d, t0, request("q@m", "paul@corp.example", "Imprimante du 3e bloquée", "bourrage"))
		old, _ := d.Store.Ticket(ctx, 1)
		if err := d.Do(ctx, 1, t0, func(tx *Tx, tk *Ticket) error {
			if err := tx.Resolve(tk, "ok", old.Assignee); err != nil {
				return err
			}
			return tx.Close(tk, ActorDesk)
		}); err != nil {
			t.Fatal(err)
		}
		// A software question would go to bob (software); as a follow-up it goes to the printer's
		// technician, who knows Paul's story.
		ingest(t, d, t0.Add(time.Hour), request("fresh@m", "anne@corp.example", "Excel plante", "Excel plante à l'ouverture d'un logiciel"))
		fresh, _ := d.Store.Ticket(ctx, 2)
		in := request("q2@m", "paul@corp.example", "RE: [HD #1] Demande résolue : Imprimante du 3e bloquée", "Autre souci : Excel plante à l'ouverture du logiciel\n\nPaul")
		ingest(t, d, t0.Add(2*time.Hour), in)
		tk, _ := d.Store.Ticket(ctx, 3)
		if tk.LinkedTicket != 1 || tk.Assignee != old.Assignee || fresh.Assignee == old.Assignee {
			t.Fatalf("follow-up of #1 (held by %s) assigned to %s; a fresh software request to %s", old.Assignee, tk.Assignee, fresh.Assignee)
		}
		if !strings.Contains(tk.Explain, "held ticket #1") {
			t.Fatalf("explanation %s", tk.Explain)
		}
	})
}

// bounceFor is a delivery report sent back to the bounce address of one recipient's copy of an
// outbox row, saying status for failed.
func bounceFor(d *Desk, id string, row int64, copyOf, failed, status string) *Incoming {
	in := request(id, "mailer-daemon@mx.example", "Undelivered Mail Returned to Sender", "")
	in.To = []string{d.Signer.BounceAddress("helpdesk@corp.example", row, copyOf)}
	in.Verdict, in.FailedRecipients = VerdictBounce, []string{failed}
	in.FailedStatus = map[string]string{failed: status}
	return in
}

// TestBounces: only a report sent back to the bounce address of a recipient's copy counts, against
// that recipient, when delivery failed for good, and only the third within a week holds the
// address back.
func TestBounces(t *testing.T) {
	d := newTestDesk(t)
	const celine, priya = "celine@corp.example", "priya@corp.example"
	var rows []int64
	for i := range 4 {
		in := request(fmt.Sprintf("req%d@m", i), celine, "VPN", fmt.Sprintf("vpn %d", i)) // Not one request repeated.
		in.Cc = []string{priya}
		o := ingest(t, d, t0, in)[0]
		var row int64
		if err := d.Store.Reader().QueryRow(`SELECT id FROM outbox WHERE ticket_id = ? AND kind = 'ack'`, o.TicketID).Scan(&row); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, row)
	}
	suppressed := func(addr string) bool {
		ok, err := d.Store.Suppressed(context.Background(), addr, t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	at := t0.Add(time.Minute)
	step := func(in *Incoming) {
		t.Helper()
		at = at.Add(time.Minute)
		if o := ingest(t, d, at, in)[0]; o.Action != ActionRecorded {
			t.Fatalf("bounce %s: %s", in.MessageID, o.Action)
		}
	}
	// Priya, in copy, forges reports against Céline on her own copies: they count against Priya.
	for i, row := range rows[:3] {
		step(bounceFor(d, fmt.Sprintf("forged%d@m", i), row, priya, celine, "5.1.1"))
	}
	if suppressed(celine) {
		t.Fatal("a watcher's forged bounces silenced the requester")
	}
	// A bounce address made for someone else, or not signed, names no copy.
	forged := bounceFor(d, "unsigned@m", rows[0], celine, celine, "5.1.1")
	forged.To = []string{strings.Replace(forged.To[0], "+b-", "+b-a", 1)}
	ingest(t, d, at, forged)
	// Temporary failures and reports repeated for the same mail do not add up.
	step(bounceFor(d, "full@m", rows[0], celine, celine, "4.2.2"))
	step(bounceFor(d, "hard1@m", rows[0], celine, celine, "5.1.1"))
	step(bounceFor(d, "hard1again@m", rows[0], celine, celine, "5.1.1"))
	step(bounceFor(d, "hard2@m", rows[1], celine, celine, "5.1.1"))
	if suppressed(celine) {
		t.Fatal("held back before the third hard bounce")
	}
	step(bounceFor(d, "hard3@m", rows[2], celine, celine, "5.1.1"))
	if !suppressed(celine) {
		t.Fatal("three hard bounces within a week did not hold the address back")
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM events WHERE kind = 'bounce'`); n < 7 {
		t.Fatalf("%d bounce events", n)
	}

	// Bounces a week apart never add up to three.
	d2 := newTestDesk(t)
	var rows2 []int64
	for i := range 3 {
		o := ingest(t, d2, t0, request(fmt.Sprintf("q%d@m", i), celine, "VPN", "vpn"))[0]
		var row int64
		if err := d2.Store.Reader().QueryRow(`SELECT id FROM outbox WHERE ticket_id = ? AND kind = 'ack'`, o.TicketID).Scan(&row); err != nil {
			t.Fatal(err)
		}
		rows2 = append(rows2, row)
	}
	for i, row := range rows2 {
		ingest(t, d2, t0.Add(time.Duration(i)*4*24*time.Hour), bounceFor(d2, fmt.Sprintf("b%d@m", i), row, celine, celine, "5.1.1"))
	}
	if ok, _ := d2.Store.Suppressed(context.Background(), celine, t0.Add(8*24*time.Hour)); ok {
		t.Fatal("bounces spread over more than a week held the address back")
	}
}

// TestIngestReplyChainRequest: a reply chain sent to the desk (an old thread answered to it)
// opens a ticket whose request keeps the quoted history; a reply into a ticket adds only its new
// words.
func TestIngestReplyChainRequest(t *testing.T) {
	d := newTestDesk(t)
	chain := request("chain@m", "celine@corp.example", "RE: Accès au partage Compta", "Pouvez-vous me donner l'accès ?")
	chain.InReplyTo = []string{"old-thread@corp.example"}
	chain.History = "Pouvez-vous me donner l'accès ?\n\nDe : Marc <marc@corp.example>\nEnvoyé : lundi 23 novembre 2026 10:05\nObjet : Accès au partage Compta\n\nCéline, demande au support l'accès au dossier \\\\srv\\compta."
	o := ingest(t, d, t0, chain)
	if o[0].Action != ActionOpened {
		t.Fatalf("outcome %+v", o[0])
	}
	ev, err := d.Store.Events(context.Background(), o[0].TicketID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev) == 0 || !strings.Contains(ev[0].Text, "Pouvez-vous me donner") || !strings.Contains(ev[0].Text, "demande au support l'accès") {
		t.Fatalf("the request lost the thread's history: %+v", ev)
	}
	reply := request("chain2@m", "celine@corp.example", "RE: [HD #1] Accès au partage Compta", "C'est bon, merci.")
	reply.History = "C'est bon, merci.\n\nLe lun. 23 nov. 2026 à 11:00, Support <helpdesk@corp.example> a écrit :\n> Accès donné."
	o = ingest(t, d, t0.Add(time.Minute), reply)
	if o[0].Action != ActionAppended || o[0].TicketID != 1 {
		t.Fatalf("outcome %+v", o[0])
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM events WHERE ticket_id = 1 AND text LIKE '%Accès donné%'`); n != 0 {
		t.Fatal("a reply into a ticket kept its quoted history")
	}
}

// TestIngestForwardedRequest: a forwarded mail that opens a ticket keeps the forwarded message as
// the request; forwarded into an existing ticket, only the sender's new words are added.
func TestIngestForwardedRequest(t *testing.T) {
	d := newTestDesk(t)
	fwd := request("fwd@m", "celine@corp.example", "TR: Badge", "Pour info.")
	fwd.Forwarded = "Pour info.\n\nDe : Bob <bob@corp.example>\nEnvoyé : lundi 23 novembre 2026 10:05\nObjet : Badge\n\nMon badge n'ouvre plus la porte 3."
	o := ingest(t, d, t0, fwd)
	if o[0].Action != ActionOpened {
		t.Fatalf("outcome %+v", o[0])
	}
	ev, err := d.Store.Events(context.Background(), o[0].TicketID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ev) == 0 || !strings.Contains(ev[0].Text, "n'ouvre plus la porte 3") {
		t.Fatalf("the forwarded request is not the ticket's first message: %+v", ev)
	}
	again := request("fwd2@m", "celine@corp.example", "TR: [HD #1] Badge", "Et voici la réponse du fournisseur.")
	again.Forwarded = "Et voici la réponse du fournisseur.\n\nDe : Fournisseur\nObjet : Badge\n\nNous passons jeudi."
	o = ingest(t, d, t0.Add(time.Minute), again)
	if o[0].Action != ActionAppended || o[0].TicketID != 1 {
		t.Fatalf("outcome %+v", o[0])
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM events WHERE ticket_id = 1 AND text LIKE '%Nous passons jeudi%'`); n != 0 {
		t.Fatal("a forward into an existing ticket kept the forwarded history")
	}
}
