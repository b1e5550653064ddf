package tickets

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// withEnglishCoordinator adds Sam, a coordinator who reads English, after Nadia (French by the
// desk's default).
func withEnglishCoordinator(s string) string {
	return strings.Replace(s, "[[category]]", `[[coordinator]]
name = "Sam Taylor"
email = "sam@corp.example"
language = "en"

[[category]]`, 1)
}

// digestMail is an outbox digest as the golden files show it.
type digestMail struct {
	Kind       string   `json:"kind"`
	Recipients []string `json:"recipients"`
	Language   string   `json:"language"`
	TicketID   int64    `json:"ticket_id"`
	Notice     Notice   `json:"notice"`
}

func digestMails(t *testing.T, d *Desk) []digestMail {
	t.Helper()
	rows, err := d.Store.Reader().Query(`SELECT kind, recipients, language, ticket_id, data FROM outbox JOIN outbox_data USING (id) WHERE kind = 'digest' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []digestMail
	for rows.Next() {
		var m digestMail
		var to, data string
		if err := rows.Scan(&m.Kind, &to, &m.Language, &m.TicketID, &data); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(to), &m.Recipients); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(data), &m.Notice); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

func checkGolden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("differs from %s (go test -run %s -update):\n%s", golden, t.Name(), got)
	}
}

// seedDigestDesk builds a desk with a day of history before t0; the previous digest was at t0-24h.
func seedDigestDesk(t *testing.T) *Desk {
	d := newDeskTOML(t, withEnglishCoordinator)
	ctx := context.Background()
	do := func(id int64, now time.Time, fn func(*Tx, *Ticket) error) {
		t.Helper()
		if err := d.Do(ctx, id, now, fn); err != nil {
			t.Fatal(err)
		}
	}
	h := func(n float64) time.Time { return t0.Add(time.Duration(n * float64(time.Hour))) }
	if err := d.Update(ctx, h(-24), func(tx *Tx) error { return tx.SetKV(kvLastDigest, h(-24).Format(time.RFC3339)) }); err != nil {
		t.Fatal(err)
	}
	ask := func(at time.Time, subject, text, who string) *Ticket {
		return openTicket(t, d, at, NewTicket{Subject: subject, Text: text, Requester: who, Language: "fr"})
	}
	// Resolved before the period: not in the digest's resolutions.
	old := ask(h(-30), "Clavier cassé", "mon clavier ne marche plus", "marc@corp.example")
	do(old.ID, h(-26), func(tx *Tx, tk *Ticket) error { return tx.Resolve(tk, "clavier remplacé", "alice@corp.example") })
	// Open for 30 hours without an answer: breached.
	ask(h(-30), "Le VPN ne marche plus", "le vpn ne se connecte plus", "celine@corp.example")
	// Escalated in the period for a missed first response.
	ask(h(-10), "Wifi très lent", "le wifi est très lent au 3e étage", "priya@corp.example")
	if rep := runEscalation(t, d, h(-5)); len(rep.Escalated) != 2 {
		t.Fatalf("seed escalation: %+v", rep)
	}
	// Resolved in the period.
	res := ask(h(-20), "Installer Excel", "merci d'installer excel", "paul@corp.example")
	do(res.ID, h(-3), func(tx *Tx, tk *Ticket) error { return tx.Resolve(tk, "Excel installé", "bob@corp.example") })
	// Pending.
	pend := ask(h(-5), "Mot de passe oublié", "j'ai oublié mon mot de passe", "lea@corp.example")
	do(pend.ID, h(-4), func(tx *Tx, tk *Ticket) error { return tx.Pending(tk, "bob@corp.example") })
	// Due soon: a normal first response due at t0+2h (and the next one's at t0+3h).
	ask(h(-2), "Imprimante", "l'imprimante du 2e fait des traînées", "marc@corp.example")
	// Unclassified and unassigned: the whole team is away when it arrives (assignment falls back
	// to other tiers, so every tier must be away).
	if err := d.Update(ctx, h(-1), func(tx *Tx) error {
		for _, te := range tx.Config().Technicians {
			if err := tx.SetAway(te.Email, h(-0.5)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ask(h(-1), "Question", "bonjour, une question rapide", "zoe@corp.example")
	return d
}

func TestDigestGolden(t *testing.T) {
	d := seedDigestDesk(t)
	n, err := d.RunDigest(context.Background(), t0)
	if err != nil {
		t.Fatal(err)
	}
	mails := digestMails(t, d)
	if n != 2 || len(mails) != 2 {
		t.Fatalf("%d digests queued, %d in the outbox", n, len(mails))
	}
	fr, en := mails[0], mails[1]
	if fr.Recipients[0] != "nadia@corp.example" || fr.Language != "fr" || en.Recipients[0] != "sam@corp.example" || en.Language != "en" {
		t.Fatalf("digests to %v (%s) and %v (%s)", fr.Recipients, fr.Language, en.Recipients, en.Language)
	}
	checkGolden(t, "digest_fr.json.golden", fr)
	checkGolden(t, "digest_en.json.golden", en)

	dg := fr.Notice.Digest
	if dg == nil || dg.Quiet || dg.Open != 5 || len(dg.Escalated) != 2 || len(dg.Resolved) != 1 || len(dg.Unassigned) != 1 ||
		len(dg.Unclassified) != 1 || len(dg.DueSoon) != 2 || len(dg.Breached) != 2 || len(dg.Oldest) != 5 {
		t.Fatalf("digest %+v", dg)
	}
	if v, err := d.Store.KV(context.Background(), kvLastDigest); err != nil || v != t0.Format(time.RFC3339) {
		t.Fatalf("last_digest %q, %v", v, err)
	}
}

func TestDigestQuiet(t *testing.T) {
	d := newDeskTOML(t, withEnglishCoordinator)
	ctx := context.Background()
	for i, now := range []time.Time{t0, t0.Add(24 * time.Hour)} {
		if n, err := d.RunDigest(ctx, now); err != nil || n != 2 {
			t.Fatalf("digest %d: %d, %v", i, n, err)
		}
	}
	mails := digestMails(t, d)
	if len(mails) != 4 {
		t.Fatalf("%d digests", len(mails))
	}
	dg := mails[3].Notice.Digest
	if !dg.Quiet || dg.Open != 0 || !dg.Since.Equal(t0) || !dg.Now.Equal(t0.Add(24*time.Hour)) || len(dg.Load) != 4 {
		t.Fatalf("quiet digest %+v", dg)
	}
	b, err := json.Marshal(dg)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"quiet":true`, `"unassigned":[]`, `"breached":[]`, `"by_priority":{"high":0,"low":0,"normal":0,"urgent":0}`} {
		if !strings.Contains(string(b), want) {
			t.Fatalf("quiet digest JSON lacks %s:\n%s", want, b)
		}
	}
}

