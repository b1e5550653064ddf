package tickets

import (
	"context"
	"strings"
	"testing"
)

// TestMessageIDCase: a Message-ID is kept as received, and two IDs that differ only in case are
// two mails; a reply threads by the ID as its References write it. The mails recorded before IDs
// kept their case (folded to lower case) are still found, so that a mail processed then is not
// processed again; and the desk's own IDs, written back in capitals by a mail program, still
// thread.
func TestMessageIDCase(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	// Before: a mail recorded folded, as deskd did, then the upgrade's cut-off.
	ingest(t, d, t0, request("old.id@mail.example", "celine@corp.example", "Imprimante", "L'imprimante est bloquée."))
	foldedSoFar(t, d)
	if again := ingest(t, d, t0, request("OLD.Id@mail.example", "celine@corp.example", "Imprimante", "L'imprimante est bloquée.")); again[0].Action != ActionDuplicate {
		t.Errorf("the mail recorded folded was processed again: %+v", again[0])
	}
	if ok, err := d.Store.HasMessage(ctx, "OLD.Id@mail.example"); err != nil || !ok {
		t.Errorf("HasMessage of the folded mail: %v, %v", ok, err)
	}
	reply := request("r1@mail.example", "celine@corp.example", "Re: Imprimante", "Toujours bloquée.")
	reply.References = []string{"OLD.Id@mail.example"}
	if o := ingest(t, d, t0, reply); o[0].TicketID != 1 || o[0].Action == ActionOpened {
		t.Errorf("a reply to the folded mail: %+v", o[0])
	}

	// After: Gmail's IDs are base64, in both cases.
	a := ingest(t, d, t0, request("CAF+Ab=X@mail.gmail.com", "celine@corp.example", "VPN", "Le VPN ne marche plus."))
	b := ingest(t, d, t0, request("caf+ab=x@mail.gmail.com", "paul@corp.example", "Ecran", "Mon écran est noir."))
	if a[0].Action != ActionOpened || b[0].Action != ActionOpened || a[0].TicketID == b[0].TicketID {
		t.Fatalf("two mails whose IDs differ in case: %+v, %+v", a[0], b[0])
	}
	if tk, err := d.Store.Ticket(ctx, a[0].TicketID); err != nil || tk.OriginMessageID != "CAF+Ab=X@mail.gmail.com" {
		t.Errorf("origin %q, %v", tk.OriginMessageID, err)
	}
	if ok, _ := d.Store.HasMessage(ctx, "Caf+Ab=X@mail.gmail.com"); ok {
		t.Error("HasMessage matched another case of a recent mail's ID")
	}
	follow := request("r2@mail.example", "celine@corp.example", "Re: VPN", "Et maintenant le wifi aussi.")
	follow.References = []string{"CAF+Ab=X@mail.gmail.com"}
	if o := ingest(t, d, t0, follow); o[0].TicketID != a[0].TicketID {
		t.Errorf("the reply by References went to #%d, want #%d", o[0].TicketID, a[0].TicketID)
	}

	// The desk's own signed ID, in capitals.
	own := d.Signer.CopyID(rootID(t, d, a[0].TicketID), a[0].TicketID, "celine@corp.example")
	upper := request("r3@mail.example", "celine@corp.example", "RE: VPN", "Merci.")
	upper.InReplyTo = []string{strings.ToUpper(own)}
	if o := ingest(t, d, t0, upper); o[0].TicketID != a[0].TicketID {
		t.Errorf("the desk's ID in capitals went to #%d, want #%d", o[0].TicketID, a[0].TicketID)
	}
}
