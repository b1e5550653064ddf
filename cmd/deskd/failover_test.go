//go:build crash

package main

// The failover test: two `deskd serve` on one PostgreSQL database and a real Dovecot, requests
// pouring in, the instance that reads the mailbox killed with SIGKILL in the middle of batches,
// several times (each killed instance started again, to wait its turn). Then everything is
// counted: every request one ticket, one acknowledgement and one assignment notice; none lost,
// none doubled; duplicate sends (the same Message-ID accepted twice by the SMTP server) counted
// and reported; and the other instance must have taken over the mailbox within 10 s each time.
// Run it with test/failover.sh (2,000 mails, 5 kills by default); CI runs a short form.

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	deskconfig "github.com/deskd/deskd/cmd/deskd/config"
	"github.com/deskd/deskd/tickets"
	"github.com/deskd/deskd/tickets/storetest"
)

// TestPostgresFailover: DESKD_FAILOVER_MAILS requests (2,000), DESKD_FAILOVER_KILLS kills (5),
// DESKD_FAILOVER_SEED for the random moments.
func TestPostgresFailover(t *testing.T) {
	if _, err := os.Stat(dovecotBin); err != nil {
		t.Skipf("Dovecot is not installed (%s: %v)", dovecotBin, err)
	}
	if os.Geteuid() != 0 {
		t.Skip("the test starts its own Dovecot, which must run as root")
	}
	mails, kills := envInt("DESKD_FAILOVER_MAILS", 2000), envInt("DESKD_FAILOVER_KILLS", 5)
	seed := uint64(envInt("DESKD_FAILOVER_SEED", int(time.Now().UnixNano()%1e9)))
	rng := rand.New(rand.NewPCG(seed, seed))
	began := time.Now()

	url := storetest.Postgres(t)
	bin := buildDeskd(t)
	dc := newDovecot(t)
	dc.start(t)
	sink := newCountingSink(t)
	dir := filepath.Join(dc.dir, "deskd")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "deskd.toml")
	text := deskconfig.SetKey(deskconfig.Local(deskconfig.Sample(), dc.addr, "secret", sink.addr), "imap", "poll_interval", `"1s"`)
	text = deskconfig.SetKey(text, "desk", "database", fmt.Sprintf("%q", url))
	// Alike subjects repeated hundreds of times would open incidents, whose members get no
	// assignment notice of their own; the test counts one notice per ticket.
	text = deskconfig.SetKey(text, "incidents", "detect", "false")
	if err := os.WriteFile(config, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := deskconfig.LoadSecret(filepath.Join(dir, "deskd.secret")); err != nil { // Both share it.
		t.Fatal(err)
	}

	subjects := []string{"Le VPN ne se connecte plus", "Printer jams on every page", "Mot de passe expiré",
		"Outlook crashes at start", "Le wifi coupe sans arrêt", "Écran noir au démarrage"}
	requester := func(i int) string { return fmt.Sprintf("req%d@corp.example", i) }
	next := 0
	deliver := func(n int) {
		for ; n > 0 && next < mails; n-- {
			dc.deliver(t, mailText(map[string]string{
				"From": requester(next), "To": "helpdesk@corp.example", "Subject": subjects[next%len(subjects)],
				"Message-ID": fmt.Sprintf("<failover.%d.%d@client.example>", next, seed),
			}, fmt.Sprintf("Request %d. %s\n", next, subjects[next%len(subjects)])))
			next++
		}
	}
	// takes counts the times an instance took the mailbox.
	takes := func(s *served) int { return strings.Count(s.stderr.String(), "ingest role taken") }
	waitTake := func(s *served, before int, limit time.Duration) (time.Duration, bool) {
		start := time.Now()
		for time.Since(start) < limit {
			if takes(s) > before {
				return time.Since(start), true
			}
			select {
			case <-s.done:
				return time.Since(start), false
			case <-time.After(20 * time.Millisecond):
			}
		}
		return limit, false
	}

	a := startServe(t, bin, dir, config)
	if _, ok := waitTake(a, 0, 30*time.Second); !ok {
		t.Fatalf("the first instance never took the mailbox:\n%s", a.stderr.String())
	}
	b := startServe(t, bin, dir, config)
	all := []*served{a, b}
	holder, waiter := a, b
	var takeovers []time.Duration
	var killTimes []time.Time
	for k := range kills {
		time.Sleep(time.Second) // The waiter is connected and waiting.
		// A burst, and the kill while the holder reads it.
		share := (mails - next) / (kills + 1 - k)
		deliver(share / 2)
		time.Sleep(time.Duration(200+rng.IntN(800)) * time.Millisecond)
		deliver(share - share/2)
		time.Sleep(time.Duration(rng.IntN(400)) * time.Millisecond)
		before := takes(waiter)
		if err := holder.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatalf("kill %d: %v", k+1, err)
		}
		killTimes = append(killTimes, time.Now())
		<-holder.done
		took, ok := waitTake(waiter, before, 30*time.Second)
		if !ok {
			t.Fatalf("kill %d: the other instance did not take the mailbox over in 30 s:\n%s", k+1, waiter.stderr.String())
		}
		takeovers = append(takeovers, took)
		restarted := startServe(t, bin, dir, config)
		all = append(all, restarted)
		holder, waiter = waiter, restarted
	}
	deliver(mails)

	deadline := time.Now().Add(10 * time.Minute)
	for {
		tl := sink.tally()
		if len(tl.acks) >= mails && len(tl.notices) >= mails {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("10 minutes on: %d of %d requesters acknowledged, %d tickets notified; holder's log:\n%s",
				len(tl.acks), mails, len(tl.notices), holder.stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(3 * time.Second) // Nothing more may come.
	// deskd check says who reads the mailbox, and that both send.
	out, errs, code := runDeskd(t, bin, dir, "check", "--config", config)
	if code != 0 || !strings.Contains(out, "(postgres, schema") || !regexp.MustCompile(`(?m)^role ingest .*: held by deskd@`).MatchString(out) ||
		strings.Count(out, "sender alive: ") != 2 {
		t.Errorf("deskd check: exit %d; want the ingest role held and two live senders:\n%s%s", code, out, errs)
	}
	for _, s := range []*served{holder, waiter} {
		if code := s.stop(t, 30*time.Second); code != 0 {
			t.Errorf("deskd serve exited %d after SIGTERM", code)
		}
	}

	nTickets, distinct, counts := countDesk(t, url)
	tl := sink.tally()
	lost, doubledAcks, doubledNotices := tl.missing(mails, requester)
	seen, other := dc.maildirFlags(t)
	worst := slices.Max(takeovers)
	unexplained, allowed := sink.unexplainedDuplicates(t, killTimes), duplicatesAllowed(kills)
	summary := fmt.Sprintf("failover: %d mails, 2 instances on PostgreSQL, %d SIGKILLs of the reading instance (seed %d): "+
		"%d tickets (%d distinct requests), %d acknowledged, %d notified, %d lost; %d duplicate sends of %d (limit %d); "+
		"takeovers %v (longest %v); %v in all",
		mails, kills, seed, nTickets, distinct, len(tl.acks), len(tl.notices), lost, tl.duplicates, tl.sends, allowed,
		roundAll(takeovers), worst.Round(10*time.Millisecond), time.Since(began).Round(time.Second))
	fmt.Println(summary)
	t.Log(summary)
	if nTickets != mails || distinct != mails {
		t.Errorf("%d tickets for %d requests (%d distinct): a ticket lost or doubled", nTickets, mails, distinct)
	}
	if lost > 0 || doubledAcks > 0 || doubledNotices > 0 {
		t.Errorf("%d requests never acknowledged; %d acknowledged twice, %d tickets notified twice", lost, doubledAcks, doubledNotices)
	}
	if len(tl.notices) != mails {
		t.Errorf("%d tickets notified, want %d", len(tl.notices), mails)
	}
	if worst > 10*time.Second {
		t.Errorf("a takeover took %v, want at most 10 s", worst)
	}
	if tl.duplicates > allowed || unexplained > 0 {
		t.Errorf("%d duplicate sends (the same Message-ID accepted twice) in %d, want at most %d; %d with no kill within %v after the server accepted them",
			tl.duplicates, tl.sends, allowed, unexplained, crashWindow)
	}
	if counts[tickets.OutboxPending] != 0 || counts[tickets.OutboxFailed] != 0 {
		t.Errorf("outbox %v: want nothing pending or failed", counts)
	}
	if seen != mails || other != 0 {
		t.Errorf("Maildir: %d mails flagged \\Seen, %d not; want all %d", seen, other, mails)
	}
	if t.Failed() {
		for i, s := range all {
			if out := s.stderr.String(); strings.Contains(out, "level=ERROR") {
				t.Logf("instance %d:\n%s", i+1, out)
			}
		}
	}
}

func roundAll(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(10 * time.Millisecond)
	}
	return out
}
