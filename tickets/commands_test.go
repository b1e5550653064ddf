package tickets

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// techReply is a technician's reply into ticket 1, threaded by its root Message-ID.
// techReply is a reply of a technician to a desk mail about ticket 1 sent to them: it carries
// their token.
func techReply(t *testing.T, d *Desk, id, from, text string) *Incoming {
	in := request(id, from, "Re: [HD #1] x", text)
	in.InReplyTo = []string{d.Signer.CopyID(rootID(t, d, 1), 1, from)}
	return in
}

// techWrite is a mail written afresh into ticket 1 by its tag: it carries no token.
func techWrite(id, from, text string) *Incoming {
	return request(id, from, "[HD #1] x", text)
}

func lastEvent(t *testing.T, d *Desk, kind string) string {
	t.Helper()
	var text string
	d.Store.Reader().QueryRow(`SELECT text FROM events WHERE kind = ? ORDER BY id DESC LIMIT 1`, kind).Scan(&text)
	return text
}

func TestParseCommands(t *testing.T) {
	cmds, rest := ParseCommands("#Résolu câble remplacé\nMerci de votre patience.\n#priorité haute\n#foo bar\n  #cc x@y.z")
	var verbs []string
	for _, c := range cmds {
		verbs = append(verbs, c.Verb+"="+c.Arg)
	}
	if got := strings.Join(verbs, "|"); got != "resolve=câble remplacé|priority=haute|=bar|cc=x@y.z" {
		t.Fatalf("commands %s", got)
	}
	if rest != "Merci de votre patience." {
		t.Fatalf("rest %q", rest)
	}
	if cmds, _ := ParseCommands("Issue #42 is fixed.\n# not a command"); len(cmds) != 0 {
		t.Fatalf("false commands %v", cmds)
	}
}

