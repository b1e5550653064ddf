package mailin

import (
	"strconv"
	"strings"
	"time"
)

// Time zones of calendar parts. A DTSTART names its zone by TZID: an IANA name (Gmail, Apple),
// a Windows name ("Romance Standard Time", Outlook), Outlook's older display name ("(UTC+01:00)
// Brussels, Copenhagen, Madrid, Paris"), or a name of the part's own ("Customized Time Zone",
// Outlook's for a zone it exported by hand). Known names are mapped to their IANA zone; any
// other is read from the part's VTIMEZONE (RFC 5545 section 3.6.5): its STANDARD and DAYLIGHT
// observances, each an offset from an onset, yearly by an RRULE.

// maxZones bounds the VTIMEZONEs read in one part, and the observances in one of them.
const maxZones = 8

// windowsZones are the Windows names of time zones Outlook writes in TZID, for the zones of the
// desk's users; another is read from the part's VTIMEZONE.
var windowsZones = map[string]string{
	"Romance Standard Time": "Europe/Paris", "W. Europe Standard Time": "Europe/Berlin",
	"Central Europe Standard Time": "Europe/Budapest", "Central European Standard Time": "Europe/Warsaw",
	"GMT Standard Time": "Europe/London", "Greenwich Standard Time": "Atlantic/Reykjavik", "UTC": "UTC",
	"Eastern Standard Time": "America/New_York", "Central Standard Time": "America/Chicago",
	"Pacific Standard Time": "America/Los_Angeles", "Morocco Standard Time": "Africa/Casablanca",
	"W. Central Africa Standard Time": "Africa/Lagos", "E. Africa Standard Time": "Africa/Nairobi",
	"Mountain Standard Time": "America/Denver", "GTB Standard Time": "Europe/Bucharest",
	"FLE Standard Time": "Europe/Kiev", "Israel Standard Time": "Asia/Jerusalem",
	"Arabian Standard Time": "Asia/Dubai", "India Standard Time": "Asia/Kolkata",
	"China Standard Time": "Asia/Shanghai", "Tokyo Standard Time": "Asia/Tokyo",
	"AUS Eastern Standard Time": "Australia/Sydney", "Canada Central Standard Time": "America/Regina",
	"Atlantic Standard Time": "America/Halifax", "SA Pacific Standard Time": "America/Bogota",
	"E. South America Standard Time": "America/Sao_Paulo", "South Africa Standard Time": "Africa/Johannesburg",
}

// displayZones are the cities of Outlook's older display names of zones ("(UTC+01:00)
// Brussels, Copenhagen, Madrid, Paris"; in French "(UTC+01:00) Bruxelles, Copenhague, Madrid,
// Paris"), by the first city the name lists, lower-case: the same zone in every language.
var displayZones = map[string]string{
	"brussels": "Europe/Paris", "bruxelles": "Europe/Paris",
	"amsterdam": "Europe/Berlin", "belgrade": "Europe/Budapest", "sarajevo": "Europe/Warsaw",
	"dublin": "Europe/London", "monrovia": "Atlantic/Reykjavik", "casablanca": "Africa/Casablanca",
	"west central africa": "Africa/Lagos", "afrique centrale - ouest": "Africa/Lagos",
	"eastern time (us & canada)": "America/New_York", "est (états-unis et canada)": "America/New_York",
	"central time (us & canada)": "America/Chicago", "pacific time (us & canada)": "America/Los_Angeles",
	"coordinated universal time": "UTC", "temps universel coordonné": "UTC",
}

// zoneByName returns the zone a TZID names when it is one we know, nil otherwise.
func zoneByName(tzid string) *time.Location {
	if tzid == "" {
		return nil
	}
	name := tzid
	if n, ok := windowsZones[tzid]; ok {
		name = n
	} else if rest, ok := strings.CutPrefix(tzid, "("); ok {
		// "(UTC+01:00) Brussels, Copenhagen, Madrid, Paris", "(GMT+01.00) Amsterdam / Berlin".
		if _, cities, ok := strings.Cut(rest, ")"); ok {
			first, _, _ := strings.Cut(strings.ReplaceAll(cities, "/", ","), ",")
			n, ok := displayZones[strings.ToLower(strings.TrimSpace(first))]
			if !ok {
				return nil
			}
			name = n
		}
	}
	if strings.ContainsAny(name, " ()") {
		return nil // No IANA name has a space: time.LoadLocation would look for a file.
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil
	}
	return loc
}

// vtimezone is a VTIMEZONE of a calendar part.
type vtimezone struct {
	id    string
	rules []zoneObservance
}

// zoneObservance is a STANDARD or DAYLIGHT observance: from its onset, the zone's offset is to.
type zoneObservance struct {
	start    time.Time // DTSTART: the first onset, local time in the offset before (from).
	from, to int       // TZOFFSETFROM, TZOFFSETTO, in seconds east of UTC.
	toOK     bool
	month    time.Month   // RRULE BYMONTH; 0 without a yearly rule.
	nth      int          // RRULE BYDAY's ordinal: 2 for 2SU, -1 for -1SU; 0 with BYMONTHDAY.
	weekday  time.Weekday // RRULE BYDAY's day.
	monthDay int          // RRULE BYMONTHDAY's first day ("8,9,…,14" with BYDAY=SU: the second Sunday).
	until    time.Time    // RRULE UNTIL: the last onset (a zone's old rules end where its new ones begin); zero for none.
}

