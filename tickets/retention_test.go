package tickets

import (
	"context"
	"testing"
	"time"
)

func TestRetentionDropsRawAfterKeepRaw(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	cfg := *d.Config()
	cfg.Desk.KeepRaw.Duration = 30 * 24 * time.Hour
	if err := d.SetConfig(&cfg); err != nil {
		t.Fatal(err)
	}
	old := request("old@m", "celine@corp.example", "Screen", "screen broken")
	old.Raw = []byte("raw old")
	old.Attachments = []IncomingAttachment{{Name: "s.png", ContentType: "image/png", Size: 3, Data: []byte("png")}}
	recent := request("new@m", "paul@corp.example", "Printer", "printer")
	recent.Raw = []byte("raw new")
	auto := request("ooo@m", "x@corp.example", "Out of office", "away")
	auto.Verdict, auto.Raw = VerdictAutoReply, []byte("raw auto")
	ingest(t, d, t0, old, recent, auto)
	closeTicket := func(id int64, at time.Time) {
		if err := d.Do(ctx, id, at, func(tx *Tx, tk *Ticket) error {
			if err := tx.Resolve(tk, "done", "alice@corp.example"); err != nil {
				return err
			}
			return tx.Close(tk, ActorDesk)
		}); err != nil {
			t.Fatal(err)
		}
	}
	closeTicket(1, t0.Add(time.Hour))
	now := t0.Add(40 * 24 * time.Hour)
	closeTicket(2, now.Add(-24*time.Hour)) // Closed yesterday: kept.

	rep, err := d.RunPrune(ctx, now)
	if err != nil || rep.Tickets != 1 || rep.Messages != 2 || rep.Files != 1 {
		t.Fatalf("report %+v %v", rep, err)
	}
	raws := countRows(t, d, `SELECT COUNT(*) FROM messages WHERE raw IS NOT NULL`)
	if raws != 1 || countRows(t, d, `SELECT COUNT(*) FROM messages WHERE message_id = 'new@m' AND raw IS NOT NULL`) != 1 {
		t.Fatalf("%d raw mails left, want only the recent ticket's", raws)
	}
	atts, _ := d.Store.Attachments(ctx, 1)
	if len(atts) != 1 || atts[0].Name != "s.png" || !atts[0].Omitted {
		t.Fatalf("attachments %+v: the name stays, the content goes", atts)
	}
	if rep, _ := d.RunPrune(ctx, now); rep.Tickets != 0 || rep.Messages != 0 {
		t.Fatalf("second run did something: %+v", rep)
	}
	// keep_raw 0 keeps everything.
	cfg.Desk.KeepRaw.Duration = 0
	if err := d.SetConfig(&cfg); err != nil {
		t.Fatal(err)
	}
	if rep, _ := d.RunPrune(ctx, now.AddDate(10, 0, 0)); rep.Messages != 0 {
		t.Fatalf("keep_raw 0 pruned %+v", rep)
	}
}
