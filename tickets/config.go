package tickets

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Config is what the desk needs to know: who it is, its team, its categories and its policy. It is
// a plain struct: DefaultConfig gives the defaults, Complete fills what depends on other settings,
// Validate says what is wrong. The configuration file (cmd/deskd/config) decodes its sections
// over DefaultConfig; the struct tags name the keys.
type Config struct {
	Desk        DeskConfig           `toml:"desk"`
	Technicians []Technician         `toml:"technician"`
	Coordinator []Coordinator        `toml:"coordinator"`
	Categories  []Category           `toml:"category"`
	SLA         map[string]SLAConfig `toml:"sla"` // Keyed by priority name.
	Calendar    CalendarConfig       `toml:"calendar"`
	Priority    PriorityConfig       `toml:"priority"`
	Security    SecurityConfig       `toml:"security"`
	Escalation  EscalationConfig     `toml:"escalation"`
	Incidents   IncidentsConfig      `toml:"incidents"`
}

// DeskConfig is the desk's part of the [desk] section: its identity and its rules.
type DeskConfig struct {
	Name          string   `toml:"name"`
	Address       string   `toml:"address"`   // Requesters write here.
	Addresses     []string `toml:"addresses"` // Other addresses that deliver to the same inbox.
	Tag           string   `toml:"tag"`       // Subject tag: [TAG #N].
	Language      string   `toml:"language"`  // Default language of the desk's mail.
	Timezone      string   `toml:"timezone"`
	PlusAddress   bool     `toml:"plus_address"`   // Reply-To with a signed plus-address.
	MaxAttachment Size     `toml:"max_attachment"` // Larger attachments are recorded as omitted; 0: no limit.
	ReopenDays    int      `toml:"reopen_days"`    // A reply within this many days reopens a resolved ticket.
	CloseAfter    Duration `toml:"close_after"`    // Resolved tickets close after this long without reply.
	RateLimit     int      `toml:"rate_limit"`     // Automatic mails to one address per hour.
	Signature     string   `toml:"signature"`      // Appended to the desk's name in technician replies.
	KeepRaw       Duration `toml:"keep_raw"`       // Raw mails and files of tickets closed this long ago are deleted; 0 keeps them.
	// Domains are the organisation's mail domains (default: the desk address's): only people
	// in them become watchers from a mail's copy.
	Domains     []string `toml:"domains"`
	MaxWatchers int      `toml:"max_watchers"` // Watchers that join from one mail at most; the rest are recorded.
}

// Technician is a [[technician]] entry.
type Technician struct {
	Name      string   `toml:"name"`
	Email     string   `toml:"email"`
	Skills    []string `toml:"skills"`
	Tier      int      `toml:"tier"` // 1 first line, 2 specialist, 3 expert; 0 means 1.
	Language  string   `toml:"language"`
	Signature string   `toml:"signature"`
	Aliases   []string `toml:"aliases"` // Other addresses the technician writes from.
}

// Coordinator is a [[coordinator]] entry.
type Coordinator struct {
	Name     string `toml:"name"`
	Email    string `toml:"email"`
	Language string `toml:"language"`
}

// Category is a [[category]] entry.
type Category struct {
	Name     string   `toml:"name"`
	Label    string   `toml:"label"`    // Human name for mails; defaults to Name.
	LabelFR  string   `toml:"label_fr"` // The name in French mails, when it differs by language.
	LabelEN  string   `toml:"label_en"` // The name in English mails.
	Keywords []string `toml:"keywords"`
	Ask      []string `toml:"ask"`      // Questions the acknowledgement asks.
	AskFR    []string `toml:"ask_fr"`   // The questions in French, when they differ by language.
	AskEN    []string `toml:"ask_en"`   // The questions in English.
	Priority string   `toml:"priority"` // Minimum priority for this category, "" for none.
}

// SLAConfig is one [sla.PRIORITY] section.
type SLAConfig struct {
	FirstResponse SLATime `toml:"first_response"`
	Resolve       SLATime `toml:"resolve"`
}

