package tickets

import (
	"bytes"
	"database/sql"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/deskd/deskd/internal/underrace"
)

// appendJSONTimeByText is appendJSONTime as it was written before its digits for UTC times:
// AppendText for every time. The reference of TestJSONTimeAsAppendText.
func appendJSONTimeByText(b []byte, t time.Time) ([]byte, error) {
	b = append(b, '"')
	b, err := t.AppendText(b)
	if err != nil {
		return nil, err
	}
	return append(b, '"'), nil
}

// TestJSONTimeAsAppendText: appendJSONTime writes what AppendText wrote, and fails where it failed,
// for random times: the desk's (fromUnix: UTC, whole seconds), with nanoseconds, in other zones
// (one named "UTC" that is not time.UTC among them), from before year 0 to after 9999, the zero
// time and the bounds of the years written.
func TestJSONTimeAsAppendText(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		paris = time.FixedZone("CET", 3600)
	}
	zones := []*time.Location{time.UTC, time.UTC, time.UTC, time.FixedZone("UTC", 0), time.FixedZone("", -7*3600-1800), paris, time.Local}
	rng := rand.New(rand.NewPCG(20, 16))
	times := []time.Time{{}, time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), t0, fromUnix(sql.NullInt64{Int64: t0.Unix(), Valid: true})}
	for range underrace.Rounds(20_000) {
		var sec int64
		switch rng.IntN(4) {
		case 0: // Around now.
			sec = t0.Unix() + rng.Int64N(20*365*86400) - 10*365*86400
		case 1: // Years 0 to 9999.
			sec = rng.Int64N(315537897600) - 62167219200
		default: // Far, before year 0 and after 9999 too.
			sec = rng.Int64N(1<<40) - 1<<39
		}
		tm := time.Unix(sec, 0).In(zones[rng.IntN(len(zones))])
		if rng.IntN(4) == 0 {
			tm = tm.Add(time.Duration(rng.IntN(1e9)))
		}
		times = append(times, tm)
	}
	for _, tm := range times {
		got, err := appendJSONTime([]byte("x"), tm)
		want, wantErr := appendJSONTimeByText([]byte("x"), tm)
		if !bytes.Equal(got, want) || (err == nil) != (wantErr == nil) {
			t.Fatalf("%v (%s): %q %v, want %q %v", tm, tm.Location(), got, err, want, wantErr)
		}
	}
}
