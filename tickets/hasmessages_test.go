package tickets

import (
	"context"
	"fmt"
	"testing"
)

// TestHasMessages: the batch look-up answers as HasMessage does for each ID: a mail recorded
// folded to lower case before IDs kept their case is found by any case of its ID, a later mail by
// its own ID only; over more IDs than one query takes, and with an ID asked twice.
func TestHasMessages(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	ingest(t, d, t0, request("old.id@mail.example", "celine@corp.example", "Imprimante", "L'imprimante est bloquée."))
	foldedSoFar(t, d)
	ingest(t, d, t0, request("CAF+Ab=X@mail.gmail.com", "celine@corp.example", "VPN", "Le VPN ne marche plus."))
	ingest(t, d, t0, request("late@mail.example", "paul@corp.example", "Ecran", "Mon écran est noir."))
	ids := []string{"OLD.Id@mail.example", "old.id@mail.example", "CAF+Ab=X@mail.gmail.com", "caf+ab=x@mail.gmail.com",
		"Caf+Ab=X@mail.gmail.com", "late@mail.example", "LATE@mail.example", "new@mail.example"}
	for i := range 200 { // A batch's worth of IDs in one list.
		ids = append(ids, fmt.Sprintf("none%d@mail.example", i))
	}
	ids = append(ids, "late@mail.example", "OLD.ID@MAIL.EXAMPLE") // After 200 others, and asked twice.
	got, err := d.Store.HasMessages(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, id := range ids {
		want, err := d.Store.HasMessage(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got[id] != want {
			t.Errorf("HasMessages[%q] = %v, HasMessage %v", id, got[id], want)
		}
		if want {
			found++
		}
	}
	if found != 6 { // The old mail in three cases, the Gmail mail in its own, the late one twice.
		t.Errorf("%d IDs found, want 6", found)
	}
	if none, err := d.Store.HasMessages(ctx, nil); err != nil || len(none) != 0 {
		t.Errorf("no IDs: %v, %v", none, err)
	}
}
