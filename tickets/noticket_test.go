package tickets

import (
	"testing"
	"time"
)

// TestAnswerToDigestOpensNothing: a coordinator's answer to the digest (a desk mail about no
// ticket) opens no ticket, urgent with the digest's quoted lines as it was; she is told why. A
// person not on the team who answers such a mail (forwarded to them) still opens a request.
func TestAnswerToDigestOpensNothing(t *testing.T) {
	d := newTestDesk(t)
	in := request("n@x", "nadia@corp.example", "RE: [HD] Synthèse : 39 tickets ouverts",
		"Alice est absente, Bob reprend ses tickets.\n#assign bob@corp.example")
	in.InReplyTo = []string{"dk.0.AbCdEf123@corp.example"}
	in.History = in.Text + "\n\n> Tickets urgents : VPN en panne, réseau coupé au 3e"
	o := ingest(t, d, t0, in)[0]
	if o.Action != ActionRejected || o.TicketID != 0 {
		t.Fatalf("outcome %+v", o)
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM tickets`); n != 0 {
		t.Fatalf("%d tickets opened", n)
	}
	if m := mailsTo(t, d, "nadia@corp.example"); len(m) != 1 || m[0] != "rejected #0" {
		t.Fatalf("mails to Nadia %v", m)
	}
	other := request("o@x", "paul@corp.example", "RE: [HD] Synthèse", "Bonjour, mon écran ne s'allume plus.")
	other.InReplyTo = []string{"dk.0.XyZ987@corp.example"}
	if o := ingest(t, d, t0.Add(time.Minute), other)[0]; o.Action != ActionOpened {
		t.Fatalf("a requester's mail: %+v", o)
	}
}