// CalendarConfig is the [calendar] section: the business hours SLAs count in.
type CalendarConfig struct {
	Days     []string `toml:"days"`  // "mon" … "sun".
	Start    string   `toml:"start"` // "09:00".
	End      string   `toml:"end"`   // "18:00".
	Timezone string   `toml:"timezone"`
	Holidays []string `toml:"holidays"` // "2026-12-25".
	Always   bool     `toml:"always"`   // Count every hour of every day (24/7 desks).
}

// PriorityConfig is the [priority] section.
type PriorityConfig struct {
	Default string   `toml:"default"`
	VIP     []string `toml:"vip"` // Senders whose tickets are at least high.
}

// SecurityConfig is the [security] section.
type SecurityConfig struct {
	// TrustedAuthservID names the server whose Authentication-Results header is trusted; when set,
	// technician commands are obeyed only with a DKIM or DMARC pass for the sender's domain.
	TrustedAuthservID string `toml:"trusted_authserv_id"`
}

// EscalationConfig is the [escalation] section.
type EscalationConfig struct {
	ReminderAt float64 `toml:"reminder_at"` // Fraction of the SLA used when the assignee is reminded.
	MaxTier    int     `toml:"max_tier"`    // 0: the highest tier of the team.
}

// IncidentsConfig is the [incidents] section: when alike requests are linked into an incident,
// who else hears of incidents, and the known answers technicians are shown.
type IncidentsConfig struct {
	Detect           bool     `toml:"detect"`            // Link alike requests into incidents by themselves.
	Window           Duration `toml:"window"`            // How recent the alike requests must be.
	MinRequests      int      `toml:"min_requests"`      // Alike requests of one category within the window that make an incident.
	Similarity       float64  `toml:"similarity"`        // How alike (0 to 1: Match.Similarity) a request must be to another to be linked.
	Announce         string   `toml:"announce"`          // Address told of large incidents ("all-staff@…"); "" for none.
	AnnounceSize     int      `toml:"announce_size"`     // Linked requests from which an incident is announced.
	AnnouncePriority string   `toml:"announce_priority"` // An incident of this priority or above is announced whatever its size.
	KnownAnswers     int      `toml:"known_answers"`     // Alike resolved tickets the assignment notice shows; 0 for none.
	KnownSimilarity  float64  `toml:"known_similarity"`  // How alike a resolved ticket must be to be shown.
}

// DefaultConfig returns the desk's defaults: what a key left out of the file means.
func DefaultConfig() Config {
	return Config{
		Desk: DeskConfig{
			Name: "Help desk", Tag: "HD", Language: "en", Timezone: "UTC", PlusAddress: true,
			MaxAttachment: 25 << 20, ReopenDays: 14, CloseAfter: Duration{7 * 24 * time.Hour}, RateLimit: 10,
			MaxWatchers: 10,
		},
		SLA: map[string]SLAConfig{
			"urgent": {SLATime{Time: 30 * time.Minute}, SLATime{Time: 4 * time.Hour}},
			"high":   {SLATime{Time: 2 * time.Hour}, SLATime{Time: 8 * time.Hour}},
			"normal": {SLATime{Time: 4 * time.Hour}, SLATime{Time: 24 * time.Hour}},
			"low":    {SLATime{Time: 8 * time.Hour}, SLATime{Time: 72 * time.Hour}},
		},
		Calendar:   CalendarConfig{Days: []string{"mon", "tue", "wed", "thu", "fri"}, Start: "09:00", End: "18:00"},
		Priority:   PriorityConfig{Default: "normal"},
		Escalation: EscalationConfig{ReminderAt: 0.8},
		Incidents: IncidentsConfig{Detect: true, Window: Duration{30 * time.Minute}, MinRequests: 3, Similarity: 0.3,
			AnnounceSize: 5, AnnouncePriority: "urgent", KnownAnswers: 3, KnownSimilarity: 0.2},
	}
}