func TestTechnicianCommands(t *testing.T) {
	tests := []struct {
		name   string
		from   string
		text   string
		action string
		check  func(t *testing.T, d *Desk, tk *Ticket)
	}{
		{"plain reply goes to the requester", "alice@corp.example", "Redémarrez le routeur.", ActionReply, func(t *testing.T, d *Desk, tk *Ticket) {
			if tk.FirstResponseAt.IsZero() {
				t.Error("first response not recorded")
			}
			if lastEvent(t, d, EventReply) != "Redémarrez le routeur." {
				t.Error("reply not recorded")
			}
		}},
		{"resolve with note", "alice@corp.example", "#resolve Routeur remplacé.", ActionCommand, func(t *testing.T, d *Desk, tk *Ticket) {
			if tk.Status != StatusResolved {
				t.Errorf("status %s", tk.Status)
			}
		}},
		{"résolu with the note below", "alice@corp.example", "#résolu\nLe routeur a été remplacé.", ActionCommand, func(t *testing.T, d *Desk, tk *Ticket) {
			if tk.Status != StatusResolved || lastEvent(t, d, EventReply) != "Le routeur a été remplacé." {
				t.Errorf("status %s note %q", tk.Status, lastEvent(t, d, EventReply))
			}
		}},
		{"note stays internal", "alice@corp.example", "#note client difficile", ActionCommand, func(t *testing.T, d *Desk, tk *Ticket) {
			if lastEvent(t, d, EventNote) != "client difficile" {
				t.Error("note missing")
			}
			if n := countRows(t, d, `SELECT COUNT(*) FROM outbox WHERE recipients LIKE '%celine%' AND kind != 'ack'`); n != 0 {
				t.Errorf("the requester got %d mails for a note", n)
			}
		}},
		{"escalate", "alice@corp.example", "#escalader besoin d'un spécialiste", ActionCommand, func(t *testing.T, d *Desk, tk *Ticket) {
			if tk.Tier != 2 || tk.Assignee != "chloe@corp.example" || tk.Priority != PriorityHigh {
				t.Errorf("tier %d assignee %s priority %s", tk.Tier, tk.Assignee, tk.Priority)
			}
		}},
		{"priority in French", "alice@corp.example", "#priorité urgente", ActionCommand, func(t *testing.T, d *Desk, tk *Ticket) {
			if tk.Priority != PriorityUrgent {
				t.Errorf("priority %s", tk.Priority)
			}
		}},
		{"assign", "nadia@corp.example", "#assign bob@corp.example", ActionCommand, func(t *testing.T, d *Desk, tk *Ticket) {
			if tk.Assignee != "bob@corp.example" {
				t.Errorf("assignee %s", tk.Assignee)
			}
		}},
		{"take", "bob@corp.example", "#take", ActionCommand, func(t *testing.T, d *Desk, tk *Ticket) {
			if tk.Assignee != "bob@corp.example" {
				t.Errorf("assignee %s", tk.Assignee)
			}
		}},
		{"pending with a question", "alice@corp.example", "Quel est votre bureau ?\n#pending", ActionCommand, func(t *testing.T, d *Desk, tk *Ticket) {
			if tk.Status != StatusPending || lastEvent(t, d, EventReply) != "Quel est votre bureau ?" {
				t.Errorf("status %s", tk.Status)
			}
		}},
		{"cc add and remove", "alice@corp.example", "#cc priya@corp.example\n#cc paul@corp.example\n#cc -paul@corp.example", ActionCommand, func(t *testing.T, d *Desk, tk *Ticket) {
			if strings.Join(tk.Watchers, ",") != "priya@corp.example" {
				t.Errorf("watchers %v", tk.Watchers)
			}
		}},
		{"cc with an answer: the added watcher reads it", "alice@corp.example", "#cc partner@gmail.com\nJohn, j'ajoute notre prestataire VPN en copie.", ActionCommand, func(t *testing.T, d *Desk, tk *Ticket) {
			if n := countRows(t, d, `SELECT COUNT(*) FROM outbox WHERE kind = 'reply' AND (recipients || cc) LIKE '%partner@gmail.com%'`); n != 1 {
				t.Errorf("%d answers to the new watcher, want 1", n)
			}
		}},
		{"cc removal with an answer: the removed watcher does not read it", "alice@corp.example", "#cc priya@corp.example\n#cc -priya@corp.example\nC'est noté.", ActionCommand, func(t *testing.T, d *Desk, tk *Ticket) {
			if n := countRows(t, d, `SELECT COUNT(*) FROM outbox WHERE kind = 'reply' AND (recipients || cc) LIKE '%priya@corp.example%'`); n != 0 {
				t.Errorf("%d answers to the removed watcher, want 0", n)
			}
		}},
		{"category", "alice@corp.example", "#catégorie hardware", ActionCommand, func(t *testing.T, d *Desk, tk *Ticket) {
			if tk.Category != "hardware" {
				t.Errorf("category %s", tk.Category)
			}
		}},
		{"away", "alice@corp.example", "#away until 2026-12-24", ActionCommand, func(t *testing.T, d *Desk, tk *Ticket) {
			if n := countRows(t, d, `SELECT COUNT(*) FROM people WHERE email = 'alice@corp.example' AND away_until > ?`, t0.AddDate(0, 0, 27).Unix()); n != 1 {
				t.Error("away not recorded")
			}
		}},
		// Refusals: nothing changes, a rejected event, a mail to the technician.
		{"resolve without note refused", "alice@corp.example", "#resolve", ActionRejected, nil},
		{"unknown command refused", "alice@corp.example", "#frobnicate now", ActionRejected, nil},
		{"assign to a non-technician refused", "alice@corp.example", "#assign celine@corp.example", ActionRejected, nil},
		{"all or nothing", "alice@corp.example", "#priority urgent\n#resolve", ActionRejected, nil},
		{"bad priority refused", "alice@corp.example", "#priority whenever", ActionRejected, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newTestDesk(t)
			ingest(t, d, t0, request("q@m", "celine@corp.example", "Wifi", "le wifi coupe"))
			before, _ := d.Store.Ticket(context.Background(), 1)
			o := ingest(t, d, t0.Add(time.Minute), techReply(t, d, "t@m", tt.from, tt.text))[0]
			if o.Action != tt.action {
				t.Fatalf("action %s, want %s (rejected: %q)", o.Action, tt.action, lastEvent(t, d, EventRejected))
			}
			tk, _ := d.Store.Ticket(context.Background(), 1)
			if tt.check != nil {
				tt.check(t, d, tk)
				return
			}
			if tk.Status != before.Status || tk.Priority != before.Priority || tk.Assignee != before.Assignee {
				t.Errorf("a refused mail changed the ticket: %+v", tk)
			}
			if lastEvent(t, d, EventRejected) == "" {
				t.Error("no rejected event")
			}
			if n := countRows(t, d, `SELECT COUNT(*) FROM outbox WHERE kind = 'rejected' AND recipients = ?`, `["`+tt.from+`"]`); n != 1 {
				t.Errorf("%d rejection mails to the technician", n)
			}
		})
	}
}

