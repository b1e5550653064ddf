package tickets

import (
	"testing"
	"time"
)

// TestStrangerAnswerToRequestNamesIt: someone not on a ticket answers all to its request's own
// mail (In-Reply-To its Message-ID): a new request, which follows up that ticket so that its
// technician sees what it is about (review finding H19).
func TestStrangerAnswerToRequestNamesIt(t *testing.T) {
	d := newTestDesk(t)
	first := ingest(t, d, t0, request("req@x", "sophie@corp.example", "Partage réseau S: inaccessible", "Le lecteur S: a disparu."))[0]
	answer := request("aud@x", "auditor@partner.example", "RE: Partage réseau S: inaccessible", "Nous avons le même souci.")
	answer.InReplyTo, answer.References = []string{"req@x"}, []string{"req@x"}
	o := ingest(t, d, t0.Add(time.Minute), answer)[0]
	if o.Action != ActionOpened || o.TicketID == first.TicketID {
		t.Fatalf("outcome %+v", o)
	}
	if got := mustTicket(t, d, o.TicketID); got.LinkedTicket != first.TicketID {
		t.Errorf("the new request follows up #%d, want #%d", got.LinkedTicket, first.TicketID)
	}
}
