package templates

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deskd/deskd/tickets"
)

var update = flag.Bool("update", false, "rewrite golden files")

func paris(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func load(t testing.TB, dir string) *Set {
	t.Helper()
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s.In(paris(t))
}

// TestGolden renders every sample of every kind in both languages and compares it with
// testdata/LANG/KIND-N.golden; run with -update to rewrite them after a deliberate change.
func TestGolden(t *testing.T) {
	s := load(t, "")
	for _, lang := range s.Languages() {
		for _, kind := range tickets.MailKinds {
			samples := Samples(kind, lang)
			if len(samples) == 0 {
				t.Fatalf("no sample for %s", kind)
			}
			for i, n := range samples {
				name := fmt.Sprintf("%s/%s-%d", lang, kind, i+1)
				t.Run(name, func(t *testing.T) {
					subject, text, html, err := s.Render(kind, lang, n)
					if err != nil {
						t.Fatal(err)
					}
					got := "Subject: " + subject + "\n\n" + text + "\n==== html\n" + html
					path := filepath.Join("testdata", name+".golden")
					if *update {
						if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
							t.Fatal(err)
						}
						if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
							t.Fatal(err)
						}
						return
					}
					want, err := os.ReadFile(path)
					if err != nil {
						t.Fatalf("%v (run go test -update)", err)
					}
					if got != string(want) {
						t.Errorf("%s differs from the golden file; got:\n%s", path, got)
					}
					if strings.Count(subject, Ref(n.Tag, n.Ticket.ID)) != 1 || !strings.HasPrefix(subject, Ref(n.Tag, n.Ticket.ID)+" ") {
						t.Errorf("subject %q: the tag must lead, once", subject)
					}
					if strings.Contains(strings.ToLower(subject), "re:") || strings.Contains(subject, "TR:") {
						t.Errorf("subject %q keeps a reply prefix", subject)
					}
					if strings.Contains(text, "<no value>") || strings.Contains(html, "<no value>") {
						t.Error("a missing value was rendered")
					}
				})
			}
		}
	}
}

func TestAckSaysWhatWasUnderstood(t *testing.T) {
	s := load(t, "")
	n := Samples(tickets.KindAck, "fr")[0]
	subject, text, html, err := s.Render(tickets.KindAck, "fr", n)
	if err != nil {
		t.Fatal(err)
	}
	if subject != "[HD #42] Demande reçue : Le VPN ne marche plus depuis ce matin" {
		t.Errorf("subject %q", subject)
	}
	for _, want := range []string{"Bonjour Céline Dupré,", "Réseau / VPN", "haute", "Alice Martin",
		"jeudi 26 novembre à 11:00", "Which building and room are you in?", "[HD #42]"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
		if !strings.Contains(html, want) {
			t.Errorf("html lacks %q", want)
		}
	}
	_, text, _, _ = s.Render(tickets.KindAck, "en", n)
	if !strings.Contains(text, "Thursday 26 November at 11:00") {
		t.Errorf("English date:\n%s", text)
	}
	// An unknown language falls back to English.
	if subject, _, _, err := s.Render(tickets.KindAck, "de", n); err != nil || !strings.Contains(subject, "Request received") {
		t.Errorf("fallback: %q, %v", subject, err)
	}
	if _, _, _, err := s.Render("nonsense", "fr", n); err == nil {
		t.Error("unknown kind rendered")
	}
}

func TestHTMLEscapesUserText(t *testing.T) {
	s := load(t, "")
	n := Samples(tickets.KindAssigned, "en")[0]
	n.Text = "<script>alert(1)</script>\nsecond line & more"
	n.Ticket.Subject = `<b>bold</b> "quoted"`
	_, text, html, err := s.Render(tickets.KindAssigned, "en", n)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(html, "<script>") || strings.Contains(html, "<b>bold</b>") {
		t.Errorf("user text not escaped:\n%s", html)
	}
	if !strings.Contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;<br>second line &amp; more") {
		t.Errorf("quoted text lines:\n%s", html)
	}
	if !strings.Contains(text, "> <script>alert(1)</script>\n> second line & more") {
		t.Errorf("text quoting:\n%s", text)
	}
}

func TestDigestEmptyIsOneLine(t *testing.T) {
	s := load(t, "")
	for lang, want := range map[string]string{"fr": "Rien à signaler.", "en": "Nothing to report."} {
		n := Samples(tickets.KindDigest, lang)[1]
		subject, text, html, err := s.Render(tickets.KindDigest, lang, n)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(text, want+"\n\n-- \n") || !strings.Contains(html, want) || !strings.HasPrefix(subject, "[HD] ") {
			t.Errorf("%s: %q\n%s", lang, subject, text)
		}
		n.Digest = nil
		if _, _, _, err := s.Render(tickets.KindDigest, lang, n); err != nil {
			t.Errorf("nil digest: %v", err)
		}
	}
	// Bars are tables with widths relative to the largest count.
	_, _, html, _ := s.Render(tickets.KindDigest, "en", Samples(tickets.KindDigest, "en")[0])
	if !strings.Contains(html, `width="33%"`) || !strings.Contains(html, `width="100%"><tr><td style="background-color:#1f4e79`) {
		t.Errorf("bars:\n%s", html)
	}
}

