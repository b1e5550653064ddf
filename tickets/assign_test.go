package tickets

import (
	"context"
	"strings"
	"testing"
	"time"
)

// ask runs chooseTechnician in a transaction at t0, after prepare.
func ask(t *testing.T, d *Desk, category string, tier int, except string) Pick {
	t.Helper()
	var p Pick
	if err := d.Update(context.Background(), t0, func(tx *Tx) error {
		p = tx.chooseTechnician(category, tier, except)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return p
}

// inTx runs fn in a transaction at t0.
func inTx(t *testing.T, d *Desk, fn func(*Tx) error) {
	t.Helper()
	if err := d.Update(context.Background(), t0, fn); err != nil {
		t.Fatal(err)
	}
}

// give opens an unclassified ticket of priority p and assigns it to a technician.
func give(t *testing.T, d *Desk, email string, p Priority) {
	t.Helper()
	tk := openTicket(t, d, t0, NewTicket{Subject: "Question", Text: "Une question.", Requester: "r@corp.example"})
	inTx(t, d, func(tx *Tx) error {
		if err := tx.Assign(tk, email, "nadia@corp.example"); err != nil {
			return err
		}
		return tx.SetPriority(tk, p, "nadia@corp.example", "")
	})
}

// Tier 1 in the test config: alice (network, hardware), bob (accounts, software, hardware).
// Tier 2: chloe (all four). Tier 3: dev (network, software).

func TestChooseBySkillAndTier(t *testing.T) {
	d := newTestDesk(t)
	tests := []struct {
		category string
		tier     int
		want     string
		matched  bool
	}{
		{"accounts", 1, "bob@corp.example", true},
		{"network", 1, "alice@corp.example", true},
		{"network", 2, "chloe@corp.example", true},
		{"network", 3, "dev@corp.example", true},
		{"hardware", 3, "dev@corp.example", false}, // Nobody at tier 3 has the skill.
		{"", 1, "alice@corp.example", true},        // No category: any technician fits.
	}
	for _, tt := range tests {
		p := ask(t, d, tt.category, tt.tier, "")
		if p.Email != tt.want || p.Matched != tt.matched || p.Tier != tt.tier {
			t.Errorf("%q tier %d: %+v, want %s matched %v", tt.category, tt.tier, p, tt.want, tt.matched)
		}
	}
}

func TestChooseLeastLoaded(t *testing.T) {
	d := newTestDesk(t)
	give(t, d, "alice@corp.example", PriorityNormal)
	if p := ask(t, d, "hardware", 1, ""); p.Email != "bob@corp.example" {
		t.Fatalf("alice has one ticket, bob none: got %s", p.Email)
	}
	give(t, d, "bob@corp.example", PriorityNormal)
	give(t, d, "bob@corp.example", PriorityLow)
	if p := ask(t, d, "hardware", 1, ""); p.Email != "alice@corp.example" {
		t.Fatalf("alice 1, bob 2: got %s", p.Email)
	}
	// An urgent ticket weighs 4: alice 1 + 4 = 5 against bob's 2.
	give(t, d, "alice@corp.example", PriorityUrgent)
	p := ask(t, d, "hardware", 1, "")
	if p.Email != "bob@corp.example" {
		t.Fatalf("alice 5, bob 2: got %s", p.Email)
	}
	if why := strings.Join(p.Reason, "; "); !strings.Contains(why, "alice@corp.example: tier 1, skill hardware, load 5") {
		t.Errorf("reasons: %s", why)
	}
	// Load counts only for the skill-matched: accounts goes to bob whatever alice's load.
	if p := ask(t, d, "accounts", 1, ""); p.Email != "bob@corp.example" {
		t.Errorf("accounts: got %s", p.Email)
	}
}

func TestChooseRoundRobin(t *testing.T) {
	d := newTestDesk(t)
	// Asking changes nothing.
	for range 3 {
		if p := ask(t, d, "hardware", 1, ""); p.Email != "alice@corp.example" {
			t.Fatalf("equal and never assigned: got %s, want the first configured", p.Email)
		}
	}
	var got []string
	for range 4 {
		inTx(t, d, func(tx *Tx) error {
			p := tx.chooseTechnician("hardware", 1, "")
			got = append(got, strings.TrimSuffix(p.Email, "@corp.example"))
			return tx.markAssigned(p.Email)
		})
	}
	if strings.Join(got, " ") != "alice bob alice bob" {
		t.Errorf("round-robin among equals: %v", got)
	}
}

func TestChooseAway(t *testing.T) {
	d := newTestDesk(t)
	inTx(t, d, func(tx *Tx) error { return tx.SetAway("Alice@corp.example", t0.Add(48*time.Hour)) })
	if p := ask(t, d, "hardware", 1, ""); p.Email != "bob@corp.example" {
		t.Fatalf("alice away: got %s", p.Email)
	}
	// Network at tier 1: only alice has the skill; she is away, so bob without it.
	p := ask(t, d, "network", 1, "")
	if p.Email != "bob@corp.example" || p.Matched {
		t.Fatalf("network with alice away: %+v", p)
	}
	if why := strings.Join(p.Reason, "; "); !strings.Contains(why, "alice@corp.example: away") || !strings.Contains(why, `nobody of tier 1 has the skill "network"`) {
		t.Errorf("reasons: %s", why)
	}
	inTx(t, d, func(tx *Tx) error {
		until, away := tx.Away("alice@corp.example")
		if !away || !until.Equal(t0.Add(48*time.Hour)) {
			t.Errorf("Away = %v, %v", until, away)
		}
		loads, err := tx.Loads()
		if err != nil || !loads["alice@corp.example"].Away || loads["bob@corp.example"].Away {
			t.Errorf("loads %v, %v", loads, err)
		}
		return tx.SetAway("alice@corp.example", time.Time{})
	})
	inTx(t, d, func(tx *Tx) error {
		if _, away := tx.Away("alice@corp.example"); away {
			t.Error("still away after Back")
		}
		return nil
	})
	if p := ask(t, d, "network", 1, ""); p.Email != "alice@corp.example" || !p.Matched {
		t.Errorf("alice back: %+v", p)
	}
	// An absence that ended is no absence.
	inTx(t, d, func(tx *Tx) error { return tx.SetAway("alice@corp.example", t0.Add(-time.Hour)) })
	if p := ask(t, d, "network", 1, ""); p.Email != "alice@corp.example" {
		t.Errorf("absence over: %+v", p)
	}
}

func TestChooseTierFallback(t *testing.T) {
	d := newTestDesk(t)
	away := func(emails ...string) {
		inTx(t, d, func(tx *Tx) error {
			for _, e := range emails {
				if err := tx.SetAway(e, t0.Add(time.Hour)); err != nil {
					return err
				}
			}
			return nil
		})
	}
	// Tier 1 all away: the nearest tier above.
	away("alice@corp.example", "bob@corp.example")
	if p := ask(t, d, "hardware", 1, ""); p.Email != "chloe@corp.example" || p.Tier != 2 || !p.Matched {
		t.Fatalf("tier 1 away: %+v", p)
	}
	// Tier 2 away too: tier 3, even without the skill, before looking below.
	away("chloe@corp.example")
	if p := ask(t, d, "hardware", 2, ""); p.Email != "dev@corp.example" || p.Tier != 3 || p.Matched {
		t.Fatalf("tiers 1 and 2 away, from 2: %+v", p)
	}
	// Tier 3 away, tier 2 back: below.
	inTx(t, d, func(tx *Tx) error { return tx.SetAway("chloe@corp.example", time.Time{}) })
	away("dev@corp.example")
	p := ask(t, d, "network", 3, "")
	if p.Email != "chloe@corp.example" || p.Tier != 2 {
		t.Fatalf("tier 3 away: %+v", p)
	}
	if why := strings.Join(p.Reason, "; "); !strings.Contains(why, "nobody of tier 3 available") {
		t.Errorf("reasons: %s", why)
	}
	// Everybody away: nobody.
	away("chloe@corp.example")
	if p := ask(t, d, "network", 1, ""); p.Email != "" {
		t.Fatalf("all away: %+v", p)
	}
}

func TestChooseExcept(t *testing.T) {
	d := newTestDesk(t)
	if p := ask(t, d, "hardware", 1, "alice@corp.example"); p.Email != "bob@corp.example" {
		t.Fatalf("except alice: %+v", p)
	}
	// The only one of tier 2 is excepted: the tier above.
	if p := ask(t, d, "network", 2, "chloe@corp.example"); p.Email != "dev@corp.example" || p.Tier != 3 {
		t.Fatalf("except chloe: %+v", p)
	}
}

// TestOpenAssignsBySkill opens French and English requests through the whole Open path.
func TestOpenAssignsBySkill(t *testing.T) {
	d := newTestDesk(t)
	tests := []struct {
		req      NewTicket
		category string
		assignee string
	}{
		{NewTicket{Subject: "Mot de passe expiré", Text: "Bonjour, mon mot de passe a expiré, je ne peux plus me connecter.", Language: "fr"}, "accounts", "bob@corp.example"},
		{NewTicket{Subject: "Password expired", Text: "Hi, my password expired and I cannot log in.", Language: "en"}, "accounts", "bob@corp.example"},
		{NewTicket{Subject: "Le Wi-Fi coupe", Text: "Le wifi de la salle B coupe toutes les cinq minutes.", Language: "fr"}, "network", "alice@corp.example"},
		{NewTicket{Subject: "VPN drops", Text: "The VPN drops every five minutes from home.", Language: "en"}, "network", "alice@corp.example"},
	}
	for _, tt := range tests {
		tt.req.Requester = "r@corp.example"
		tk := openTicket(t, d, t0, tt.req)
		if tk.Category != tt.category || tk.Assignee != tt.assignee {
			t.Errorf("%q: category %q assignee %q, want %q %q", tt.req.Subject, tk.Category, tk.Assignee, tt.category, tt.assignee)
		}
	}
}
