package tickets

import (
	"context"
	"testing"
	"time"

	"github.com/deskd/deskd/tickets/storetest"
)

// twoStores opens the same database twice, as two processes would.
func twoStores(t *testing.T, db string) (*Store, *Store) {
	t.Helper()
	var out [2]*Store
	for i := range out {
		s, err := OpenStore(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		out[i] = s
	}
	return out[0], out[1]
}

// TestRoleIsExclusive: one holder at a time; the other takes the role when it is released, and
// Roles says who holds it.
func TestRoleIsExclusive(t *testing.T) {
	testRoleIsExclusive(t, storetest.Database(t))
}

// TestPostgresRoleIsExclusive is TestRoleIsExclusive on PostgreSQL, whatever the suite runs on.
func TestPostgresRoleIsExclusive(t *testing.T) {
	testRoleIsExclusive(t, storetest.Postgres(t))
}

func testRoleIsExclusive(t *testing.T, db string) {
	ctx := context.Background()
	a, b := twoStores(t, db)
	ra, err := a.HoldRole(ctx, "ingest INBOX", "a")
	if err != nil {
		t.Fatal(err)
	}
	wait, cancel := context.WithTimeout(ctx, 1500*time.Millisecond)
	defer cancel()
	if _, err := b.HoldRole(wait, "ingest INBOX", "b"); err == nil {
		t.Fatal("two holders of one role")
	}
	if _, err := b.HoldRole(ctx, "ingest Other", "b"); err != nil {
		t.Fatalf("another role: %v", err)
	}
	roles, err := b.Roles(ctx)
	if err != nil || len(roles) != 2 || roles[0].Name != "ingest INBOX" || roles[0].Holder != "a" || !roles[0].Held {
		t.Fatalf("roles %+v, %v", roles, err)
	}
	got := make(chan time.Time, 1)
	go func() {
		if _, err := b.HoldRole(ctx, "ingest INBOX", "b"); err == nil {
			got <- time.Now()
		}
	}()
	time.Sleep(200 * time.Millisecond)
	released := time.Now()
	ra.Release()
	select {
	case at := <-got:
		if d := at.Sub(released); d > roleRetry+time.Second {
			t.Errorf("taken %v after its release", d)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the role was not taken after its release")
	}
	select {
	case <-ra.Lost():
	default:
		t.Error("a released role is not lost to its holder")
	}
}

// TestPostgresRoleLostWithConnection: when the server ends the session holding a role (as it
// does for a holder whose machine is gone), the holder hears it (Lost) and another process takes
// the role within 10 s.
func TestPostgresRoleLostWithConnection(t *testing.T) {
	ctx := context.Background()
	a, b := twoStores(t, storetest.Postgres(t))
	ra, err := a.HoldRole(ctx, "ingest INBOX", "deskd@a pid 1")
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan *Role, 1)
	go func() {
		r, err := b.HoldRole(ctx, "ingest INBOX", "deskd@b pid 2")
		if err == nil {
			got <- r
		}
	}()
	time.Sleep(300 * time.Millisecond)
	var n int
	if err := b.w.QueryRowContext(ctx, `SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = 'deskd deskd@a pid 1'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("terminated %d sessions: %v", n, err)
	}
	cut := time.Now()
	select {
	case <-ra.Lost():
		t.Logf("holder heard of its loss after %v", time.Since(cut).Round(time.Millisecond))
	case <-time.After(rolePing + rolePingTimeout + time.Second):
		t.Fatal("the holder did not hear that its connection ended")
	}
	select {
	case rb := <-got:
		t.Logf("taken over after %v", time.Since(cut).Round(time.Millisecond))
		roles, err := b.Roles(ctx)
		if err != nil || len(roles) != 1 || !roles[0].Held || roles[0].Holder != "deskd@b pid 2" || roles[0].Client == "" {
			t.Fatalf("roles %+v, %v", roles, err)
		}
		rb.Release()
	case <-time.After(10 * time.Second):
		t.Fatal("not taken over within 10 s")
	}
	ra.Release() // Lost already: releasing is harmless.
}

// TestClaimRun: of several processes firing one schedule, the first to claim a run does it.
func TestClaimRun(t *testing.T) {
	ctx := context.Background()
	a, b := twoStores(t, storetest.Database(t))
	at := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		s    *Store
		who  string
		at   time.Time
		want bool
	}{
		{a, "a", at, true},
		{b, "b", at.Add(2 * time.Second), false}, // Same run, fired by the other instance.
		{b, "b", at.Add(24 * time.Hour), true},   // The next day's.
		{a, "a", at.Add(24*time.Hour + time.Minute), false},
	} {
		ok, err := c.s.ClaimRun(ctx, "digest", c.who, c.at, 12*time.Hour)
		if err != nil || ok != c.want {
			t.Fatalf("%s at %v: %v, %v; want %v", c.who, c.at, ok, err, c.want)
		}
	}
	runs, err := a.JobRuns(ctx)
	if err != nil || len(runs) != 1 || runs[0].Holder != "b" || !runs[0].At.Equal(at.Add(24*time.Hour)) {
		t.Fatalf("runs %+v, %v", runs, err)
	}
}

// TestHeartbeats: a claimant's last heartbeat is kept, and listed while recent.
func TestHeartbeats(t *testing.T) {
	ctx := context.Background()
	d := newTestDesk(t)
	if _, ok, err := d.Store.HeartbeatAt(ctx, "x"); ok || err != nil {
		t.Fatalf("a heartbeat never sent: %v %v", ok, err)
	}
	for _, at := range []time.Time{t0, t0.Add(2 * time.Second)} {
		if err := d.Store.Heartbeat(ctx, "x", at); err != nil {
			t.Fatal(err)
		}
	}
	if at, ok, err := d.Store.HeartbeatAt(ctx, "x"); !ok || err != nil || !at.Equal(t0.Add(2*time.Second)) {
		t.Fatalf("heartbeat %v %v %v", at, ok, err)
	}
	if m, err := d.Store.Heartbeats(ctx, t0.Add(time.Minute)); err != nil || len(m) != 0 {
		t.Fatalf("old heartbeats listed: %v %v", m, err)
	}
}
