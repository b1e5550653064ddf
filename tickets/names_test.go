package tickets

import (
	"context"
	"testing"
)

// TestNamesFromMail: the display names a requester's mail gives its sender and its copies name
// them in the desk's mails (Outlook's "Last, First" as written); a later mail never renames a
// person, and neither staff nor the desk take a name from a mail.
func TestNamesFromMail(t *testing.T) {
	d := newTestDesk(t)
	const marie, sophie = "m.dupont@corp.example", "sophie.girard@corp.example"
	in := request("n1@mail", marie, "Imprimante en panne", "L'imprimante du 2e étage ne marche plus.")
	in.FromName = "Dupont, Marie"
	in.Cc = []string{sophie}
	in.Names = map[string]string{marie: "Dupont, Marie", sophie: "Girard, Sophie",
		"helpdesk@corp.example": "Evil Desk", "alice@corp.example": "Not Alice", "x@corp.example": "x@corp.example"}
	ingest(t, d, t0, in)

	due, err := d.Store.DueMail(context.Background(), "", t0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var ack *OutboxMail
	for i := range due {
		if due[i].Kind == KindAck {
			ack = &due[i]
		}
	}
	if ack == nil {
		t.Fatalf("no ack among %d mails", len(due))
	}
	if n := ack.Notice.Names; n[marie] != "Dupont, Marie" || n[sophie] != "Girard, Sophie" || len(n) != 2 {
		t.Errorf("the ack's names %v", n)
	}
	if ack.Notice.RecipientName != "Dupont, Marie" {
		t.Errorf("recipient name %q", ack.Notice.RecipientName)
	}

	// Another mail gives Sophie another name: she keeps hers.
	again := request("n2@mail", "paul@corp.example", "Ecran noir", "Mon écran reste noir.")
	again.Names = map[string]string{sophie: "Mallory", "paul@corp.example": "Martin, Paul"}
	ingest(t, d, t0, again)
	err = d.Update(context.Background(), t0, func(tx *Tx) error {
		for addr, want := range map[string]string{sophie: "Girard, Sophie", "paul@corp.example": "Martin, Paul",
			"alice@corp.example": "Alice Martin", "helpdesk@corp.example": "helpdesk@corp.example", "x@corp.example": "x@corp.example"} {
			if got := tx.nameOf(addr); got != want {
				t.Errorf("%s is named %q, want %q", addr, got, want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
