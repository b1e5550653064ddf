package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskd/deskd/cmd/deskd/config"
	"github.com/deskd/deskd/tickets"
)

// cli runs one deskd command line in process and returns its exit status and output.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// cliConfig writes a config with a closed SMTP port (mail stays queued) and returns its path.
func cliConfig(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "deskd.toml")
	cfg := onTestDatabase(t, config.Local(config.Sample(), "127.0.0.1:1", "x", "127.0.0.1:1"))
	if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// seed opens a ticket directly through the desk, as a mail would: Céline's VPN request, or with
// idFrom (a Message-ID and a sender) the same request from someone else.
func seed(t *testing.T, path string, idFrom ...string) {
	t.Helper()
	id, from := "q1@client", "celine.dupre@corp.example"
	if len(idFrom) == 2 {
		id, from = idFrom[0], idFrom[1]
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	d, err := openDesk(context.Background(), cfg, discardLog())
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore(d.Store, discardLog())
	if _, err := d.Ingest(context.Background(), time.Now(), []*tickets.Incoming{{
		MessageID: id, From: from, FromName: "Céline Dupré",
		To: []string{"helpdesk@corp.example"}, Cc: []string{"priya.raman@corp.example"},
		Subject: "Le VPN ne se connecte plus", Text: "Le vpn refuse de se connecter.", Language: "fr", Verdict: "person",
	}}); err != nil {
		t.Fatal(err)
	}
}

func TestEveryCommandHasHelp(t *testing.T) {
	for _, c := range commands() {
		args := append(strings.Fields(c.name), "--help")
		code, out, _ := cli(t, args...)
		if code != 0 || !strings.Contains(out, "usage: deskd "+c.name) {
			t.Errorf("%s --help: exit %d, output %q", c.name, code, out)
		}
	}
	if code, out, _ := cli(t, "help"); code != 0 || !strings.Contains(out, "ticket list") {
		t.Errorf("help: %d %q", code, out)
	}
}

func TestExitCodes(t *testing.T) {
	path := cliConfig(t)
	seed(t, path)
	tests := []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"ticket"}, 2, "deskd ticket: missing subcommand: one of assign, category, close,"},
		{[]string{"ticket", "frobnicate", "--config", path}, 2, `deskd ticket: unknown subcommand "frobnicate": one of assign,`},
		{[]string{"run"}, 2, "deskd run: missing subcommand: one of autoclose, digest, escalation, prune"},
		{[]string{"ticket", "show"}, 2, "want a ticket number"},
		{[]string{"ticket", "show", "abc", "--config", path}, 2, `"abc" is not a ticket number`},
		{[]string{"ticket", "show", "99", "--config", path}, 1, "no such ticket"},
		{[]string{"ticket", "list", "--status", "weird", "--config", path}, 2, "unknown status"},
		{[]string{"ticket", "resolve", "1", "--config", path}, 2, "--note is required"},
		{[]string{"ticket", "list", "--bogus", "--config", path}, 2, "flag provided but not defined: -bogus (see deskd ticket list --help)"},
		{[]string{"run", "digest", "--config", path}, 0, ""},
		{[]string{"ticket", "priority", "1", "whenever", "--config", path}, 2, "unknown priority"},
		{[]string{"ticket", "assign", "1", "celine.dupre@corp.example", "--config", path}, 1, "not a technician"},
		{[]string{"ticket", "list", "--config", filepath.Join(t.TempDir(), "missing.toml")}, 1, "read config"},
		{[]string{"run", "escalation", "--now", "yesterday", "--config", path}, 2, "want RFC 3339"},
		{[]string{"ticket", "list", "--config", path}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[:min(3, len(tt.args))], " "), func(t *testing.T) {
			code, _, stderr := cli(t, tt.args...)
			if code != tt.code || !strings.Contains(stderr, tt.err) {
				t.Fatalf("exit %d stderr %q; want %d and %q", code, stderr, tt.code, tt.err)
			}
			if code != 0 && strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
				t.Fatalf("error is not one line: %q", stderr)
			}
		})
	}
}

