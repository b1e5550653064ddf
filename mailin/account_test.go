package mailin

import (
	"context"
	"testing"
)

// TestAnotherAccountIsAFirstRun: the desk moved from one account to another on the same server,
// whose INBOX numbers its mail from the same UIDVALIDITY (1 for each user here, as on servers
// that count per account). The record of the first account's INBOX (last UID 3) must not make
// the new account's unseen mail (UID 1) look done: the first pass on it is a first run, which
// takes unseen mail.
func TestAnotherAccountIsAFirstRun(t *testing.T) {
	srv := newTestServer(t, "support")
	deliver := func(user, raw string) { srv.deliverTo(t, srv.users[user], "INBOX", raw) }

	d := newDesk(t, srv.addr, "", 100)
	ctx := context.Background()
	for _, id := range []string{"h1@x", "h2@x", "h3@x"} {
		deliver("helpdesk", testMail(id, "anne@corp.example", "Imprimante "+id, "L'imprimante est bloquée."))
	}
	if st, err := d.ingester().Once(ctx); err != nil || st.Opened != 3 {
		t.Fatalf("helpdesk: %+v %v", st, err)
	}
	deliver("support", testMail("s1@x", "marc@corp.example", "Clavier", "Mon clavier ne marche plus."))
	d.settings.IMAP.Username = "support"
	st, err := d.ingester().Once(ctx)
	if err != nil || st.Opened != 1 {
		t.Fatalf("support, after the move: %+v %v (its unseen mail skipped as done?)", st, err)
	}
	if ok, err := d.HasMessage(ctx, "s1@x"); err != nil || !ok {
		t.Fatalf("support's mail not recorded: %v %v", ok, err)
	}
	// A record made before accounts were kept is taken as the configured account's.
	cfg := d.settings.IMAP
	legacy := `{"uidvalidity":1,"last_uid":1}`
	if err := d.Desk.SetMailboxState(ctx, "INBOX", []byte(legacy)); err != nil {
		t.Fatal(err)
	}
	if s, err := d.ingester().loadState(ctx, cfg); err != nil || !s.recorded || s.LastUID != 1 || s.Account != account(cfg) {
		t.Fatalf("legacy record: %+v %v", s, err)
	}
}
