package templates

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/deskd/deskd/tickets"
)

// TestThirdLanguageIsAFolder: a language deskd does not ship is one folder in the override
// directory, and no Go code. testdata/third-language/de holds German words, a German text layout
// and a German acknowledgement; the other kinds are copied from English here, as a translator
// would start. Every kind renders in German, with the German words of the catalogue in the shared
// HTML layout, the dates and the desk's phrases.
func TestThirdLanguageIsAFolder(t *testing.T) {
	dir := t.TempDir()
	fixture := filepath.Join("testdata", "third-language", "de")
	entries, err := os.ReadDir(fixture)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(fixture, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, dir, "de/"+e.Name(), string(b))
	}
	for _, kind := range tickets.MailKinds {
		for _, ext := range []string{".txt", ".html"} {
			if _, err := os.Stat(filepath.Join(dir, "de", kind+ext)); err == nil {
				continue
			}
			b, err := fs.ReadFile(embedded, "en/"+kind+ext)
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, dir, "de/"+kind+ext, string(b))
		}
	}
	if got := Available(dir); !slices.Equal(got, []string{"de", "en", "fr"}) {
		t.Fatalf("languages %v", got)
	}
	s := load(t, dir)
	for _, kind := range tickets.MailKinds {
		for i, n := range Samples(kind, "de") {
			subject, text, html, err := s.Render(kind, "de", n)
			if err != nil {
				t.Fatalf("de/%s-%d: %v", kind, i+1, err)
			}
			if !strings.Contains(html, `<html lang="de">`) || !strings.Contains(subject, "[HD") {
				t.Errorf("de/%s-%d: not a German mail:\n%s", kind, i+1, html)
			}
			if n.Audience == "staff" && n.Ticket.ID != 0 && !strings.Contains(text+html, "Befehle, am Zeilenanfang Ihrer Antwort:") {
				t.Errorf("de/%s-%d: the footer is not German:\n%s", kind, i+1, text)
			}
		}
	}
	subject, text, html, err := s.Render(tickets.KindAck, "de", Samples(tickets.KindAck, "de")[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Hallo Céline Dupré,", "Priorität: hoch", "Erste Antwort bis: Donnerstag, 26. November um 11:00", "Anfragende Person"} {
		if !strings.Contains(text, want) {
			t.Errorf("German text lacks %q:\n%s", want, text)
		}
	}
	if !strings.HasPrefix(subject, "[HD #42] Anfrage erhalten: ") || !strings.Contains(html, ">Zuständig<") || !strings.Contains(html, "Hallo") {
		t.Errorf("German subject %q or layout:\n%s", subject, html)
	}
	if got := s.Say("de", tickets.Phrase{Code: tickets.PhraseUnknownCategory, Args: map[string]string{"category": `"plumbing"`, "names": "network"}}); got != `unbekannte Kategorie "plumbing" (network)` {
		t.Errorf("German phrase %q", got)
	}
	// The shipped languages are unchanged beside it.
	if _, text, _, _ := s.Render(tickets.KindAck, "fr", Samples(tickets.KindAck, "fr")[0]); !strings.Contains(text, "Bonjour Céline Dupré,") {
		t.Errorf("French beside German:\n%s", text)
	}
}

// TestIncompleteLanguageIsALoadError: a language folder missing a word or a kind is refused when
// the templates load, naming what is missing.
func TestIncompleteLanguageIsALoadError(t *testing.T) {
	words, err := os.ReadFile(filepath.Join("testdata", "third-language", "de", "words.toml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFile(t, dir, "de/words.toml", strings.Replace(string(words), "no_subject = \"(kein Betreff)\"\n", "", 1))
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "phrase.no_subject is missing") {
		t.Fatalf("Load: %v", err)
	}
	writeFile(t, dir, "de/words.toml", string(words))
	if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "de/common.txt is missing") {
		t.Fatalf("Load: %v", err)
	}
}

// TestEveryPhraseIsWorded: each phrase the desk says has words in each shipped language, and the
// French and English words differ where they should.
func TestEveryPhraseIsWorded(t *testing.T) {
	s := load(t, "")
	for code, args := range tickets.Phrases {
		p := tickets.Phrase{Code: code, Args: map[string]string{}}
		for _, a := range args {
			p.Args[a] = "ARG"
		}
		for _, lang := range s.Languages() {
			if got := s.Say(lang, p); got == "" || got == p.String() || (len(args) > 0 && !strings.Contains(got, "ARG")) {
				t.Errorf("%s/%s: %q", lang, code, got)
			}
		}
	}
	if fr, en := s.Say("fr", tickets.Phrase{Code: tickets.PhraseNoSubject}), s.Say("en", tickets.Phrase{Code: tickets.PhraseNoSubject}); fr != "(sans objet)" || en != "(no subject)" {
		t.Errorf("no subject: %q, %q", fr, en)
	}
}