func TestUnknownConfigKeyNamesKeyAndLine(t *testing.T) {
	path := cliConfig(t)
	b, _ := os.ReadFile(path)
	b = bytes.Replace(b, []byte(`tag = "HD"`), []byte("tag = \"HD\"\ncolour = \"red\""), 1)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	line := 1 + bytes.Count(b[:bytes.Index(b, []byte("colour"))], []byte("\n"))
	code, _, stderr := cli(t, "check", "--config", path)
	if code != 1 || !strings.Contains(stderr, fmt.Sprintf(`deskd.toml:%d: unknown key "desk.colour"`, line)) {
		t.Fatalf("exit %d: %q", code, stderr)
	}
}

func TestTicketJSONAndActions(t *testing.T) {
	path := cliConfig(t)
	t.Setenv("DESKD_CONFIG", path) // Also checks the $DESKD_CONFIG fallback.
	seed(t, path)
	code, out, stderr := cli(t, "ticket", "list", "--json")
	if code != 0 {
		t.Fatalf("list: %d %s", code, stderr)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 1 {
		t.Fatalf("list JSON %v: %s", err, out)
	}
	for _, k := range []string{"id", "subject", "requester", "status", "priority", "category", "assignee", "tier",
		"watchers", "language", "escalations", "created_at", "updated_at", "first_response_at", "first_response_due", "resolve_due"} {
		if _, ok := list[0][k]; !ok {
			t.Errorf("list JSON lacks %q", k)
		}
	}
	if list[0]["first_response_at"] != nil || list[0]["category"] != "network" || list[0]["language"] != "fr" {
		t.Errorf("list JSON %v", list[0])
	}

	for _, args := range [][]string{
		{"ticket", "note", "1", "called", "the", "user"},
		{"ticket", "priority", "1", "haute"},
		{"ticket", "escalate", "1", "--reason", "needs tier 2"},
		{"ticket", "resolve", "1", "--note", "Fixed."},
	} {
		if code, out, stderr := cli(t, args...); code != 0 || !strings.Contains(out, "ticket 1: done") {
			t.Fatalf("%v: exit %d out %q err %q", args, code, out, stderr)
		}
	}
	// --as names staff only: a requester or a mistyped address would sign staff actions.
	for _, as := range []string{"jean.moreau@corp.example", "nadia@corp.exmaple"} {
		if code, _, stderr := cli(t, "ticket", "note", "1", "x", "--as", as); code != 2 || !strings.Contains(stderr, "not a technician or coordinator") {
			t.Errorf("--as %s: exit %d, %q", as, code, stderr)
		}
	}
	// SMTP is down: the resolution is queued, told so, and kept for deskd serve.
	if _, out, _ := cli(t, "ticket", "reopen", "1"); !strings.Contains(out, "ticket 1: done") {
		t.Fatalf("reopen: %q", out)
	}
	if _, out, _ := cli(t, "ticket", "resolve", "1", "--note", "Profil VPN réinstallé."); !strings.Contains(out, "not sent now") {
		t.Fatalf("resolve with SMTP down: %q", out)
	}
	code, out, _ = cli(t, "ticket", "show", "1", "--json")
	var show tickets.TicketJSON
	if err := json.Unmarshal([]byte(out), &show); err != nil || code != 0 {
		t.Fatalf("show: %v %s", err, out)
	}
	if show.Status != "resolved" || show.Priority != "urgent" || show.Tier != 2 || show.Escalations != 1 || show.Attachments == nil {
		t.Fatalf("show %+v", show)
	}
	kinds := map[string]bool{}
	for _, e := range show.Events {
		kinds[e.Kind] = true
	}
	for _, k := range []string{"message", "note", "priority", "escalate", "assign", "status", "reply", "notify"} {
		if !kinds[k] {
			t.Errorf("no %q event in %v", k, kinds)
		}
	}
	if code, out, _ := cli(t, "ticket", "explain", "1"); code != 0 || !strings.Contains(out, "category network") || !strings.Contains(out, "assignee") {
		t.Fatalf("explain: %d %s", code, out)
	}
	if code, out, _ := cli(t, "ticket", "show", "1"); code != 0 || !strings.Contains(out, "Profil VPN réinstallé.") {
		t.Fatalf("show text: %d %s", code, out)
	}
}

func discardLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

// TestCronRecoversPanickingJob: a job that panics is logged and runs again at its next time, and
// a slow job is not started twice at once.
func TestCronRecoversPanickingJob(t *testing.T) {
	path := cliConfig(t)
	b, _ := os.ReadFile(path)
	if err := os.WriteFile(path, bytes.Replace(b, []byte(`escalation = "@every 1m"`), []byte(`escalation = "@every 1s"`), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	a, err := newApp(context.Background(), cfg, slog.New(slog.NewTextHandler(&syncWriter{w: &logs}, nil)), serving)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	runs := make(chan int, 10)
	n := 0
	a.jobs["escalation"] = func(ctx context.Context, now time.Time) error {
		n++
		runs <- n
		if n == 1 {
			panic("boom")
		}
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, err := a.schedule(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.Start()
	defer c.Stop()
	for want := 1; want <= 2; want++ {
		select {
		case got := <-runs:
			if got != want {
				t.Fatalf("run %d, want %d", got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("run %d never came: a panic must not stop the job", want)
		}
	}
	<-c.Stop().Done()
	if !strings.Contains(logs.String(), "boom") {
		t.Fatalf("the panic was not logged: %s", logs.String())
	}
}

type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func TestTechAwayAndBack(t *testing.T) {
	path := cliConfig(t)
	// Times say the desk's zone, as `ticket show` says them (the sample desk is in Paris).
	if code, out, errs := cli(t, "tech", "away", "alice@corp.example", "--until", "2099-12-24", "--config", path); code != 0 || !strings.Contains(out, "away until 2099-12-25 00:00 CET\n") {
		t.Fatalf("away: %d %q %q", code, out, errs)
	}
	seed(t, path) // A network ticket: Alice is away, so it goes elsewhere.
	_, out, _ := cli(t, "ticket", "list", "--json", "--config", path)
	if strings.Contains(out, `"assignee": "alice@corp.example"`) {
		t.Fatalf("assigned to an away technician: %s", out)
	}
	if _, out, _ := cli(t, "tech", "list", "--config", path); !strings.Contains(out, "2099-12-25 00:00 CET\n") {
		t.Fatalf("tech list: %s", out)
	}
	// --json, for scripts: every technician, Alice away until the end of the 24th, in RFC 3339.
	code, out, _ := cli(t, "tech", "list", "--json", "--config", path)
	var techs []struct {
		Email     string   `json:"email"`
		Tier      int      `json:"tier"`
		Skills    []string `json:"skills"`
		AwayUntil string   `json:"away_until"`
	}
	if err := json.Unmarshal([]byte(out), &techs); err != nil || code != 0 || len(techs) < 2 {
		t.Fatalf("tech list --json: %d %v %s", code, err, out)
	}
	for _, te := range techs {
		if away := te.AwayUntil != ""; away != (te.Email == "alice@corp.example") || te.Tier == 0 || te.Skills == nil {
			t.Errorf("tech list --json: %+v", te)
		}
	}
	if code, out, _ := cli(t, "tech", "back", "alice@corp.example", "--config", path); code != 0 || !strings.Contains(out, "is back") {
		t.Fatalf("back: %d %q", code, out)
	}
	if code, _, errs := cli(t, "tech", "away", "celine@corp.example", "--config", path); code != 1 || !strings.Contains(errs, "not a technician") {
		t.Fatalf("away for a non-technician: %d %q", code, errs)
	}
	// A past day is refused, as the web form refuses it, and the absence it would end stands.
	if code, _, _ := cli(t, "tech", "away", "alice@corp.example", "--until", "2099-12-24", "--config", path); code != 0 {
		t.Fatalf("away again: %d", code)
	}
	if code, out, errs := cli(t, "tech", "away", "alice@corp.example", "--until", "2020-01-01", "--config", path); code != 2 || !strings.Contains(errs, "the date is past") {
		t.Fatalf("away until a past day: exit %d %q %q, want 2 'the date is past'", code, out, errs)
	}
	if _, out, _ := cli(t, "tech", "list", "--config", path); !strings.Contains(out, "2099-12-25") {
		t.Fatalf("a refused past date changed the absence: %s", out)
	}
}

func TestCheckReportsProblemsInWords(t *testing.T) {
	path := cliConfig(t)
	dir := filepath.Join(filepath.Dir(path), "tpl", "fr")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ack.txt"), []byte("Bonjour {{.Ticket.Nope}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if err := os.WriteFile(path, bytes.Replace(b, []byte(`tag = "HD"`), []byte("tag = \"HD\"\ntemplates = \"tpl\""), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := cli(t, "check", "--config", path)
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"config " + path + ": ok", "database", "templates:", "ack.txt", "imap:", "smtp:"} {
		if !strings.Contains(out+stderr, want) {
			t.Errorf("check output lacks %q:\n%s%s", want, out, stderr)
		}
	}
}

func TestTicketOpenByPhone(t *testing.T) {
	path := cliConfig(t)
	code, out, errs := cli(t, "ticket", "open", "--config", path, "--from", "Paul.Durand@corp.example", "--name", "Paul Durand",
		"--subject", "Imprimante bloquée", "--cc", "lea@corp.example", "L'imprimante du 2e étage affiche bourrage papier.")
	if code != 0 || !strings.Contains(out, "ticket 1 opened: hardware") {
		t.Fatalf("open: %d %q %q", code, out, errs)
	}
	_, out, _ = cli(t, "ticket", "show", "1", "--json", "--config", path)
	var show tickets.TicketJSON
	if err := json.Unmarshal([]byte(out), &show); err != nil {
		t.Fatal(err)
	}
	if show.Requester != "paul.durand@corp.example" || show.Language != "fr" || len(show.Watchers) != 1 || show.Events[0].Actor != "nadia@corp.example" {
		t.Fatalf("ticket %+v", show)
	}
	if code, _, errs := cli(t, "ticket", "open", "--config", path, "--subject", "x", "text"); code != 2 || !strings.Contains(errs, "--from") {
		t.Fatalf("without --from: %d %q", code, errs)
	}
}

// TestOneShotQuiet: a command run once for its answer writes nothing but its answer: no log line
// on stderr when it succeeds, and one line, the error, when it fails, so that scripts can read
// both. -v (--verbose) shows the log.
func TestOneShotQuiet(t *testing.T) {
	path := cliConfig(t)
	seed(t, path)
	for _, args := range [][]string{
		{"ticket", "list"}, {"ticket", "show", "1", "--json"}, {"ticket", "explain", "1"},
		{"ticket", "note", "1", "looked", "at", "it", "--as", "alice@corp.example"},
		{"ticket", "similar", "1"}, {"tech", "list"},
	} {
		code, _, stderr := cli(t, append(args, "--config", path)...)
		if code != 0 || stderr != "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
	code, _, stderr := cli(t, "check", "--config", path)
	if code != 1 || strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "deskd check: ") {
		t.Errorf("check: exit %d, stderr %q, want one line", code, stderr)
	}
	// A job run once warns of what needs a person (here: no SMTP server), and no more.
	if _, _, stderr := cli(t, "run", "digest", "--config", path); strings.Contains(stderr, "level=INFO") {
		t.Errorf("run digest: stderr %q", stderr)
	}
	if _, _, stderr := cli(t, "run", "digest", "--verbose", "--config", path); !strings.Contains(stderr, "level=INFO msg=digest") {
		t.Errorf("--verbose logs nothing: %q", stderr)
	}
}
