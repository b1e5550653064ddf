package tickets

import (
	"testing"
	"time"
)

// TestWriterOnBehalfRepliesIntoTicket: Sophie writes from her own address with Reply-To the
// service's shared mailbox, which becomes the requester; she reads the acknowledgement there and
// answers it from her own address. Her answer goes into the ticket, not into a new one as a
// stranger's (review finding H16). Someone else answering the same mail is still a stranger.
func TestWriterOnBehalfRepliesIntoTicket(t *testing.T) {
	d := newTestDesk(t)
	in := request("s1@x", "sophie@corp.example", "Scanner du service compta", "Le scanner ne numérise plus.")
	in.ReplyTo = "compta@corp.example"
	tk := mustTicket(t, d, ingest(t, d, t0, in)[0].TicketID)
	if tk.Requester != "compta@corp.example" {
		t.Fatalf("requester %s", tk.Requester)
	}
	ackID := d.Signer.CopyID(rootID(t, d, tk.ID), tk.ID, "compta@corp.example")
	reply := request("s2@x", "sophie@corp.example", "RE : [HD #"+itoa(tk.ID)+"] Demande reçue", "Le scanner est au 1er étage, bureau 104.")
	reply.InReplyTo = []string{ackID}
	if o := ingest(t, d, t0.Add(time.Minute), reply)[0]; o.TicketID != tk.ID || o.Action == ActionOpened {
		t.Fatalf("the writer's answer: %+v", o)
	}
	other := request("p1@x", "paul@corp.example", "RE : [HD #"+itoa(tk.ID)+"] Demande reçue", "Chez moi aussi.")
	other.InReplyTo = []string{ackID}
	if o := ingest(t, d, t0.Add(2*time.Minute), other)[0]; o.Action != ActionOpened || o.TicketID == tk.ID {
		t.Fatalf("someone else's answer: %+v", o)
	}
}
