package tickets

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestIncidentNotToAnAwayTechnician: the technician of an incident's first request is away when
// the desk opens the incident: the incident, and the requests it pulls in, go to a technician
// who is there, picked as a new ticket's is; the absent one is sent no incident to work on.
func TestIncidentNotToAnAwayTechnician(t *testing.T) {
	d := newIncidentDesk(t, false)
	var tks []*Ticket
	for i, r := range vpnDown[:2] {
		tks = append(tks, openTicket(t, d, t0.Add(time.Duration(5*i)*time.Minute), r))
	}
	if a := mustTicket(t, d, tks[0].ID).Assignee; a != "alice@corp.example" {
		t.Fatalf("the first VPN request went to %q, want alice (the test desk's network technician)", a)
	}
	if err := d.Update(context.Background(), t0.Add(6*time.Minute), func(tx *Tx) error {
		return tx.SetAway("alice@corp.example", t0.Add(48*time.Hour))
	}); err != nil {
		t.Fatal(err)
	}
	third := openTicket(t, d, t0.Add(10*time.Minute), vpnDown[2])
	third = mustTicket(t, d, third.ID)
	if third.Incident == 0 {
		t.Fatal("the third VPN request opened no incident")
	}
	inc := mustTicket(t, d, third.Incident)
	// Alice away, nobody else of tier 1 has the skill: the least loaded of the tier, as triage.
	if inc.Assignee != "bob@corp.example" {
		t.Fatalf("incident held by %q, want bob (alice is away)", inc.Assignee)
	}
	for _, tk := range append(tks, third) {
		if got := mustTicket(t, d, tk.ID); got.Assignee != inc.Assignee {
			t.Errorf("#%d held by %q, want the incident's %q", tk.ID, got.Assignee, inc.Assignee)
		}
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM outbox WHERE kind = 'assigned' AND ticket_id = ?`, inc.ID); n != 1 {
		t.Errorf("%d assignment notices for the incident, want 1 (to bob)", n)
	}
	if n := noticeOf(t, d, "bob@corp.example", KindAssigned); n.Ticket.ID != inc.ID {
		t.Errorf("bob's last assignment notice is for #%d, want the incident #%d", n.Ticket.ID, inc.ID)
	}
}

// accountRequests are labelled groups of requests about accounts, each group written by
// different people within minutes: outage true when they are one problem.
var accountRequests = []labelledGroup{
	{"locked, forgotten, expired (fr)", false, []mailIn{
		{"diane@corp.example", "URGENT : compte verrouillé, je suis bloqué", "Bonjour, mon compte est verrouillé, je ne peux plus travailler."},
		{"lang5@corp.example", "mot de passe", "Hello, j'ai oublié mon mot de passe. Best regards"},
		{"iris@corp.example", "Mot de passe expiré", "Bonjour, mon mot de passe a expiré et je ne peux plus me connecter à mon compte."},
	}},
	{"locked out, forgot, reset (en)", false, []mailIn{
		{"owen@corp.example", "Account locked", "My account is locked after I mistyped my password three times."},
		{"paula@corp.example", "Forgot my password", "I forgot my password over the holidays, can you reset it?"},
		{"quinn@corp.example", "Password expired", "My password expired this morning, please reset my account."},
	}},
	{"unlock, change, new account (both)", false, []mailIn{
		{"rose@corp.example", "Déverrouiller mon compte", "Pouvez-vous déverrouiller mon compte ? Merci."},
		{"sam.b@corp.example", "Change password", "How do I change my password before it expires?"},
		{"tina@corp.example", "Compte pour un stagiaire", "Bonjour, merci de créer un compte à notre nouvelle stagiaire, Julie Martin."},
	}},
	{"nobody can log in", true, []mailIn{
		{"ugo@corp.example", "Connexion impossible pour tout le monde", "Personne ne peut ouvrir sa session Windows ce matin : mot de passe refusé."},
		{"vera@corp.example", "Nobody can log in", "Nobody can log in to Windows this morning, password refused."},
		{"will@corp.example", "Windows refuse les mots de passe", "Windows refuse mon mot de passe ce matin, mes collègues aussi : personne ne peut se connecter."},
	}},
	{"authentication for everyone (fr)", true, []mailIn{
		{"xavier@corp.example", "Authentification impossible", "Authentification impossible pour tout le monde depuis 9h."},
		{"yasmine@corp.example", "Problème d'authentification", "Plus personne ne peut se connecter, l'authentification échoue."},
		{"zoe@corp.example", "authentification en panne", "L'authentification ne marche plus pour tout le service."},
	}},
	{"SSO down", true, []mailIn{
		{"adam@corp.example", "SSO en panne", "Le SSO ne marche plus, aucune application ne s'ouvre."},
		{"bea@corp.example", "SSO down", "SSO is down, no application opens."},
		{"carl@corp.example", "Plus de SSO", "La page du SSO reste blanche, aucune application ne s'ouvre."},
	}},
	{"error AADSTS50076", true, []mailIn{
		{"dora@corp.example", "Error AADSTS50076 at sign in", "Teams says error AADSTS50076 when I sign in, my password is right."},
		{"eric@corp.example", "AADSTS50076", "Erreur AADSTS50076 à la connexion à Outlook avec mon compte."},
		{"fanny@corp.example", "Sign-in error AADSTS50076", "I get AADSTS50076 when I log in to the portal."},
	}},
}

// TestIncidentNotOnPersonalAccounts: requests about their writers' own accounts (locked,
// forgotten, expired, to reset, unlock, change or create) are independent requests however many
// arrive together: they make no incident. An accounts outage (nobody can log in, authentication
// fails for everyone, SSO down, an error code) still does.
func TestIncidentNotOnPersonalAccounts(t *testing.T) { testLabelledGroups(t, accountRequests) }

// seedOneOffs gives the desk (detecting no incident) the labelled week's one-off requests, a week
// before t0, so that words are as common as on a desk in use; it returns t0.
func seedOneOffs(t *testing.T, d *Desk) time.Time {
	t.Helper()
	var batch []mailIn
	for _, r := range loadWeek(t) {
		if r.outage == "" {
			batch = append(batch, mailIn{r.from, r.subject, r.text})
		}
	}
	ingestGroup(t, d, t0.AddDate(0, 0, -7), batch)
	return t0
}

// TestPersonalAccount: a request about its writer's own account, and one where the account
// service fails, told apart from their index terms.
func TestPersonalAccount(t *testing.T) {
	for _, c := range []struct {
		lang, text string
		personal   bool
	}{
		{"fr", "J'ai oublié mon mot de passe.", true},
		{"fr", "Mon compte est verrouillé.", true},
		{"en", "My password expired, please reset it.", true},
		{"en", "I need an account created for a new starter.", true},
		{"fr", "Mot de passe refusé alors qu'il est correct.", false},
		{"en", "I cannot log in, it says my password is wrong but I just reset it yesterday.", false},
		{"en", "Password expired for everyone this morning?", false},
		{"en", "Error AADSTS50076 when I reset my password.", false},
		{"fr", "L'imprimante est bloquée.", false}, // No account word.
		{"en", "What is the guest Wi-Fi password?", false},
	} {
		if got := personalAccount(analyze(c.text, c.lang)); got != c.personal {
			t.Errorf("%q: personal %v, want %v (terms %v)", c.text, got, c.personal, analyze(c.text, c.lang))
		}
	}
}

// ricohSC542 are five reports of the third floor's printer showing SC542, in French and English.
var ricohSC542 = []mailIn{
	{"anne@corp.example", "Imprimante du 3ème étage hors service", "L'imprimante du 3ème étage (Ricoh) affiche erreur SC542 et n'imprime plus."},
	{"tom.b@corp.example", "3rd floor printer down", "The Ricoh on the 3rd floor shows error SC542, nothing prints."},
	{"lucie@corp.example", "Imprimante 3e étage en panne", "Erreur SC542 sur l'imprimante du 3e étage."},
	{"mike@corp.example", "Printer 3rd floor SC542", "Printer on the third floor displays SC542."},
	{"nadege@corp.example", "Imprimante 3ème étage", "L'imprimante affiche SC542, plus rien ne sort au 3ème étage."},
}

// TestIncidentApartByPlaceOrCode: a printer of another floor (named in its subject), or one
// showing another error code, does not join an outage of the third floor's printer showing
// SC542; and a request already being worked on its own (escalated, answered, a vendor in copy)
// is not absorbed into it, even of the same floor: its technician links it if it is the same.
func TestIncidentApartByPlaceOrCode(t *testing.T) {
	for name, fts4 := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			d := newSearchDesk(t, fts4)
			at := seedOneOffs(t, d)
			if err := d.SetConfig(parseTestConfig(t, incidentConfigTOML)); err != nil {
				t.Fatal(err)
			}
			apart := ingestGroup(t, d, at, []mailIn{
				{"benoit@corp.example", "Problème imprimante 2ème étage", "L'imprimante du 2ème étage affiche « Bourrage papier » et n'imprime plus."},
				{"carole@corp.example", "Imprimante 3ème étage : erreur SC320", "L'imprimante du 3ème étage affiche l'erreur SC320 et n'imprime plus."},
			})
			worked := ingestGroup(t, d, at.Add(time.Minute), []mailIn{
				{"priya.r@corp.example", "Printer on the 3rd floor keeps jamming", "The printer on the 3rd floor keeps jamming, nothing prints."},
			})[0]
			if err := d.Do(context.Background(), worked.ID, at.Add(2*time.Minute), func(tx *Tx, tk *Ticket) error {
				if err := tx.Escalate(tk, "needs the vendor", "alice@corp.example"); err != nil {
					return err
				}
				return tx.AddWatcher(tk, "support@kyocera-support.example", "chloe@corp.example")
			}); err != nil {
				t.Fatal(err)
			}
			var outage []*Ticket
			for i, m := range ricohSC542 {
				outage = append(outage, ingestGroup(t, d, at.Add(time.Duration(6+i)*time.Minute), []mailIn{m})...)
			}
			inc := mustTicket(t, d, outage[2].ID).Incident
			if inc == 0 {
				t.Fatal("five reports of SC542 on the third floor made no incident")
			}
			for _, tk := range outage {
				if got := mustTicket(t, d, tk.ID); got.Incident != inc {
					t.Errorf("%q linked to %d, want incident #%d", got.Subject, got.Incident, inc)
				}
			}
			for _, tk := range append(apart, worked) {
				if got := mustTicket(t, d, tk.ID); got.Incident != 0 {
					t.Errorf("%q linked to incident #%d: %s", got.Subject, got.Incident, got.Explain)
				}
			}
		})
	}
}

// TestMarks: places are read from subjects, next to their place words; error codes from texts.
func TestMarks(t *testing.T) {
	m := func(subject, text, lang string) marks {
		return marksOf(analyze(subject+" "+text, lang), placeTerms(subject, lang))
	}
	for _, c := range []struct {
		a, b  marks
		apart bool
	}{
		{m("Problème imprimante 2ème étage", "", "fr"), m("3rd floor printer down", "", "en"), true},
		{m("Imprimante troisième étage", "", "fr"), m("3rd floor printer down", "", "en"), false},
		{m("Imprimante RDC", "", "fr"), m("Printer ground floor", "", "en"), false},
		{m("Vidéoprojecteur salle 204", "", "fr"), m("Projector room 12", "", "en"), true},
		{m("Imprimante bâtiment B", "", "fr"), m("Imprimante bâtiment F", "", "fr"), true},
		{m("Wifi lent bâtiment A", "", "fr"), m("Wi-Fi down in building B", "", "en"), true}, // "a" is a stopword of the index.
		{m("Building A wifi down", "", "en"), m("Wifi HS bât. A", "", "fr"), false},
		{m("Imprimante en panne", "erreur SC542", "fr"), m("Printer broken", "error SC320", "en"), true},
		{m("VPN", "erreur 809", "fr"), m("VPN down", "error 809 on the 3rd floor", "en"), false},
		{m("VPN", "erreur 809", "fr"), m("VPN down", "error 800", "en"), true},
		{m("Lecteur Z:", "au 2e étage le lecteur a disparu", "fr"), m("Z drive gone", "on the 4th floor", "en"), false},
		{m("Imprimante 3e étage", "", "fr"), m("Imprimante", "au 2e étage", "fr"), false},
	} {
		if got := c.a.apart(c.b); got != c.apart {
			t.Errorf("%+v / %+v: apart %v, want %v", c.a, c.b, got, c.apart)
		}
	}
}

// TestIncidentToldInOwnThread: a linked requester who also watches another linked request (Tom,
// in copy of Priya's) gets the incident's update and resolution once, in his own request's
// thread, not in Priya's.
func TestIncidentToldInOwnThread(t *testing.T) {
	d := newIncidentDesk(t, false)
	var tks []*Ticket
	for i, r := range vpnDown {
		tks = append(tks, openTicket(t, d, t0.Add(time.Duration(5*i)*time.Minute), r))
	}
	tom := openTicket(t, d, t0.Add(20*time.Minute), NewTicket{Subject: "VPN erreur 809", Text: "Le VPN ne se connecte plus, erreur 809.",
		Requester: "tom@corp.example", Language: "fr"})
	inc := mustTicket(t, d, tom.ID).Incident
	if inc == 0 || mustTicket(t, d, tks[1].ID).Incident != inc {
		t.Fatalf("Tom's and Priya's requests are not linked to one incident")
	}
	if err := d.Do(context.Background(), inc, t0.Add(time.Hour), func(tx *Tx, tk *Ticket) error {
		if err := tx.IncidentUpdate(tk, "Le fournisseur intervient.", "alice@corp.example"); err != nil {
			return err
		}
		return tx.Resolve(tk, "Le concentrateur VPN a été redémarré.", "alice@corp.example")
	}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range mailsTo(t, d, "tom@corp.example") {
		if strings.HasPrefix(m, KindUpdate+" ") || strings.HasPrefix(m, KindResolved+" ") {
			got = append(got, m)
		}
	}
	want := []string{KindUpdate + " #" + itoa(tom.ID), KindResolved + " #" + itoa(tom.ID)}
	if !slices.Equal(got, want) {
		t.Errorf("Tom's incident mails: %v, want %v (his own thread, once each)", got, want)
	}
	// Priya still gets hers, without Tom in copy.
	if n := noticeOf(t, d, "priya@corp.example", KindResolved); n.Ticket.ID != tks[1].ID {
		t.Errorf("Priya's resolution is for #%d, want #%d", n.Ticket.ID, tks[1].ID)
	}
}

// TestAssignToAwayTechnician: a ticket handed by hand to a technician who is away is theirs, as
// asked, but the history says they are away and the one who assigned it is told, in their
// language, with how to hand it on; assigning to someone present tells nobody so.
func TestAssignToAwayTechnician(t *testing.T) {
	d := newTestDesk(t)
	tk := openTicket(t, d, t0, NewTicket{Subject: "Installer Power BI", Text: "Pouvez-vous installer Power BI ?", Requester: "gerard@corp.example", Language: "fr"})
	inTx(t, d, func(tx *Tx) error { return tx.SetAway("bob@corp.example", t0.Add(72*time.Hour)) })
	if err := d.Do(context.Background(), tk.ID, t0.Add(time.Minute), func(tx *Tx, tk *Ticket) error {
		return tx.Assign(tk, "bob@corp.example", "alice@corp.example")
	}); err != nil {
		t.Fatal(err)
	}
	if got := mustTicket(t, d, tk.ID); got.Assignee != "bob@corp.example" {
		t.Fatalf("assigned to %q, want bob as asked", got.Assignee)
	}
	n := noticeOf(t, d, "alice@corp.example", KindUpdate)
	if n.Event != "assigned-away" || !strings.Contains(n.Reason, "Bob Smith") || n.Ticket.ID != tk.ID {
		t.Errorf("alice's notice: event %q, reason %q, ticket #%d", n.Event, n.Reason, n.Ticket.ID)
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM events WHERE ticket_id = ? AND kind = 'note' AND text LIKE '%who is away until%'`, tk.ID); n != 1 {
		t.Errorf("%d notes of the absence in the history, want 1", n)
	}
	// To someone present: nothing of the kind.
	if err := d.Do(context.Background(), tk.ID, t0.Add(2*time.Minute), func(tx *Tx, tk *Ticket) error {
		return tx.Assign(tk, "chloe@corp.example", "alice@corp.example")
	}); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM outbox JOIN outbox_data USING (id) WHERE kind = 'update' AND data LIKE '%assigned-away%'`); n != 1 {
		t.Errorf("%d absence notices, want the one for bob", n)
	}
}