func TestCleanSubject(t *testing.T) {
	for in, want := range map[string]string{
		"VPN down":                           "VPN down",
		"Re: VPN down":                       "VPN down",
		"RE: Re: [HD #42] VPN down":          "VPN down",
		"TR: Fwd: [HD #42] Re: VPN down":     "VPN down",
		"[HD #42] [HD #42] VPN down":         "VPN down",
		"Re: [hd #42] VPN  \r\n down":        "VPN down",
		"Réf : VPN down":                     "VPN down",
		"Re[2]: VPN down":                    "VPN down",
		"Question about Re: numbers [HD #7]": "Question about Re: numbers",
		"[OTHER #3] VPN":                     "[OTHER #3] VPN",
		"  VPN \t down  ":                    "VPN down",
		"Re VPN down":                        "Re VPN down",
		"":                                   "",
	} {
		if got := CleanSubject(in, "HD"); got != want {
			t.Errorf("CleanSubject(%q) = %q, want %q", in, got, want)
		}
	}
}

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestOverride(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "fr/ack.txt", "Merci {{.RecipientName}}, c'est noté.\n")                           // Body only: the subject stays.
	writeFile(t, dir, "en/ack.txt", "{{define \"subject\"}}Got it: {{.Subject}}{{end}}Thanks, noted.\n") // Both.
	writeFile(t, dir, "layout.html", `{{define "bottom"}}<p>custom footer</p>{{end}}`)
	s := load(t, dir)
	n := Samples(tickets.KindAck, "fr")[0]
	subject, text, _, err := s.Render(tickets.KindAck, "fr", n)
	if err != nil {
		t.Fatal(err)
	}
	if text != "Merci Céline Dupré, c'est noté.\n" || !strings.Contains(subject, "Demande reçue : ") {
		t.Errorf("fr override: %q / %q", subject, text)
	}
	subject, text, html, _ := s.Render(tickets.KindAck, "en", n)
	if subject != "[HD #42] Got it: Le VPN ne marche plus depuis ce matin" || text != "Thanks, noted.\n" {
		t.Errorf("en override: %q / %q", subject, text)
	}
	if !strings.Contains(html, "<p>custom footer</p>") || strings.Contains(html, "</body>") {
		t.Errorf("layout.html override not used:\n%s", html)
	}
	// Files not overridden are the embedded ones.
	if _, text, _, _ := s.Render(tickets.KindReply, "en", Samples(tickets.KindReply, "en")[0]); !strings.Contains(text, "-- \nAlice Martin — Support Informatique") {
		t.Errorf("reply:\n%s", text)
	}
}

func TestBrokenOverrideIsALoadError(t *testing.T) {
	for name, c := range map[string]struct{ file, content, want string }{
		"syntax":        {"fr/ack.txt", "{{if .Subject}}unclosed", "fr/ack.txt"},
		"html syntax":   {"en/reply.html", "{{range}}", "en/reply.html"},
		"unknown field": {"fr/resolved.txt", "{{.Ticket.Nope}}", "fr/resolved"},
		"unknown func":  {"en/digest.html", "{{frobnicate .}}", "en/digest.html"},
		"unknown file":  {"fr/acknowledge.txt", "hello", "unknown file fr/acknowledge.txt"},
		"bad language":  {"de/ack.txt", "hallo", "unknown file de/ack.txt"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, c.file, c.content)
			_, err := Load(dir)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Load: %v; want an error naming %q", err, c.want)
			}
		})
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Fatal("a missing directory loaded")
	}
}

// TestRequesterSubjectsCleanBack: a requester's reply to any desk mail, subject unchanged, comes
// back to the ticket's subject once tickets.CleanSubject has removed the desk's prefixes.
func TestRequesterSubjectsCleanBack(t *testing.T) {
	set, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range set.Languages() {
		for _, kind := range tickets.MailKinds {
			for i, n := range Samples(kind, lang) {
				if n.Audience != "requester" || n.Ticket.ID == 0 {
					continue
				}
				subject, _, _, err := set.Render(kind, lang, n)
				if err != nil {
					t.Fatal(err)
				}
				want := CleanSubject(n.Ticket.Subject, n.Tag)
				if got := tickets.CleanSubject("RE: "+subject, n.Tag); got != want {
					t.Errorf("%s/%s-%d: %q cleans to %q, want %q", lang, kind, i, subject, got, want)
				}
			}
		}
	}
}

// TestEscalationReasonOneFullStop checks that a reason ending with its own full stop does not
// end the escalation notice's sentence with two.
func TestEscalationReasonOneFullStop(t *testing.T) {
	s := load(t, "")
	for _, lang := range []string{"fr", "en"} {
		n := Samples(tickets.KindEscalated, lang)[1]
		n.Reason = "réinitialiser le mot de passe. "
		_, text, html, err := s.Render(tickets.KindEscalated, lang, n)
		if err != nil {
			t.Fatal(err)
		}
		for _, body := range []string{text, html} {
			if !strings.Contains(body, "mot de passe.") || strings.Contains(body, "passe..") || strings.Contains(body, "passe. .") {
				t.Errorf("%s: the reason's sentence:\n%s", lang, body)
			}
		}
	}
}

// TestEscalationUnchangedSaysSo checks the notice of a desk escalation that could raise nothing
// (top tier, urgent already): it says so instead of "its priority is now".
func TestEscalationUnchangedSaysSo(t *testing.T) {
	s := load(t, "")
	for lang, want := range map[string]string{"fr": "rien ne peut monter", "en": "nothing can go up"} {
		n := Samples(tickets.KindEscalated, lang)[3]
		n.Unchanged = true
		_, text, html, err := s.Render(tickets.KindEscalated, lang, n)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text, want) || !strings.Contains(html, want) {
			t.Errorf("%s:\n%s", lang, text)
		}
	}
}