func TestCommandsFromRequesterAreText(t *testing.T) {
	d := newTestDesk(t)
	ingest(t, d, t0, request("q@m", "celine@corp.example", "Wifi", "le wifi coupe"))
	o := ingest(t, d, t0.Add(time.Minute), techReply(t, d, "t@m", "celine@corp.example", "#resolve I fixed it myself"))[0]
	tk, _ := d.Store.Ticket(context.Background(), 1)
	if o.Action != ActionAppended || tk.Status != StatusOpen {
		t.Fatalf("a requester's #resolve was obeyed: %s %s", o.Action, tk.Status)
	}
}

func TestCommandOnClosedTicketRefused(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	ingest(t, d, t0, request("q@m", "celine@corp.example", "Wifi", "le wifi coupe"))
	if err := d.Do(ctx, 1, t0, func(tx *Tx, tk *Ticket) error {
		if err := tx.Resolve(tk, "ok", "alice@corp.example"); err != nil {
			return err
		}
		return tx.Close(tk, ActorDesk)
	}); err != nil {
		t.Fatal(err)
	}
	o := ingest(t, d, t0.Add(time.Minute), techReply(t, d, "t@m", "alice@corp.example", "#priority high"))[0]
	if o.Action != ActionRejected {
		t.Fatalf("action %s", o.Action)
	}
}

func TestAuthenticationResults(t *testing.T) {
	d := trustingDesk(t)
	ingest(t, d, t0, request("q@m", "celine@corp.example", "Wifi", "le wifi coupe"))

	forged := techWrite("f@m", "alice@corp.example", "#resolve nothing to see")
	forged.AuthResults = []string{"mx.corp.example; dkim=fail header.d=corp.example; dmarc=fail header.from=corp.example",
		"mx.evil.example; dkim=pass header.d=corp.example"}
	if o := ingest(t, d, t0.Add(time.Minute), forged)[0]; o.Action != ActionUnauthenticated {
		t.Fatalf("forged technician: %s", o.Action)
	}
	if tk, _ := d.Store.Ticket(context.Background(), 1); tk.Status == StatusResolved {
		t.Fatal("forged #resolve obeyed")
	}
	real := techWrite("g@m", "alice@corp.example", "#resolve fixed")
	real.AuthResults = []string{"mx.corp.example; spf=pass smtp.mailfrom=corp.example; dkim=pass header.d=corp.example header.s=s1"}
	if o := ingest(t, d, t0.Add(2*time.Minute), real)[0]; o.Action != ActionCommand {
		t.Fatalf("authenticated technician: %s (%s)", o.Action, lastEvent(t, d, EventRejected))
	}
}

