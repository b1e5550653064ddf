package tickets

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// weekRequest is one line of testdata/incident_week.txt.
type weekRequest struct {
	at                  time.Time
	from, subject, text string
	outage              string // "" for a one-off request.
	ticket              int64  // The ticket it opened.
}

// loadWeek reads the labelled week: "DAY HH:MM|from|subject|text|outage", Monday 23 November
// 2026 onwards, in time order.
func loadWeek(t testing.TB) []*weekRequest {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "incident_week.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	monday := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	days := map[string]int{"Mon": 0, "Tue": 1, "Wed": 2, "Thu": 3, "Fri": 4}
	var out []*weekRequest
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Split(line, "|")
		if len(f) != 5 {
			t.Fatalf("bad line %q", line)
		}
		var day string
		var hh, mm int
		if _, err := fmt.Sscanf(f[0], "%s %d:%d", &day, &hh, &mm); err != nil {
			t.Fatalf("bad time in %q: %v", line, err)
		}
		at := monday.AddDate(0, 0, days[day]).Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute)
		out = append(out, &weekRequest{at: at, from: f[1], subject: f[2], text: f[3], outage: f[4]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	return out
}

// replayResult is what the replay of a week measured.
type replayResult struct {
	requests, outages, incidents    int
	tp, fp, fn                      int // Pairs of requests: linked together and of one outage, linked but not, of one outage but not linked.
	precision, recall               float64
	mailsWithout, mailsWith         int // Answers staff wrote: one per request, or one per incident and per request left alone or wrongly linked.
	wronglyLinked, missed, splitOff int
}

// replayWeek plays the week through the desk on a fake clock, by mail: each request arrives at
// its time; a one-off is resolved by its technician two hours later, an outage's incident 20
// minutes after its last report (and its requests the desk did not link, one by one).
func replayWeek(t *testing.T, d *Desk, week []*weekRequest) replayResult {
	t.Helper()
	ctx := context.Background()
	type due struct {
		at     time.Time
		req    *weekRequest // A one-off to resolve, or
		outage string       // an outage to fix.
	}
	var dues []due
	last := map[string]time.Time{}
	for _, r := range week {
		if r.outage == "" {
			dues = append(dues, due{at: r.at.Add(2 * time.Hour), req: r})
		} else if r.at.After(last[r.outage]) {
			last[r.outage] = r.at
		}
	}
	for o, at := range last {
		dues = append(dues, due{at: at.Add(20 * time.Minute), outage: o})
	}
	sort.Slice(dues, func(i, j int) bool { return dues[i].at.Before(dues[j].at) })
	res := replayResult{requests: len(week), outages: len(last)}
	resolve := func(id int64, at time.Time) bool {
		done := false
		if err := d.Do(ctx, id, at, func(tx *Tx, tk *Ticket) error {
			if !tk.Status.Active() {
				return nil
			}
			done = true
			return tx.Resolve(tk, "Fixed.", "alice@corp.example")
		}); err != nil {
			t.Fatal(err)
		}
		return done
	}
	fixOutage := func(o string, at time.Time) {
		incidents := map[int64]bool{}
		for _, r := range week {
			if r.outage != o || r.ticket == 0 {
				continue
			}
			tk := mustTicket(t, d, r.ticket)
			if tk.Incident != 0 {
				incidents[tk.Incident] = true
			} else if resolve(tk.ID, at) {
				res.mailsWith++ // Missed by the desk: answered alone.
			}
		}
		for id := range incidents {
			if resolve(id, at) {
				res.mailsWith++
			}
		}
	}
	n := 0
	for _, r := range week {
		for len(dues) > 0 && !dues[0].at.After(r.at) {
			dd := dues[0]
			dues = dues[1:]
			if dd.req != nil {
				tk := mustTicket(t, d, dd.req.ticket)
				if tk.Incident == 0 && resolve(tk.ID, dd.at) {
					res.mailsWith++
				}
				continue
			}
			fixOutage(dd.outage, dd.at)
		}
		n++
		in := &Incoming{MessageID: fmt.Sprintf("week-%d@corp.example", n), From: r.from, To: []string{"helpdesk@corp.example"},
			Subject: r.subject, Text: r.text, Language: DetectLanguage("", r.subject+"\n"+r.text, "fr"), Verdict: VerdictPerson, Date: r.at}
		out, err := d.Ingest(ctx, r.at, []*Incoming{in})
		if err != nil || out[0].Err != nil || out[0].Action != ActionOpened {
			t.Fatalf("%s: %+v %v", r.subject, out, err)
		}
		r.ticket = out[0].TicketID
	}
	for _, dd := range dues {
		if dd.outage != "" {
			fixOutage(dd.outage, dd.at)
		}
	}
	// Pairs: linked together (to one incident) against of one outage.
	incidentOf := map[int64]int64{}
	incidents := map[int64]bool{}
	for _, r := range week {
		tk := mustTicket(t, d, r.ticket)
		incidentOf[r.ticket] = tk.Incident
		if tk.Incident != 0 {
			incidents[tk.Incident] = true
		}
	}
	res.incidents = len(incidents)
	if os.Getenv("DESKD_REPLAY_DEBUG") != "" {
		for _, r := range week {
			if r.outage != "" || incidentOf[r.ticket] != 0 {
				tk := mustTicket(t, d, r.ticket)
				t.Logf("%-13s #%d → %d [%s] %s", r.outage, r.ticket, tk.Incident, tk.Category, r.subject)
			}
		}
	}
	for i, a := range week {
		for _, b := range week[i+1:] {
			linked := incidentOf[a.ticket] != 0 && incidentOf[a.ticket] == incidentOf[b.ticket]
			same := a.outage != "" && a.outage == b.outage
			switch {
			case linked && same:
				res.tp++
			case linked:
				res.fp++
			case same:
				res.fn++
			}
		}
	}
	for _, r := range week {
		switch {
		case r.outage == "" && incidentOf[r.ticket] != 0:
			res.wronglyLinked++
			res.mailsWith++ // #unlink, and the answer it needed.
		case r.outage != "" && incidentOf[r.ticket] == 0:
			res.missed++
		}
	}
	res.precision = float64(res.tp) / float64(max(1, res.tp+res.fp))
	res.recall = float64(res.tp) / float64(max(1, res.tp+res.fn))
	res.mailsWithout = len(week)
	return res
}

// newDetectingDesk is a search desk (FTS4 or FTS5) with the test configuration and incident
// detection on.
func newDetectingDesk(t *testing.T, fts4 bool) *Desk {
	t.Helper()
	d := newSearchDesk(t, fts4)
	cfg := parseTestConfig(t, strings.Replace(testConfigTOML, "[incidents]\ndetect = false\n", "[incidents]\n", 1))
	if err := d.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestIncidentReplay replays a labelled week of 300 requests, French and English, with nine
// outages reported by four to eight people each in their own words, through the desk on a fake
// clock, on both ranking engines. It reports the precision and recall of the linking (pairs of
// requests linked to one incident against pairs reporting one outage; the bar is 0.9 each) and
// the answers staff wrote with and without incidents.
func TestIncidentReplay(t *testing.T) {
	for name, fts4 := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			d := newDetectingDesk(t, fts4)
			week := loadWeek(t)
			if len(week) < 300 {
				t.Fatalf("%d requests in the labelled week, want at least 300", len(week))
			}
			r := replayWeek(t, d, week)
			t.Logf("%s: %d requests, %d outages → %d incidents; linking precision %.3f, recall %.3f (pairs: %d right, %d wrong, %d missed); "+
				"one-offs wrongly linked %d, outage reports left alone %d; answers staff wrote: %d without incidents, %d with",
				d.Store.SearchDialect(), r.requests, r.outages, r.incidents, r.precision, r.recall, r.tp, r.fp, r.fn,
				r.wronglyLinked, r.missed, r.mailsWithout, r.mailsWith)
			if r.precision < 0.9 || r.recall < 0.9 {
				t.Errorf("linking precision %.3f, recall %.3f: the bar is 0.9 each", r.precision, r.recall)
			}
		})
	}
}
