package templates

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/deskd/deskd/tickets"
)

// stamp sets every non-zero time.Time reachable in v to a time of its own, one minute apart and
// starting at base, and returns them. No two get the same minute of the hour, so a time shown in
// UTC cannot pass for another shown in the desk's zone.
func stamp(v reflect.Value, base time.Time, got *[]time.Time) {
	switch {
	case v.Type() == timeType:
		if !v.Interface().(time.Time).IsZero() {
			tm := base.Add(time.Duration(len(*got)) * (time.Hour + time.Minute))
			*got = append(*got, tm)
			v.Set(reflect.ValueOf(tm))
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Field(i).CanSet() {
				stamp(v.Field(i), base, got)
			}
		}
	case reflect.Pointer:
		if !v.IsNil() {
			stamp(v.Elem(), base, got)
		}
	case reflect.Slice:
		for i := range v.Len() {
			stamp(v.Index(i), base, got)
		}
	}
}

// TestNoUTCTimeLeaks renders every sample of every mail kind, in every language, for a desk in
// Paris, each of its times made unique: not one of them may show as UTC. The due date of a
// reminder, an escalation's missed deadline and the digest's lists once did.
func TestNoUTCTimeLeaks(t *testing.T) {
	loc := paris(t)
	s := load(t, "")
	base := time.Date(2026, 11, 30, 2, 11, 0, 0, time.UTC) // Winter: Paris is UTC+1.
	shown := 0                                             // Times shown in Paris, all mails together.
	for _, lang := range s.Languages() {
		for _, kind := range tickets.MailKinds {
			for i, n := range Samples(kind, lang) {
				t.Run(fmt.Sprintf("%s/%s-%d", lang, kind, i+1), func(t *testing.T) {
					var times []time.Time
					stamp(reflect.ValueOf(&n).Elem(), base, &times)
					if len(times) > 40 {
						t.Fatalf("%d times: the minutes would repeat", len(times))
					}
					_, text, html, err := s.Render(kind, lang, n)
					if err != nil {
						t.Fatal(err)
					}
					for _, tm := range times {
						utc, local := tm.UTC().Format("15:04"), tm.In(loc).Format("15:04")
						for part, body := range map[string]string{"text": text, "html": html} {
							if strings.Contains(body, utc) {
								t.Errorf("%s shows %s, the UTC time of %s (%s in Paris):\n%s", part, utc, tm.Format(time.RFC3339), local, body)
							}
						}
						if strings.Contains(text, local) {
							shown++
						}
					}
				})
			}
		}
	}
	if shown < 20 {
		t.Fatalf("only %d times shown in Paris time: the samples no longer show their times", shown)
	}
}

// TestInZoneCopies: the conversion leaves the notice it was given as it was.
func TestInZoneCopies(t *testing.T) {
	due := time.Date(2026, 11, 30, 21, 42, 0, 0, time.UTC)
	n := tickets.Notice{Due: due, History: []tickets.Entry{{At: due}}, Incident: &tickets.TicketInfo{ResolveDue: due},
		Digest: &tickets.Digest{Breached: []tickets.TicketInfo{{NextDue: due}}}}
	z := inZone(n, paris(t))
	if got := z.Digest.Breached[0].NextDue.Format("15:04"); got != "22:42" {
		t.Fatalf("digest due %s, want 22:42", got)
	}
	if z.Due.Format("15:04") != "22:42" || z.History[0].At.Format("15:04") != "22:42" || z.Incident.ResolveDue.Format("15:04") != "22:42" {
		t.Fatalf("not converted: %v %v %v", z.Due, z.History[0].At, z.Incident.ResolveDue)
	}
	if n.Due.Location() != time.UTC || n.History[0].At.Location() != time.UTC || n.Incident.ResolveDue.Location() != time.UTC ||
		n.Digest.Breached[0].NextDue.Location() != time.UTC {
		t.Fatal("the caller's notice changed")
	}
	if !z.Ticket.CreatedAt.IsZero() {
		t.Fatal("a zero time is no longer zero")
	}
}

// TestInZoneFollowsEveryKind: the times of maps (keys and values), arrays, pointers and slices of
// a recursive type are converted, its unexported ones and those of what holds no time are left,
// and the value given is left as it was.
func TestInZoneFollowsEveryKind(t *testing.T) {
	type node struct {
		At      time.Time
		By      map[time.Time]string
		Of      map[string]*time.Time
		Pair    [2]time.Time
		Next    *node
		List    []node
		Words   map[string]string
		private time.Time
	}
	at := time.Date(2026, 11, 30, 21, 42, 0, 0, time.UTC)
	leaf := at
	n := node{At: at, By: map[time.Time]string{at: "x"}, Of: map[string]*time.Time{"y": &leaf}, Pair: [2]time.Time{at, {}},
		Next: &node{At: at, Next: &node{Pair: [2]time.Time{{}, at}}}, List: []node{{At: at}}, Words: map[string]string{"a": "b"}, private: at}
	z := inZone(n, paris(t))
	for k := range z.By {
		if k.Format("15:04") != "22:42" {
			t.Errorf("map key %v", k)
		}
	}
	for _, c := range []time.Time{z.At, *z.Of["y"], z.Pair[0], z.Next.At, z.Next.Next.Pair[1], z.List[0].At} {
		if c.Format("15:04") != "22:42" {
			t.Errorf("not converted: %v", c)
		}
	}
	if !z.Pair[1].IsZero() || !z.Next.Next.Pair[0].IsZero() || z.private.Location() != time.UTC || z.Words["a"] != "b" {
		t.Errorf("converted what it should not: %+v", z)
	}
	if leaf.Location() != time.UTC || n.Next.At.Location() != time.UTC || n.Next.Next.Pair[1].Location() != time.UTC ||
		n.List[0].At.Location() != time.UTC {
		t.Error("the caller's value changed")
	}
}