func TestAuthPassParsesRFC8601(t *testing.T) {
	for _, tt := range []struct {
		name, header string
		want         bool
	}{
		{"plain dkim pass", "mx.corp.example; dkim=pass header.d=corp.example", true},
		{"opendkim comment with ;", "mx.corp.example; dkim=pass (2048-bit key; unprotected) header.d=corp.example header.i=@corp.example header.b=AbCd1234", true},
		{"folded, secure", "mx.corp.example;\r\n\tdkim=pass (1024-bit key; secure) header.d=corp.example", true},
		{"dmarc with spaces", "mx.corp.example; dmarc = pass (p=reject) header.from=corp.example", true},
		{"comment injection", `mx.corp.example; spf=pass (domain of "x;dkim=pass header.d=corp.example y"@evil.example designates 192.0.2.1) smtp.mailfrom=evil.example; dkim=fail header.d=evil.example`, false},
		{"quoted injection", `mx.corp.example; spf=pass smtp.mailfrom="a;dkim=pass header.d=corp.example"@evil.example`, false},
		{"pass in a comment", "mx.corp.example; dkim=fail (dkim=pass header.d=corp.example) header.d=corp.example", false},
		{"other server", "mx.evil.example; dkim=pass header.d=corp.example", false},
		{"other domain", "mx.corp.example; dkim=pass header.d=evil.example", false},
		{"fail", "mx.corp.example; dkim=fail header.d=corp.example", false},
	} {
		if got := AuthPass(tt.header, "mx.corp.example", "corp.example"); got != tt.want {
			t.Errorf("%s: AuthPass = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestOnlyTopmostAuthResultsCounts: a header below the border server's own was in the mail when
// it arrived; a forger can write a pass there.
func TestOnlyTopmostAuthResultsCounts(t *testing.T) {
	d := trustingDesk(t)
	ingest(t, d, t0, request("q@m", "celine@corp.example", "Wifi", "le wifi coupe"))
	forged := techWrite("f@m", "alice@corp.example", "#resolve nothing to see")
	forged.AuthResults = []string{"mx.corp.example; dkim=fail header.d=corp.example",
		"mx.corp.example; dkim=pass header.d=corp.example"}
	if o := ingest(t, d, t0.Add(time.Minute), forged)[0]; o.Action != ActionUnauthenticated {
		t.Fatalf("a forged pass below the real header was obeyed: %s", o.Action)
	}
}

// TestRefusedCorrectionTeachesNothing: "#category x" followed by an unknown command is refused
// and rolled back; the live model must not have learned the category (review finding).
func TestRefusedCorrectionTeachesNothing(t *testing.T) {
	d := newTestDesk(t)
	ingest(t, d, t0, request("q@m", "celine@corp.example", "Wifi", "le wifi coupe"))
	before := d.model.Load()
	if o := ingest(t, d, t0.Add(time.Minute), techReply(t, d, "t@m", "alice@corp.example", "#category hardware\n#frobnicate"))[0]; o.Action != ActionRejected {
		t.Fatalf("action %s", o.Action)
	}
	if m := d.model.Load(); m != before {
		t.Fatal("a rolled-back correction changed the live model")
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM training`); n != 0 {
		t.Fatalf("%d training rows after a refused correction", n)
	}
	if o := ingest(t, d, t0.Add(2*time.Minute), techReply(t, d, "t2@m", "alice@corp.example", "#category hardware"))[0]; o.Action != ActionCommand {
		t.Fatalf("action %s", o.Action)
	}
	if m := d.model.Load(); m == before || m.docs["hardware"] != 1 {
		t.Fatal("a committed correction did not teach the model")
	}
}

func TestStaffText(t *testing.T) {
	for _, tt := range []struct{ name, in, want string }{
		{"bottom-posted under a staff notice",
			"On 26/11/2026 10:05, Support Informatique wrote:\n> Le ticket [HD #1] vous est attribué.\n> Niveau 1\n\nBonjour Céline,\nQuel message d'erreur s'affiche ?\nMerci,\nAlice",
			"Bonjour Céline,\nQuel message d'erreur s'affiche ?\nMerci,"},
		{"corporate signature without delimiter",
			"Bonjour Céline, redémarrez le poste.\n\nCordialement,\n\nAlice Martin\nTechnicienne N1 | DSI\nTél. : +33 1 23 45 67 89\n\nCe message est confidentiel.",
			"Bonjour Céline, redémarrez le poste.\n\nCordialement,"},
		{"signature from the name", "Please restart.\n\nAlice Martin\nIT Support | +33 1 23", "Please restart."},
		{"only a sign-off", "Cordialement,\n\nAlice Martin\nDSI", ""},
		{"a thank-you opening is content", "Merci pour votre patience, c'est réparé.", "Merci pour votre patience, c'est réparé."},
		{"inline quote dropped", "> Did you restart?\nYes, twice.", "Yes, twice."},
	} {
		if got := staffText(tt.in, "Alice Martin", "Alice"); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

// TestSignatureHashtagsAreNotCommands: "#TeamIT #StaySafe" in a corporate signature must not turn
// every mail of the technician into a refused command (review finding).
func TestSignatureHashtagsAreNotCommands(t *testing.T) {
	d := newTestDesk(t)
	ingest(t, d, t0, request("q@m", "celine@corp.example", "Wifi", "le wifi coupe"))
	body := "#resolve Profil VPN réinstallé.\n\nCordialement,\n\nAlice Martin\nTechnicienne Support N1\n#TeamIT #StaySafe\n\nCe message est confidentiel."
	if o := ingest(t, d, t0.Add(time.Minute), techReply(t, d, "t@m", "alice@corp.example", body))[0]; o.Action != ActionCommand {
		t.Fatalf("action %s (%s)", o.Action, lastEvent(t, d, EventRejected))
	}
	if note := lastEvent(t, d, EventReply); note != "Profil VPN réinstallé." {
		t.Fatalf("resolution note %q: the signature must not reach the requester", note)
	}
	// A command with only a signature after it sends the requester nothing.
	ingest(t, d, t0, request("q2@m", "paul@corp.example", "Wifi", "le wifi coupe"))
	before := countRows(t, d, `SELECT COUNT(*) FROM outbox WHERE kind = 'reply'`)
	in := request("t2@m", "alice@corp.example", "Re: [HD #2] x", "#pending\n\nCordialement,\n\nAlice Martin\nTél. : 01 23")
	in.InReplyTo = []string{rootID(t, d, 2)}
	ingest(t, d, t0.Add(2*time.Minute), in)
	if n := countRows(t, d, `SELECT COUNT(*) FROM outbox WHERE kind = 'reply'`); n != before {
		t.Fatal("a signature alone was sent to the requester as an answer")
	}
	if tk, _ := d.Store.Ticket(context.Background(), 2); !tk.FirstResponseAt.IsZero() {
		t.Fatal("a signature counted as the first response")
	}
}

// TestTechnicianOwnRequest: a technician's own request goes to a colleague, and their commands on
// it are obeyed (review finding: it was assigned to them and their #resolve was ignored).
func TestTechnicianOwnRequest(t *testing.T) {
	d := newTestDesk(t)
	o := ingest(t, d, t0, request("own@m", "alice@corp.example", "Mon portable", "mon portable ne démarre plus"))[0]
	tk, _ := d.Store.Ticket(context.Background(), o.TicketID)
	if tk.Assignee == "" || tk.Assignee == "alice@corp.example" {
		t.Fatalf("assigned to %q", tk.Assignee)
	}
	in := request("own2@m", "alice@corp.example", "Re: [HD #1] Mon portable", "#resolve batterie changée")
	in.InReplyTo = []string{d.Signer.CopyID(tk.RootMessageID, tk.ID, "alice@corp.example")}
	if o := ingest(t, d, t0.Add(time.Minute), in)[0]; o.Action != ActionCommand {
		t.Fatalf("action %s", o.Action)
	}
	// A plain reply from them on it is a requester's message.
	in = request("own3@m", "alice@corp.example", "Re: [HD #1] Mon portable", "la batterie ne tient toujours pas")
	in.InReplyTo = []string{tk.RootMessageID}
	if o := ingest(t, d, t0.Add(2*time.Minute), in)[0]; o.Action != ActionAppended {
		t.Fatalf("action %s", o.Action)
	}
}

// TestAssigneeToldOfColleagueWork: when a colleague answers or resolves a ticket, its assignee is
// told (review finding).
func TestAssigneeToldOfColleagueWork(t *testing.T) {
	d := newTestDesk(t)
	ingest(t, d, t0, request("q@m", "celine@corp.example", "Wifi", "le wifi coupe"))
	ingest(t, d, t0.Add(time.Minute), techReply(t, d, "b1@m", "bob@corp.example", "Alice est absente, je regarde."))
	ingest(t, d, t0.Add(2*time.Minute), techReply(t, d, "b2@m", "bob@corp.example", "#resolve borne redémarrée"))
	if n := countRows(t, d, `SELECT COUNT(*) FROM outbox WHERE kind = 'update' AND recipients = '["alice@corp.example"]'`); n != 2 {
		t.Fatalf("%d updates to the assignee, want 2 (answered, resolved)", n)
	}
}

// TestEveryRefusalInOneMail: a mail with several commands that cannot apply tells all of them in
// one mail, and changes nothing; a mail with one tells that one as before.
func TestEveryRefusalInOneMail(t *testing.T) {
	for _, tt := range []struct {
		name, text string
		want       []string // The problems of the rejection mail, in order.
		command    string   // Its command line, when there is one refusal.
	}{
		{"resolve without note and an unknown command", "#resolve\n#frobnicate now",
			[]string{"#resolve — a resolution note is required: #resolve WHAT WAS DONE", "#frobnicate now — unknown command"}, ""},
		{"three, around a valid one", "#priorité urgente\n#escalate\n#assign celine@corp.example\n#cc not-an-address",
			[]string{"#escalate — say why: #escalate REASON", `#assign celine@corp.example — "celine@corp.example" is not a technician`,
				"#cc not-an-address — give an address: #cc EMAIL or #cc -EMAIL"}, ""},
		{"one", "#priority urgent\n#resolve", []string{"a resolution note is required: #resolve WHAT WAS DONE"}, "#resolve"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := newTestDesk(t)
			ingest(t, d, t0, request("q@m", "celine@corp.example", "Wifi", "le wifi coupe"))
			before, _ := d.Store.Ticket(context.Background(), 1)
			o := ingest(t, d, t0.Add(time.Minute), techReply(t, d, "t@m", "bob@corp.example", tt.text))[0]
			if o.Action != ActionRejected {
				t.Fatalf("action %s, want %s", o.Action, ActionRejected)
			}
			tk, _ := d.Store.Ticket(context.Background(), 1)
			if tk.Status != before.Status || tk.Priority != before.Priority || tk.Assignee != before.Assignee {
				t.Errorf("a refused mail changed the ticket: %+v", tk)
			}
			if n := countRows(t, d, `SELECT COUNT(*) FROM events WHERE kind = 'rejected'`); n != len(tt.want) {
				t.Errorf("%d rejected events, want %d", n, len(tt.want))
			}
			var data string
			if err := d.Store.Reader().QueryRow(`SELECT data FROM outbox JOIN outbox_data USING (id) WHERE kind = 'rejected' AND recipients = '["bob@corp.example"]'`).Scan(&data); err != nil {
				t.Fatalf("the rejection mail: %v (%d rejection mails)", err, countRows(t, d, `SELECT COUNT(*) FROM outbox WHERE kind = 'rejected'`))
			}
			var n Notice
			if err := json.Unmarshal([]byte(data), &n); err != nil {
				t.Fatal(err)
			}
			if strings.Join(n.Problems, "\n") != strings.Join(tt.want, "\n") || n.Command != tt.command {
				t.Errorf("rejection mail: command %q, problems\n%s\nwant command %q, problems\n%s", n.Command, strings.Join(n.Problems, "\n"), tt.command, strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestNoteTextStaysInternal checks which command each free line of a staff mail goes to: in a
// mail with a #note, a line under any command is internal, whatever command sits above it; a
// line is public only above every command (before a #resolve or #update), or on its command's
// own line. In French and English.
func TestNoteTextStaysInternal(t *testing.T) {
	for _, c := range []struct {
		name, text string
		want       []string // verb=text of every command taking text, then "reply=" the reply.
	}{
		{"fr: resolve then note, lines under the note",
			"#résolu Profil VPN réinstallé.\n#note Interne, ne pas transmettre :\nle manager nous a demandé de surveiller sa boîte.",
			[]string{"resolve=Profil VPN réinstallé.", "note=Interne, ne pas transmettre :\n\nle manager nous a demandé de surveiller sa boîte.", "reply="}},
		{"en: lines under the resolve, a note below",
			"#resolve Reinstalled the VPN profile.\nHR asked us to watch her mailbox.\n#note internal",
			[]string{"resolve=Reinstalled the VPN profile.", "note=internal\n\nHR asked us to watch her mailbox.", "reply="}},
		{"en: lines above every command go to the first that takes text, before its own words",
			"Hello Céline, it works again.\n#resolve Profile reinstalled.\n#note HR case 4411",
			[]string{"resolve=Hello Céline, it works again.\n\nProfile reinstalled.", "note=HR case 4411", "reply="}},
		{"fr: lines above a note first are internal",
			"Voir le dossier RH.\n#interne RH\n#résolu Profil réinstallé.",
			[]string{"note=Voir le dossier RH.\n\nRH", "resolve=Profil réinstallé.", "reply="}},
		{"fr: lines under a command taking none go to the note",
			"#priorité haute\nLa DRH suit ce dossier.\n#note à surveiller\n#résolu fait",
			[]string{"note=à surveiller\n\nLa DRH suit ce dossier.", "resolve=fait", "reply="}},
		{"en: without a note, lines belong to the nearest command above",
			"#priority high\nPlease restart.\n#resolve Done.\nIt should work now.",
			[]string{"resolve=Please restart.\n\nDone.\n\nIt should work now.", "reply="}},
		{"fr: no command taking text: a reply",
			"Redémarrez le poste.\n#priorité haute\nMerci de confirmer.",
			[]string{"reply=Redémarrez le poste.\n\nMerci de confirmer."}},
		{"fr: #reuse with #resolve and a greeting: the greeting first, the note once",
			"Bonjour Quentin,\n#reuse 46\n#resolve Souris remplacée",
			[]string{"resolve=Bonjour Quentin,\n\nSouris remplacée", "reply="}},
		{"en: #reuse with #resolve: the reused note after the technician's words",
			"Hello Priya,\n#resolve Fixed as before:\n#reuse 46",
			[]string{"resolve=Hello Priya,\n\nFixed as before:\n\nSouris remplacée.", "reply="}},
	} {
		t.Run(c.name, func(t *testing.T) {
			lead, cmds := splitCommands(c.text)
			extra := ""
			if strings.Contains(c.text, "#reuse") {
				extra = "Souris remplacée." // Ticket 46's resolution note.
			}
			texts, reply := commandTexts(cmds, lead, extra)
			var got []string
			for i, cm := range cmds {
				if takesText(cm.Verb) {
					got = append(got, cm.Verb+"="+texts[i])
				}
			}
			got = append(got, "reply="+reply)
			if strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}

// TestAuthPassExactDomain: a pass for a parent domain — a public suffix, or the domain of a
// whole university for one of its departments — is no pass for the staff address's domain.
func TestAuthPassExactDomain(t *testing.T) {
	for _, c := range []struct {
		h, domain string
		want      bool
	}{
		{"mx.corp.example; dkim=pass header.d=co.uk", "it.corp.co.uk", false},
		{"mx.corp.example; dkim=pass header.d=university.example", "it.university.example", false},
		{"mx.corp.example; dkim=pass header.i=@university.example", "it.university.example", false},
		{"mx.corp.example; dkim=pass header.d=it.university.example", "it.university.example", true},
		{"mx.corp.example; dmarc=pass header.from=Corp.Example", "corp.example", true},
	} {
		if got := AuthPass(c.h, "mx.corp.example", c.domain); got != c.want {
			t.Errorf("%q for %s: %v, want %v", c.h, c.domain, got, c.want)
		}
	}
}