// read reads a property of the VTIMEZONE, or of its observance rule (depth 3).
func (z *vtimezone) read(rule *zoneObservance, depth int, name, value string) {
	value = strings.TrimSpace(value)
	if depth == 2 && name == "TZID" {
		z.id = value
		return
	}
	if rule == nil || depth != 3 {
		return
	}
	switch name {
	case "DTSTART":
		rule.start, _ = time.Parse("20060102T150405", value)
	case "TZOFFSETFROM":
		rule.from, _ = utcOffsetValue(value)
	case "TZOFFSETTO":
		rule.to, rule.toOK = utcOffsetValue(value)
	case "RRULE":
		rule.readRule(value)
	}
}

// readRule reads the yearly RRULE of an observance ("FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10").
func (o *zoneObservance) readRule(v string) {
	var month, nth, monthDay int
	day := -1
	yearly := false
	for _, part := range strings.Split(strings.ToUpper(v), ";") {
		k, val, _ := strings.Cut(part, "=")
		switch k {
		case "FREQ":
			yearly = val == "YEARLY"
		case "BYMONTH":
			month, _ = strconv.Atoi(val)
		case "UNTIL":
			if u, err := time.Parse("20060102T150405Z", val); err == nil {
				o.until = u
			} else if u, err := time.Parse("20060102T150405", val); err == nil {
				o.until = u
			} else if u, err := time.Parse("20060102", val); err == nil {
				o.until = u.Add(24*time.Hour - time.Second)
			}
		case "BYMONTHDAY":
			first, _, _ := strings.Cut(val, ",")
			monthDay, _ = strconv.Atoi(first)
		case "BYDAY":
			val, _, _ = strings.Cut(val, ",")
			if len(val) < 2 {
				return
			}
			i := strings.Index("SUMOTUWETHFRSA", val[len(val)-2:])
			if i < 0 || i%2 != 0 {
				return
			}
			day = i / 2
			if n := val[:len(val)-2]; n != "" {
				nth, _ = strconv.Atoi(strings.TrimPrefix(n, "+"))
			}
		}
	}
	if !yearly || month < 1 || month > 12 || day < 0 || nth == 0 && monthDay == 0 || nth < -5 || nth > 5 {
		return
	}
	o.month, o.nth, o.weekday, o.monthDay = time.Month(month), nth, time.Weekday(day), monthDay
}

// onset is the observance's onset in year y, as a local time; false when it has none that year.
func (o *zoneObservance) onset(y int) (time.Time, bool) {
	h, mi, s := o.start.Clock()
	if o.month == 0 {
		return o.start, o.start.Year() == y
	}
	var d time.Time
	switch {
	case o.nth > 0:
		d = time.Date(y, o.month, 1, h, mi, s, 0, time.UTC)
		d = d.AddDate(0, 0, (int(o.weekday)-int(d.Weekday())+7)%7+7*(o.nth-1))
	case o.nth < 0:
		d = time.Date(y, o.month+1, 0, h, mi, s, 0, time.UTC) // The month's last day.
		d = d.AddDate(0, 0, -((int(d.Weekday())-int(o.weekday)+7)%7)+7*(o.nth+1))
	default:
		d = time.Date(y, o.month, o.monthDay, h, mi, s, 0, time.UTC)
		d = d.AddDate(0, 0, (int(o.weekday)-int(d.Weekday())+7)%7)
	}
	// UNTIL is in UTC, the onset local: a day's slack either way keeps the last onset and no
	// later one (onsets are a year apart).
	if d.Month() != o.month || d.Before(o.start) || !o.until.IsZero() && d.After(o.until.Add(24*time.Hour)) {
		return time.Time{}, false // A fifth Sunday the month lacks, or outside the rule's years.
	}
	return d, true
}

// offsetAt is the zone's offset, in seconds east of UTC, at a local time: that of the
// observance whose latest onset is the nearest before it (this year's or last year's).
func (z *vtimezone) offsetAt(local time.Time) (int, bool) {
	var best time.Time
	off, found := 0, false
	for i := range z.rules {
		o := &z.rules[i]
		if !o.toOK {
			continue
		}
		for _, y := range []int{local.Year(), local.Year() - 1} {
			if at, ok := o.onset(y); ok && !at.After(local) {
				if !found || at.After(best) {
					best, off, found = at, o.to, true
				}
				break
			}
		}
	}
	if !found {
		// A local time before every onset (Outlook's rules begin in 1601): the earliest
		// observance's offset before it.
		for i := range z.rules {
			if o := &z.rules[i]; o.toOK && (!found || o.start.Before(best)) {
				best, off, found = o.start, o.from, true
			}
		}
	}
	return off, found
}

// utcOffsetValue reads a UTC-OFFSET value (RFC 5545 section 3.3.14): "+0100", "-0500", "+053000".
func utcOffsetValue(v string) (int, bool) {
	if len(v) != 5 && len(v) != 7 || v[0] != '+' && v[0] != '-' {
		return 0, false
	}
	n, err := strconv.Atoi(v[1:])
	if err != nil {
		return 0, false
	}
	if len(v) == 5 {
		n *= 100
	}
	sec := n/10000*3600 + n/100%100*60 + n%100
	if v[0] == '-' {
		sec = -sec
	}
	return sec, true
}