// Complete fills what depends on other settings (a technician's language is the desk's unless
// set, the calendar's time zone too, the top tier is the team's) and lower-cases addresses.
func (c *Config) Complete() {
	d := &c.Desk
	d.Address = normAddress(d.Address)
	for i, a := range d.Addresses {
		d.Addresses[i] = normAddress(a)
	}
	for i, dom := range d.Domains {
		d.Domains[i] = strings.TrimPrefix(normAddress(dom), "@")
	}
	if _, dom, ok := strings.Cut(d.Address, "@"); ok && len(d.Domains) == 0 {
		d.Domains = []string{dom}
	}
	for i := range c.Technicians {
		t := &c.Technicians[i]
		t.Email = normAddress(t.Email)
		if t.Tier == 0 {
			t.Tier = 1
		}
		if t.Language == "" {
			t.Language = d.Language
		}
		for j, s := range t.Skills {
			t.Skills[j] = strings.ToLower(strings.TrimSpace(s))
		}
		for j, a := range t.Aliases {
			t.Aliases[j] = normAddress(a)
		}
	}
	for i := range c.Coordinator {
		co := &c.Coordinator[i]
		co.Email = normAddress(co.Email)
		if co.Language == "" {
			co.Language = d.Language
		}
	}
	for i := range c.Categories {
		cat := &c.Categories[i]
		cat.Name = strings.ToLower(strings.TrimSpace(cat.Name))
		if cat.Label == "" {
			cat.Label = cat.Name
		}
	}
	if c.Calendar.Timezone == "" {
		c.Calendar.Timezone = d.Timezone
	}
	c.Incidents.Announce = normAddress(c.Incidents.Announce)
	for i, v := range c.Priority.VIP {
		c.Priority.VIP[i] = normAddress(v)
	}
	if c.Escalation.MaxTier == 0 {
		c.Escalation.MaxTier = 1
		for _, t := range c.Technicians {
			c.Escalation.MaxTier = max(c.Escalation.MaxTier, t.Tier)
		}
	}
}

