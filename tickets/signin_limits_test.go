package tickets

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// TestSignInNoLockout: someone asks for a technician's sign-in link every minute for 45 minutes,
// from a new client each time (the per-client limit aside). Her address's budget counts only the
// links sent to her, so at every minute of it she holds a working link, mailed to her, and her
// own request at the end is not refused; the budget still bounds the mails she gets.
func TestSignInNoLockout(t *testing.T) {
	d := newTestDesk(t)
	lim := SignInLimits{PerAddress: 3, PerClient: 10, Window: SignInValid}
	ctx := context.Background()
	request := func(at time.Time, client string) SignInResult {
		var res SignInResult
		if err := d.Update(ctx, at, func(tx *Tx) error {
			var err error
			res, err = tx.RequestSignIn("nadia@corp.example", client, lim)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return res
	}
	var issued []time.Time
	for i := 0; i < 45; i++ {
		at := t0.Add(time.Duration(i) * time.Minute)
		if request(at, fmt.Sprintf("198.51.100.%d", i)) == SignInSent {
			issued = append(issued, at)
		}
		if len(issued) == 0 || !at.Before(issued[len(issued)-1].Add(SignInValid)) {
			t.Fatalf("at minute %d nadia holds no working link (sent at %v)", i, issued)
		}
	}
	if len(issued) > 3*(45/15+1) {
		t.Errorf("%d links mailed in 45 minutes, over the budget", len(issued))
	}
	if res := request(t0.Add(45*time.Minute), "10.0.0.5"); res != SignInSent {
		t.Errorf("nadia's own request after the attack: %s", res)
	}
}

// TestSignInGlobalCap: requests for made-up addresses from many clients stop being recorded at
// SignInRequestsPerHour; a staff member's request within her budget still gets its link.
func TestSignInGlobalCap(t *testing.T) {
	d := newTestDesk(t)
	lim := SignInLimits{PerAddress: 3, PerClient: 10, Window: SignInValid}
	results := map[SignInResult]int{}
	if err := d.Update(context.Background(), t0, func(tx *Tx) error {
		for i := 0; i < SignInRequestsPerHour+50; i++ {
			res, err := tx.RequestSignIn(fmt.Sprintf("x%d@corp.example", i), fmt.Sprintf("client-%d", i), lim)
			if err != nil {
				return err
			}
			results[res]++
		}
		res, err := tx.RequestSignIn("nadia@corp.example", "10.0.0.5", lim)
		if res != SignInSent {
			t.Errorf("a staff request past the cap: %s", res)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if results[SignInNotStaff] != SignInRequestsPerHour || results[SignInLimited] != 50 {
		t.Errorf("results %v, want %d not-staff then 50 limited", results, SignInRequestsPerHour)
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM signin_attempts`); n > SignInRequestsPerHour+2 {
		t.Errorf("%d sign-in requests recorded, over the cap", n)
	}
}