// TestDigestLeavesOutReopened: a ticket resolved in the period and reopened since is not
// reported as resolved; it counts among the open tickets.
func TestDigestLeavesOutReopened(t *testing.T) {
	d := seedDigestDesk(t)
	h := func(n float64) time.Time { return t0.Add(time.Duration(n * float64(time.Hour))) }
	reopened := openTicket(t, d, h(-6), NewTicket{Subject: "Écran qui clignote", Text: "mon écran clignote", Requester: "ines@corp.example", Language: "fr"})
	for _, step := range []struct {
		at time.Time
		fn func(*Tx, *Ticket) error
	}{
		{h(-3), func(tx *Tx, tk *Ticket) error { return tx.Resolve(tk, "câble changé", "alice@corp.example") }},
		{h(-2), func(tx *Tx, tk *Ticket) error { return tx.Reopen(tk, "ines@corp.example") }},
	} {
		if err := d.Do(context.Background(), reopened.ID, step.at, step.fn); err != nil {
			t.Fatal(err)
		}
	}
	var dg Digest
	if err := d.Update(context.Background(), t0, func(tx *Tx) error {
		var err error
		dg, err = tx.Digest(h(-24))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, r := range dg.Resolved {
		if r.ID == reopened.ID {
			t.Errorf("#%d, reopened since, listed as resolved: %+v", r.ID, dg.Resolved)
		}
	}
	if len(dg.Resolved) != 1 || dg.Totals.Resolved != 1 || dg.Open != 6 {
		t.Errorf("resolved %d (total %d), open %d; want the one still resolved, and 6 open", len(dg.Resolved), dg.Totals.Resolved, dg.Open)
	}
}