func normAddress(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ConfigError is a setting that is not valid. Table, Index and Key name it as in the file: the
// section ("desk", "technician", "sla.urgent"), the entry of an array of tables (-1 otherwise)
// and the key ("" for the whole section).
type ConfigError struct {
	Table string
	Index int
	Key   string
	Msg   string
}

func (e *ConfigError) Error() string { return e.Msg }

func keyErr(table string, index int, key, format string, args ...any) error {
	return &ConfigError{Table: table, Index: index, Key: key, Msg: fmt.Sprintf(format, args...)}
}

// Validate reports the first setting that is not valid, as a *ConfigError. languages are those the
// desk can write mail in (the templates'); every language key must name one of them.
func (c *Config) Validate(languages []string) error {
	d := c.Desk
	language := func(table string, index int, who, lang string) error {
		if slices.Contains(languages, lang) {
			return nil
		}
		return keyErr(table, index, "language", "%slanguage %q: use %s", who, lang, orList(languages))
	}
	if d.Address == "" {
		return keyErr("desk", -1, "address", "desk.address is required")
	}
	if !validAddress(d.Address) {
		return keyErr("desk", -1, "address", "desk.address %q is not an e-mail address", d.Address)
	}
	if err := language("desk", -1, "desk.", d.Language); err != nil {
		return err
	}
	if _, err := time.LoadLocation(d.Timezone); err != nil {
		return keyErr("desk", -1, "timezone", "desk.timezone %q: unknown time zone", d.Timezone)
	}
	if strings.ContainsAny(d.Tag, " []#") {
		return keyErr("desk", -1, "tag", "desk.tag %q: no spaces, brackets or #", d.Tag)
	}
	if d.RateLimit < 1 {
		return keyErr("desk", -1, "rate_limit", "desk.rate_limit %d: at least 1", d.RateLimit)
	}
	if d.CloseAfter.Duration <= 0 {
		return keyErr("desk", -1, "close_after", "desk.close_after: must be longer than 0")
	}
	if d.MaxWatchers < 0 {
		return keyErr("desk", -1, "max_watchers", "desk.max_watchers %d: 0 or more", d.MaxWatchers)
	}
	for _, dom := range d.Domains {
		if dom == "" || strings.ContainsAny(dom, "@ \t,;<>") || !strings.Contains(dom, ".") && dom != "localhost" {
			return keyErr("desk", -1, "domains", "desk.domains: %q is not a mail domain", dom)
		}
	}

	cats := map[string]bool{}
	for i, cat := range c.Categories {
		if cat.Name == "" {
			return keyErr("category", i, "name", "category %d has no name", i+1)
		}
		if cats[cat.Name] {
			return keyErr("category", i, "name", "category %q is defined twice", cat.Name)
		}
		if cat.Priority != "" {
			if _, err := ParsePriority(cat.Priority); err != nil {
				return keyErr("category", i, "priority", "category %q: %v", cat.Name, err)
			}
		}
		cats[cat.Name] = true
	}

	people := map[string]string{}
	for i, t := range c.Technicians {
		if t.Name == "" {
			return keyErr("technician", i, "name", "technician %d has no name", i+1)
		}
		if !validAddress(t.Email) {
			return keyErr("technician", i, "email", "technician %q: email %q is not an e-mail address", t.Name, t.Email)
		}
		if len(t.Skills) == 0 {
			return keyErr("technician", i, "skills", "technician %q has no skills", t.Name)
		}
		if t.Tier < 1 || t.Tier > 3 {
			return keyErr("technician", i, "tier", "technician %q: tier %d: use 1, 2 or 3", t.Name, t.Tier)
		}
		if err := language("technician", i, fmt.Sprintf("technician %q: ", t.Name), t.Language); err != nil {
			return err
		}
		if prev, ok := people[t.Email]; ok {
			return keyErr("technician", i, "email", "%s is listed twice (%s)", t.Email, prev)
		}
		if t.Email == d.Address {
			return keyErr("technician", i, "email", "technician %q uses the desk address", t.Name)
		}
		people[t.Email] = "technician " + t.Name
	}
	for i, co := range c.Coordinator {
		if !validAddress(co.Email) {
			return keyErr("coordinator", i, "email", "coordinator %q: email %q is not an e-mail address", co.Name, co.Email)
		}
		if err := language("coordinator", i, fmt.Sprintf("coordinator %q: ", co.Name), co.Language); err != nil {
			return err
		}
	}
	cal, calErr := c.Calendar.Build()
	for name, s := range c.SLA {
		if _, err := ParsePriority(name); err != nil {
			return keyErr("sla."+name, -1, "resolve", "sla.%s: not a priority (low, normal, high, urgent)", name)
		}
		if calErr == nil && s.FirstResponse.On(cal) > s.Resolve.On(cal) {
			return keyErr("sla."+name, -1, "first_response", "sla.%s: first_response %s is longer than resolve %s", name, s.FirstResponse, s.Resolve)
		}
	}
	if _, err := ParsePriority(c.Priority.Default); err != nil {
		return keyErr("priority", -1, "default", "priority.default: %v", err)
	}
	if calErr != nil {
		return keyErr("calendar", -1, "", "calendar: %v", calErr)
	}
	if c.Escalation.ReminderAt <= 0 || c.Escalation.ReminderAt >= 1 {
		return keyErr("escalation", -1, "reminder_at", "escalation.reminder_at %v: use a fraction between 0 and 1", c.Escalation.ReminderAt)
	}
	return c.Incidents.validate(d)
}

// validate checks the [incidents] section.
func (in IncidentsConfig) validate(d DeskConfig) error {
	if in.Window.Duration <= 0 {
		return keyErr("incidents", -1, "window", "incidents.window: must be longer than 0")
	}
	if in.MinRequests < 2 {
		return keyErr("incidents", -1, "min_requests", "incidents.min_requests %d: at least 2", in.MinRequests)
	}
	if in.Similarity <= 0 || in.Similarity > 1 {
		return keyErr("incidents", -1, "similarity", "incidents.similarity %v: use a fraction above 0, at most 1", in.Similarity)
	}
	if in.KnownSimilarity < 0 || in.KnownSimilarity > 1 {
		return keyErr("incidents", -1, "known_similarity", "incidents.known_similarity %v: use a fraction from 0 to 1", in.KnownSimilarity)
	}
	if in.KnownAnswers < 0 || in.KnownAnswers > 10 {
		return keyErr("incidents", -1, "known_answers", "incidents.known_answers %d: use 0 to 10", in.KnownAnswers)
	}
	if in.Announce != "" && (!validAddress(in.Announce) || d.IsDeskAddress(in.Announce)) {
		return keyErr("incidents", -1, "announce", "incidents.announce %q: an e-mail address other than the desk's", in.Announce)
	}
	if in.AnnounceSize < 1 {
		return keyErr("incidents", -1, "announce_size", "incidents.announce_size %d: at least 1", in.AnnounceSize)
	}
	if _, err := ParsePriority(in.AnnouncePriority); err != nil {
		return keyErr("incidents", -1, "announce_priority", "incidents.announce_priority: %v", err)
	}
	return nil
}

// orList is `"fr" or "en"`: the quoted values, the last after "or".
func orList(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = fmt.Sprintf("%q", v)
	}
	if len(q) < 2 {
		return strings.Join(q, "")
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// Warnings are problems that do not stop the desk; `deskd check` prints them.
func (c *Config) Warnings() []string {
	cats := map[string]bool{}
	for _, cat := range c.Categories {
		cats[cat.Name] = true
	}
	var out []string
	for _, t := range c.Technicians {
		for _, s := range t.Skills {
			if !cats[s] {
				// The contract's own example has a skill with no category: not an error, but
				// worth saying — no ticket can be classified into it.
				out = append(out, fmt.Sprintf("technician %q: skill %q is not a category", t.Name, s))
			}
		}
	}
	return out
}

// Duration is a time.Duration read from a string such as "30m", "4h" or "2d".
type Duration struct{ time.Duration }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	d.Duration = v
	return nil
}

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// ParseDuration parses a Go duration, also accepting a whole number of days ("7d").
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		var days int
		if _, err := fmt.Sscanf(n, "%d", &days); err != nil || fmt.Sprint(days) != n || days < 0 {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("negative duration %q", s)
	}
	return d, nil
}

