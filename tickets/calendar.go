package tickets

import (
	"fmt"
	"strings"
	"time"
)

// Calendar is the business time SLAs are counted in: working days, working hours, a time zone
// and holidays. All its methods are pure functions of their arguments.
type Calendar struct {
	loc        *time.Location
	days       [7]bool       // Indexed by time.Weekday.
	start, end time.Duration // Working hours, as offsets from local midnight.
	holidays   map[string]bool
	always     bool // Every instant counts.
}

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
	"dim": time.Sunday, "lun": time.Monday, "mar": time.Tuesday, "mer": time.Wednesday,
	"jeu": time.Thursday, "ven": time.Friday, "sam": time.Saturday,
}

// Build checks the [calendar] section and makes the Calendar it describes.
func (cc CalendarConfig) Build() (*Calendar, error) {
	loc, err := time.LoadLocation(cc.Timezone)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q", cc.Timezone)
	}
	c := &Calendar{loc: loc, holidays: map[string]bool{}, always: cc.Always}
	for _, d := range cc.Days {
		wd, ok := weekdays[dayKey(d)]
		if !ok {
			return nil, fmt.Errorf("unknown day %q (mon, tue, wed, thu, fri, sat, sun)", d)
		}
		c.days[wd] = true
	}
	if c.start, err = clock(cc.Start); err != nil {
		return nil, err
	}
	if c.end, err = clock(cc.End); err != nil {
		return nil, err
	}
	if c.end <= c.start {
		return nil, fmt.Errorf("end %s is not after start %s", cc.End, cc.Start)
	}
	for _, h := range cc.Holidays {
		if _, err := time.Parse(time.DateOnly, h); err != nil {
			return nil, fmt.Errorf("holiday %q: use YYYY-MM-DD", h)
		}
		c.holidays[h] = true
	}
	if !c.always && c.days == [7]bool{} {
		return nil, fmt.Errorf("no working days")
	}
	return c, nil
}

// dayKey reduces a day name ("Monday", "lundi", "mon") to its first three letters, lower-case.
func dayKey(s string) string {
	r := []rune(strings.ToLower(strings.TrimSpace(s)))
	return string(r[:min(3, len(r))])
}

// clock parses a time of day, "HH:MM", as an offset from midnight. "24:00" is the end of the day.
func clock(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "24:00" {
		return 24 * time.Hour, nil
	}
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, fmt.Errorf("time of day %q: use HH:MM", s)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// window returns the working interval of the local day containing day, and whether that day works.
// The interval is in wall-clock hours: on a DST day it is an hour shorter or longer in real time.
func (c *Calendar) window(day time.Time) (from, to time.Time, ok bool) {
	y, m, d := day.Date()
	if !c.days[day.Weekday()] || c.holidays[fmt.Sprintf("%04d-%02d-%02d", y, m, d)] {
		return time.Time{}, time.Time{}, false
	}
	// time.Date on wall-clock hours keeps DST days right: 09:00 is 09:00 local either side.
	from = time.Date(y, m, d, int(c.start/time.Hour), int(c.start%time.Hour/time.Minute), 0, 0, c.loc)
	to = time.Date(y, m, d, int(c.end/time.Hour), int(c.end%time.Hour/time.Minute), 0, 0, c.loc)
	return from, to, true
}

func nextDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, t.Location())
}

// maxDays bounds the day-by-day walks: ten years of calendar.
const maxDays = 3660

// Add returns the instant at which d of business time has passed since t.
func (c *Calendar) Add(t time.Time, d time.Duration) time.Time {
	if c.always {
		return t.Add(d)
	}
	cur := t.In(c.loc)
	for i := 0; i < maxDays; i++ {
		from, to, ok := c.window(cur)
		if ok && cur.Before(to) {
			if cur.Before(from) {
				cur = from
			}
			if left := to.Sub(cur); d <= left {
				return cur.Add(d)
			} else {
				d -= left
			}
		}
		cur = nextDay(cur)
	}
	return cur
}

// Between returns the business time from a to b (zero if b is not after a).
func (c *Calendar) Between(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	if c.always {
		return b.Sub(a)
	}
	var total time.Duration
	cur := a.In(c.loc)
	for i := 0; i < maxDays && cur.Before(b); i++ {
		from, to, ok := c.window(cur)
		if ok {
			s, e := maxTime(cur, from), minTime(to, b)
			if e.After(s) {
				total += e.Sub(s)
			}
		}
		cur = nextDay(cur)
	}
	return total
}

// DayLength is the business time of one working day: its working hours, or 24 hours when every
// instant counts.
func (c *Calendar) DayLength() time.Duration {
	if c.always {
		return 24 * time.Hour
	}
	return c.end - c.start
}

// IsWorking reports whether t falls within working hours.
func (c *Calendar) IsWorking(t time.Time) bool {
	if c.always {
		return true
	}
	from, to, ok := c.window(t.In(c.loc))
	return ok && !t.Before(from) && t.Before(to)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Deadlines are a ticket's SLA due times.
type Deadlines struct {
	FirstResponse time.Time
	Resolve       time.Time
}

// Due computes a ticket's deadlines: the SLA of its priority counted in business time from when
// it was opened, pushed back by the business time it spent pending. An SLA in days counts
// working days (SLATime.On): "3d" from Friday 15:00 is Wednesday 15:00.
func Due(sla SLAConfig, opened time.Time, paused time.Duration, cal *Calendar) Deadlines {
	return Deadlines{
		FirstResponse: cal.Add(opened, sla.FirstResponse.On(cal)+paused),
		Resolve:       cal.Add(opened, sla.Resolve.On(cal)+paused),
	}
}
