package tickets

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

// labelledRequest is one request of testdata/priority_requests.jsonl, with the priority a
// coordinator gave it. The set was written for the project (French and English, 410 requests):
// urgent when many people or the business are stopped (a team, a site, production, customers,
// a security incident, data loss); high when one person cannot work or a deadline today is at
// stake; normal for a fault with a workaround, a request or a question, however politely
// pressed; low when the requester says it can wait, or for cosmetic and planning matters.
//
// Splits, in the order the set was written and used:
//   - "tune" (166) and "test" (84): the first 250 requests. "test" is every third request of
//     each priority and language, the same positions in both languages so that a request and
//     its translation fall together. The rules were tuned on "tune" only, but their phrase lists
//     were written by the author of the whole set, so "test" is not blind.
//   - "tune2" (56): written after the first tuning and labelled before running the rules, which
//     scored 25/56 on it; then tuned on (quantifiers, "aucun … ne", calm phrases).
//   - "tune3" (52): written after the second tuning, labelled before running; 31/52, then tuned
//     on (lost devices, "l'ensemble des", counted groups, more calm phrases).
//   - "fresh" (52): written after the third tuning, labelled before running the rules, never
//     tuned on. The bar is set on it: 40/52. On the same requests the second-round rules score
//     37/52 and the rules before this work 22/52.
type labelledRequest struct {
	ID       string `json:"id"`
	Lang     string `json:"lang"`
	Split    string `json:"split"`
	Priority string `json:"priority"`
	Subject  string `json:"subject"`
	Text     string `json:"text"`
}

func loadLabelledRequests(t *testing.T) []labelledRequest {
	t.Helper()
	f, err := os.Open("testdata/priority_requests.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []labelledRequest
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r labelledRequest
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%s: %v", sc.Text(), err)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// priorityScore is the agreement of judgePriority with the coordinator on a set of requests.
type priorityScore struct {
	name      string
	agree, n  int
	severe    int       // Two levels or more apart (urgent judged normal, low judged high, …).
	confusion [4][4]int // [want][got], by Priority.
	misses    []string
}

func (s *priorityScore) add(r labelledRequest, want, got Priority, why []string) {
	s.n++
	s.confusion[want][got]++
	if want == got {
		s.agree++
		return
	}
	if d := int(want) - int(got); d >= 2 || d <= -2 {
		s.severe++
	}
	s.misses = append(s.misses, fmt.Sprintf("%s want %s got %s (%s): %s | %s", r.ID, want, got, strings.Join(why, "; "), r.Subject, strings.ReplaceAll(r.Text, "\n", " ")))
}

func (s *priorityScore) log(t *testing.T) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "%-8s %7s %7s %7s %7s", "want\\got", "low", "normal", "high", "urgent")
	for w := PriorityLow; w <= PriorityUrgent; w++ {
		fmt.Fprintf(&b, "\n%-8s", w)
		for g := PriorityLow; g <= PriorityUrgent; g++ {
			fmt.Fprintf(&b, " %7d", s.confusion[w][g])
		}
	}
	t.Logf("priority %s: agreement %d/%d = %.1f%%, two levels apart %d/%d; confusion:\n%s",
		s.name, s.agree, s.n, 100*float64(s.agree)/float64(s.n), s.severe, s.n, b.String())
}

// TestPriorityLabelled measures judgePriority against the coordinator's labels. The bar is set
// on the held-out split, which the rules were not tuned on.
func TestPriorityLabelled(t *testing.T) {
	d := newTestDesk(t)
	cfg := *d.Config()
	names := []string{"tune", "tune2", "tune3", "test", "fresh", "held-out", "held-out fr", "held-out en", "all"}
	scores := map[string]*priorityScore{}
	for _, k := range names {
		scores[k] = &priorityScore{name: k}
	}
	for _, r := range loadLabelledRequests(t) {
		want, err := ParsePriority(r.Priority)
		if err != nil {
			t.Fatalf("%s: %v", r.ID, err)
		}
		got, why := judgePriority(&cfg, NewTicket{Subject: r.Subject, Text: r.Text, Language: r.Lang}, "")
		if scores[r.Split] == nil {
			t.Fatalf("%s: unknown split %q", r.ID, r.Split)
		}
		scores[r.Split].add(r, want, got, why)
		scores["all"].add(r, want, got, why)
		if r.Split == "test" || r.Split == "fresh" {
			scores["held-out"].add(r, want, got, why)
			scores["held-out "+r.Lang].add(r, want, got, why)
		}
	}
	for _, k := range names {
		scores[k].log(t)
	}
	if testing.Verbose() && os.Getenv("DESKD_PRIORITY_MISSES") != "" {
		for _, m := range scores[os.Getenv("DESKD_PRIORITY_MISSES")].misses {
			t.Log(m)
		}
	}
	if n := scores["all"].n; n < 200 {
		t.Errorf("only %d labelled requests", n)
	}
	// The bar, on the held-out "fresh" split, at today's score: at least 40/52 in agreement,
	// at most 3/52 two levels apart. The rules before this set scored 22/52 and 9/52.
	if f := scores["fresh"]; f.agree < 40 || f.severe > 3 {
		t.Errorf("fresh: agreement %d/%d (bar 40), two levels apart %d (bar 3)", f.agree, f.n, f.severe)
	}
	// Regression guards on the splits the rules were tuned on, at today's scores.
	for k, min := range map[string]int{"tune": 166, "tune2": 54, "tune3": 51, "test": 81} {
		if scores[k].agree < min {
			t.Errorf("%s: agreement %d/%d, was %d", k, scores[k].agree, scores[k].n, min)
		}
	}
}
