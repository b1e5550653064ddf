package tickets

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestChaseSubject(t *testing.T) {
	for _, tt := range []struct{ subject, want string }{
		{"TR: Imprimante couleur en panne", "imprimante couleur en panne"},
		{"Fwd: Printer jammed on floor 3", "printer jammed on floor 3"},
		{"Relance : Imprimante couleur en panne", "imprimante couleur en panne"},
		{"2e relance - TR : Imprimante couleur en panne", "imprimante couleur en panne"},
		{"RE: TR: Accès VPN refusé", "acces vpn refuse"},
		{"Reminder: VPN access", "vpn access"},
		{"Imprimante couleur en panne", ""}, // Written anew, not a chase.
		{"TR: Question", ""},                // Too short to name one request.
		{"Relance", ""},
	} {
		if got := chaseSubject(tt.subject, "HD"); got != tt.want {
			t.Errorf("chaseSubject(%q) = %q, want %q", tt.subject, got, tt.want)
		}
	}
}

// TestChaseJoinsTheOpenRequest: a requester who forwards her own request, or writes "Relance :"
// under its subject, with no threading field the desk knows, adds to her open request: no
// second ticket, no second acknowledgement.
func TestChaseJoinsTheOpenRequest(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	o := ingest(t, d, t0, request("orig@m", "chantal@corp.example", "Imprimante couleur en panne", "L'imprimante couleur du 2e ne sort plus rien."))
	first := o[0].TicketID
	acks := countRows(t, d, `SELECT COUNT(*) FROM outbox WHERE kind = 'ack'`)

	chase := request("chase1@m", "chantal@corp.example", "TR: Imprimante couleur en panne",
		"Relance : toujours pas de nouvelles ?\n\nDe : Chantal\nEnvoyé : lundi\nObjet : Imprimante couleur en panne\n\nL'imprimante couleur du 2e ne sort plus rien.")
	o = ingest(t, d, t0.Add(26*time.Hour), chase)
	if o[0].Action == ActionOpened || o[0].TicketID != first {
		t.Fatalf("the forward of her own request: %+v, want it added to #%d", o[0], first)
	}
	o = ingest(t, d, t0.Add(50*time.Hour), request("chase2@m", "chantal@corp.example", "Relance : Imprimante couleur en panne", "Des nouvelles ?"))
	if o[0].Action == ActionOpened || o[0].TicketID != first {
		t.Fatalf("a chase by its subject: %+v, want it added to #%d", o[0], first)
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM outbox WHERE kind = 'ack'`); n != acks {
		t.Errorf("%d acknowledgements after the chases, want %d", n, acks)
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM tickets`); n != 1 {
		t.Errorf("%d tickets, want 1", n)
	}

	// Not a chase: someone else's forward under the same subject, her forward of another
	// subject, and a chase of a request closed or opened too long ago.
	o = ingest(t, d, t0.Add(51*time.Hour), request("other@m", "marc@corp.example", "TR: Imprimante couleur en panne", "Chez nous aussi."))
	if o[0].TicketID == first {
		t.Errorf("another person's forward joined her request")
	}
	o = ingest(t, d, t0.Add(52*time.Hour), request("fwd@m", "chantal@corp.example", "TR: Facture fournisseur", "Pouvez-vous regarder cette facture ?"))
	if o[0].Action != ActionOpened {
		t.Errorf("her forward of another subject: %+v, want a ticket of its own", o[0])
	}
	late := t0.Add((chaseDays + 1) * 24 * time.Hour)
	o = ingest(t, d, late, request("late@m", "chantal@corp.example", "Relance : Imprimante couleur en panne", "Toujours rien."))
	if o[0].Action != ActionOpened {
		t.Errorf("a chase %d days after the request: %+v, want a ticket of its own", chaseDays+1, o[0])
	}
	tk, err := d.Store.Ticket(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Status == StatusClosed {
		t.Fatalf("ticket closed")
	}
}

// TestChaseSubjectWithoutMarks: a subject without a bracket, a colon or a dash chases nothing,
// as the expressions find (chaseSubject skips them).
func TestChaseSubjectWithoutMarks(t *testing.T) {
	subjects := []string{"", "Relance imprimante bloquée", "2e relance  VPN toujours en panne", "Reminder  badge",
		"Rappel\u00a0écran noir", "RE TR Suivi dossier", "Follow up on my laptop", "relance\u3000Œuvre ÉCRAN",
		"\xff relance \xfe x", "Suivi Straße"}
	parts := []string{"relance", "Rappel", "suivi", "RE", "TR", "2e", "nouvelle", " ", "  ", "\t", "\u00a0", "\u2028",
		"É", "é", "ß", "œ", "’", "\xff", "HD", "#3", "imprimante", "VPN", "(", ".", "urgent"}
	subjects = append(subjects, randomTexts(5, 6, parts, 2000, 10)...)
	for _, s := range subjects {
		if strings.ContainsAny(s, "[:：-") {
			t.Fatalf("%q has a mark", s)
		}
		if got, want := chaseSubject(s, "HD"), chaseSubjectByExpressions(s, "HD"); got != want {
			t.Errorf("chaseSubject(%q) = %q, by the expressions %q", s, got, want)
		}
	}
}
