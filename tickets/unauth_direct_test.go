package tickets

import (
	"testing"
	"time"
)

// TestUnauthenticatedDirectAnswer: a technician answers the requester's own mail, the desk in
// copy, from a mail the desk cannot authenticate. It is kept as an internal note, and the notice
// to the technician says the requester has the mail already (not "send it again"), with no
// command line where there was none (review finding H5).
func TestUnauthenticatedDirectAnswer(t *testing.T) {
	d := trustingDesk(t)
	ingest(t, d, t0, request("q@m", "helene@corp.example", "Imprimante", "bourrage permanent"))
	answer := techWrite("a@m", "alice@corp.example", "Bonjour Hélène, j'arrive dans 10 minutes.")
	answer.To, answer.Cc = []string{"helene@corp.example"}, []string{"helpdesk@corp.example"}
	if o := ingest(t, d, t0.Add(time.Minute), answer)[0]; o.Action != ActionUnauthenticated {
		t.Fatalf("action %s", o.Action)
	}
	n := noticeOf(t, d, "alice@corp.example", KindRejected)
	if !n.Kept || !n.Direct || n.Command != "" {
		t.Fatalf("notice kept %v direct %v command %q", n.Kept, n.Direct, n.Command)
	}
}