// SLATime is how long an SLA allows, read from "3d" (three working days of the calendar),
// "4h" or "30m" (business time), or both ("1d4h"). A working day is as long as the calendar's
// working hours (09:00 to 18:00: 9 hours; a calendar with always = true: 24 hours), so that
// "3d" from Friday 15:00 ends on Wednesday at 15:00, and a holiday or a weekend between counts
// nothing.
type SLATime struct {
	Days int           // Working days.
	Time time.Duration // Business time besides the days.
}

// On returns the business time s stands for on the calendar cal.
func (s SLATime) On(cal *Calendar) time.Duration {
	return time.Duration(s.Days)*cal.DayLength() + s.Time
}

// String is s as it is written in the configuration: "3d", "1d4h0m0s", "4h0m0s".
func (s SLATime) String() string {
	switch {
	case s.Days == 0:
		return s.Time.String()
	case s.Time == 0:
		return fmt.Sprintf("%dd", s.Days)
	}
	return fmt.Sprintf("%dd%s", s.Days, s.Time)
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *SLATime) UnmarshalText(b []byte) error {
	v, err := ParseSLATime(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// MarshalText implements encoding.TextMarshaler.
func (s SLATime) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// ParseSLATime parses an SLA's time: a whole number of working days ("3d"), a Go duration of
// business time ("4h", "90m"), or days then time ("1d4h").
func ParseSLATime(str string) (SLATime, error) {
	str = strings.TrimSpace(str)
	var s SLATime
	rest := str
	if i := strings.IndexByte(str, 'd'); i >= 0 {
		n, err := strconv.Atoi(str[:i])
		if err != nil || n < 0 || strconv.Itoa(n) != str[:i] {
			return SLATime{}, fmt.Errorf("invalid duration %q: use 3d (working days), 4h or 30m (business time)", str)
		}
		s.Days, rest = n, str[i+1:]
	}
	if rest != "" || s.Days == 0 && rest == "" {
		d, err := time.ParseDuration(rest)
		if err != nil || d < 0 {
			return SLATime{}, fmt.Errorf("invalid duration %q: use 3d (working days), 4h or 30m (business time)", str)
		}
		s.Time = d
	}
	return s, nil
}

// Size is a byte count read from a number or a string such as "10MB".
type Size int64

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Size) UnmarshalText(b []byte) error {
	str := strings.ToUpper(strings.TrimSpace(string(b)))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}} {
		if n, ok := strings.CutSuffix(str, u.suffix); ok {
			str, mult = strings.TrimSpace(n), u.mult
			break
		}
	}
	var n int64
	if _, err := fmt.Sscanf(str, "%d", &n); err != nil || n < 0 {
		return fmt.Errorf("invalid size %q", string(b))
	}
	*s = Size(n * mult)
	return nil
}

