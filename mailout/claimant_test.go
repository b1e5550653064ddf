package mailout

import (
	"context"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/deskd/deskd/tickets"
)

// child starts a process that sleeps, and returns it as a claimant, with a function that kills it
// (as SIGKILL would a crashed deskd) and waits for it.
func child(t *testing.T) (Claimant, func()) {
	t.Helper()
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start a child process: %v", err)
	}
	c := Self()
	c.PID = cmd.Process.Pid
	start, err := startTime(c.PID)
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	c.Start = start
	kill := func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	t.Cleanup(kill)
	return c, kill
}

// zombie starts a process that sleeps and kills it without reaping it, as a crashed deskd stays
// where its parent has not yet waited for it (or nothing reaps orphans): its /proc entry remains.
func zombie(t *testing.T) Claimant {
	t.Helper()
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start a child process: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Wait() })
	c := Self()
	c.PID = cmd.Process.Pid
	start, err := startTime(c.PID)
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	c.Start = start
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; {
		if _, state, err := procStat(c.PID); err == nil && state == "Z" {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatal("the killed child never became a zombie")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestClaimant: what one process can tell of another's claim.
func TestClaimant(t *testing.T) {
	self := Self()
	if self.Boot == "" || self.Start == "" {
		t.Skip("no /proc here: claims wait for their lease")
	}
	if back, ok := ParseClaimant(self.String()); !ok || back != self {
		t.Fatalf("round trip: %+v → %q → %+v", self, self.String(), back)
	}
	if _, ok := ParseClaimant("garbage"); ok {
		t.Fatal("garbage parsed")
	}
	live, _ := child(t)
	dead, kill := child(t)
	kill()
	reused := live
	reused.Start = "1" // The PID of a live process, which started at another time than the claimant.
	otherBoot, otherMachine, otherNS, noProc := dead, dead, dead, dead
	otherBoot.Boot = "another-boot"
	otherMachine.Machine = "another-machine"
	otherNS.PIDNS = "pid:[1]"
	noProc.Boot = ""
	for _, c := range []struct {
		name string
		c    Claimant
		gone bool
	}{
		{"itself", self, false},
		{"a live process", live, false},
		{"a killed process", dead, true},
		{"a killed process not yet reaped", zombie(t), true},
		{"a reused PID", reused, true},
		{"the machine restarted since", otherBoot, true},
		{"another machine", otherMachine, false},
		{"another PID namespace", otherNS, false},
		{"no /proc where it ran", noProc, false},
	} {
		if got := self.Gone(c.c); got != c.gone {
			t.Errorf("%s (%s): gone %v, want %v", c.name, c.c, got, c.gone)
		}
	}
}

// TestClaimsOfAGoneProcess: the mails a killed process had claimed go with the next drain, not
// after the 5-minute lease; those of a live process, or of one on another machine, wait.
func TestClaimsOfAGoneProcess(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, r := range []string{"a", "b", "c"} {
		e.open(t0, tickets.NewTicket{Subject: "wifi", Text: "le wifi", Requester: r + "@corp.example"})
	}
	live, _ := child(t)
	dead, kill := child(t)
	kill()
	elsewhere := dead
	elsewhere.Machine = "another-machine"
	held := map[string][]tickets.OutboxMail{}
	for _, c := range []Claimant{dead, live, elsewhere} {
		m, err := e.store.DueMail(ctx, c.String(), t0, 2)
		if err != nil || len(m) != 2 {
			t.Fatalf("claim for %s: %d, %v", c, len(m), err)
		}
		held[c.String()] = m
	}
	if n := e.drain(t0.Add(time.Second)); n != 2 {
		t.Fatalf("sent %d at once, want the killed process's 2", n)
	}
	for _, m := range held[dead.String()] {
		if state := e.state(t, m.ID); state != tickets.OutboxSent {
			t.Errorf("mail %d of the killed process: %s", m.ID, state)
		}
	}
	for _, c := range []Claimant{live, elsewhere} {
		for _, m := range held[c.String()] {
			if ok, err := e.store.Renew(ctx, m, t0.Add(tickets.ClaimLease)); err != nil || !ok {
				t.Errorf("the claim of %s on mail %d was taken (%v)", c, m.ID, err)
			}
		}
	}
	if n := e.drain(t0.Add(tickets.ClaimLease + tickets.ClaimLease)); n != 4 {
		t.Fatalf("after the lease: sent %d, want the other 4", n)
	}
}

// state reads an outbox row's state.
func (e *env) state(t testing.TB, id int64) string {
	t.Helper()
	var state string
	if err := e.store.Reader().QueryRow(`SELECT state FROM outbox WHERE id = ?`, id).Scan(&state); err != nil {
		t.Fatal(err)
	}
	return state
}

// TestClaimsOfASilentSender: on another machine, a sender whose heartbeat stopped more than
// HeartbeatTimeout ago is gone, and its claims go with the next drain; one whose heartbeat is
// recent, or that never sent one, keeps its claims until the lease runs out.
func TestClaimsOfASilentSender(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, r := range []string{"a", "b", "c"} {
		e.open(t0, tickets.NewTicket{Subject: "wifi", Text: "le wifi", Requester: r + "@corp.example"})
	}
	claimant := func(machine string) Claimant {
		c := Self()
		c.Machine, c.PID = machine, 4242
		return c
	}
	silent, beating, never := claimant("machine-a"), claimant("machine-b"), claimant("machine-c")
	now := time.Now()
	if err := e.store.Heartbeat(ctx, silent.String(), now.Add(-HeartbeatTimeout-2*time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := e.store.Heartbeat(ctx, beating.String(), now.Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	held := map[string][]tickets.OutboxMail{}
	for _, c := range []Claimant{silent, beating, never} {
		m, err := e.store.DueMail(ctx, c.String(), now, 2)
		if err != nil || len(m) != 2 {
			t.Fatalf("claim for %s: %d, %v", c, len(m), err)
		}
		held[c.String()] = m
	}
	if n := e.drain(now); n != 2 {
		t.Fatalf("sent %d at once, want the silent sender's 2", n)
	}
	for _, m := range held[silent.String()] {
		if state := e.state(t, m.ID); state != tickets.OutboxSent {
			t.Errorf("mail %d of the silent sender: %s", m.ID, state)
		}
	}
	for _, c := range []Claimant{beating, never} {
		for _, m := range held[c.String()] {
			if state := e.state(t, m.ID); state != tickets.OutboxPending {
				t.Errorf("mail %d of %s: %s, want still pending", m.ID, c.Machine, state)
			}
		}
	}
}
