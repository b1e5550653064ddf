package tickets

import (
	"encoding/json"
	"slices"
	"testing"
	"time"
)

// queuedNotices returns the notices queued of a kind, by recipient.
func queuedNotices(t *testing.T, d *Desk, kind string) map[string]Notice {
	t.Helper()
	rows, err := d.Store.Reader().Query(`SELECT recipients, data FROM outbox JOIN outbox_data USING (id) WHERE kind = ? ORDER BY id`, kind)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]Notice{}
	for rows.Next() {
		var to, data string
		if err := rows.Scan(&to, &data); err != nil {
			t.Fatal(err)
		}
		var n Notice
		if err := json.Unmarshal([]byte(data), &n); err != nil {
			t.Fatal(err)
		}
		out[to] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestAssignedQuestionsInReadersLanguage: the assignment notice tells the technician what the
// acknowledgement asked the requester: the desk's own question, so in the technician's language,
// whatever the requester's. An English request assigned to a technician who reads French quoted
// the question in English.
func TestAssignedQuestionsInReadersLanguage(t *testing.T) {
	d := newTestDesk(t)
	openTicket(t, d, t0, NewTicket{Subject: "VPN down", Text: "Hello, the vpn does not connect any more.",
		Requester: "priya@corp.example", RequesterName: "Priya", Language: "en", MessageID: "q1@mail.example"})
	ack := queuedNotices(t, d, KindAck)[`["priya@corp.example"]`]
	if want := []string{"Which building and room are you in?"}; !slices.Equal(ack.Questions, want) {
		t.Errorf("acknowledgement asks %q, want %q (the requester's language)", ack.Questions, want)
	}
	assigned, ok := queuedNotices(t, d, KindAssigned)[`["alice@corp.example"]`]
	if !ok {
		t.Fatalf("no assignment notice to Alice: %v", outbox(t, d))
	}
	if want := []string{"Dans quel bâtiment et quel bureau êtes-vous ?"}; !slices.Equal(assigned.Questions, want) {
		t.Errorf("assignment notice to Alice (French) says the acknowledgement asked %q, want %q", assigned.Questions, want)
	}
}

// TestAwayRefusalInReadersLanguage: a refused #away tells the technician why in their language,
// all of it: the French refusal quoted the desk's English error ("date 2020-01-01 is in the
// past") inside its French sentence.
func TestAwayRefusalInReadersLanguage(t *testing.T) {
	for _, tt := range []struct {
		from, text, want string
	}{
		{"alice@corp.example", "#away until 2020-01-01", "date non comprise ou passée : #away until AAAA-MM-JJ (2020-01-01)"},
		{"alice@corp.example", "#away until demain", "date non comprise ou passée : #away until AAAA-MM-JJ (demain)"},
		{"bob@corp.example", "#away until 2020-01-01", "date not understood or past: #away until YYYY-MM-DD (2020-01-01)"},
	} {
		d := newTestDesk(t)
		ingest(t, d, t0, request("q@m", "celine@corp.example", "Wifi", "le wifi coupe"))
		if o := ingest(t, d, t0.Add(time.Minute), techReply(t, d, "t@m", tt.from, tt.text))[0]; o.Action != ActionRejected {
			t.Fatalf("%s: action %s, want %s", tt.text, o.Action, ActionRejected)
		}
		n, ok := queuedNotices(t, d, KindRejected)[`["`+tt.from+`"]`]
		if !ok || !slices.Equal(n.Problems, []string{tt.want}) {
			t.Errorf("%s to %s: problems %q, want %q", tt.text, tt.from, n.Problems, tt.want)
		}
	}
}