func validAddress(s string) bool {
	at := strings.LastIndexByte(s, '@')
	return at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " \t<>,;\"") && Sendable(s)
}

// Technician returns the configured technician with this address or one of their aliases.
func (c *Config) Technician(email string) (Technician, bool) {
	email = strings.ToLower(email)
	for _, t := range c.Technicians {
		if t.Email == email || slices.Contains(t.Aliases, email) {
			return t, true
		}
	}
	return Technician{}, false
}

// LabelFor returns the category's name for a mail in lang.
func (c Category) LabelFor(lang string) string {
	switch {
	case lang == "fr" && c.LabelFR != "":
		return c.LabelFR
	case lang == "en" && c.LabelEN != "":
		return c.LabelEN
	}
	return c.Label
}

// Questions returns a category's questions for a requester writing in lang.
func (c Category) Questions(lang string) []string {
	switch {
	case lang == "fr" && len(c.AskFR) > 0:
		return c.AskFR
	case lang == "en" && len(c.AskEN) > 0:
		return c.AskEN
	}
	return c.Ask
}

// CoordinatorByEmail returns the configured coordinator with this address.
func (c *Config) CoordinatorByEmail(email string) (Coordinator, bool) {
	email = strings.ToLower(email)
	for _, co := range c.Coordinator {
		if co.Email == email {
			return co, true
		}
	}
	return Coordinator{}, false
}

// Category returns the configured category with this name.
func (c *Config) Category(name string) (Category, bool) {
	for _, cat := range c.Categories {
		if cat.Name == name {
			return cat, true
		}
	}
	return Category{}, false
}

// CategoryNamed returns the category a person names: by its name or by one of its labels, in
// any case, with or without accents ("matériel", "Materiel", "hardware").
func (c *Config) CategoryNamed(s string) (Category, bool) {
	f := strings.TrimSpace(Fold(s))
	if f == "" {
		return Category{}, false
	}
	for _, cat := range c.Categories {
		for _, n := range []string{cat.Name, cat.Label, cat.LabelFR, cat.LabelEN} {
			if n != "" && Fold(n) == f {
				return cat, true
			}
		}
	}
	return Category{}, false
}

// IsStaff reports whether the address is a technician or a coordinator.
func (c *Config) IsStaff(email string) bool {
	_, t := c.Technician(email)
	_, co := c.CoordinatorByEmail(email)
	return t || co
}

// IsDeskAddress reports whether the address is one of the desk's own, plus-addresses included.
func (c *Config) IsDeskAddress(email string) bool { return c.Desk.IsDeskAddress(email) }

// IsDeskAddress reports whether the address is one of the desk's own, plus-addresses included.
func (d DeskConfig) IsDeskAddress(email string) bool {
	email = strings.ToLower(email)
	for _, a := range append([]string{d.Address}, d.Addresses...) {
		if email == a {
			return true
		}
		local, domain, _ := strings.Cut(a, "@")
		if l, dom, ok := strings.Cut(email, "@"); ok && dom == domain && strings.HasPrefix(l, local+"+") {
			return true
		}
	}
	return false
}

// DeskDomain is the domain of the desk address, used for Message-IDs.
func (c *Config) DeskDomain() string {
	_, d, _ := strings.Cut(c.Desk.Address, "@")
	return d
}

// Location is the desk's time zone.
func (c *Config) Location() *time.Location { return c.Desk.Location() }

// Location is the desk's time zone, UTC when it is not valid.
func (d DeskConfig) Location() *time.Location {
	loc, err := time.LoadLocation(d.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}
