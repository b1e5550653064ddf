package templates

import (
	"bytes"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// The words of the web desk's pages: LANG/web.toml, one flat table of keys beside the mails'
// words.toml. Each value is a small Go template over named arguments ({{.n}}), like a phrase.
// English is the reference: another language's web.toml must have every key of en/web.toml. A
// language without a web.toml shows the pages in English (its mails are still its own).

// pageWords is one language's web.toml, parsed.
type pageWords struct {
	lang  string
	words map[string]*texttemplate.Template // Every key; nil for a word in plain.
	plain map[string]string                 // The words without arguments, as they are: a page says dozens of them.
}

// loadPageWords reads lang/web.toml (the embedded one, then its override); nil when neither
// exists. ref is the reference whose keys it must all have (nil while loading the reference).
func loadPageWords(over fs.FS, lang string, ref *pageWords) (*pageWords, error) {
	name := lang + "/web.toml"
	srcs := sources(over, name)
	if len(srcs) == 0 {
		if ref == nil {
			return nil, fmt.Errorf("%s is missing", name)
		}
		return nil, nil
	}
	raw := map[string]string{}
	for _, src := range srcs {
		var m map[string]string
		if err := src.decode(toml.NewDecoder(strings.NewReader(src.text)), &m); err != nil {
			return nil, err
		}
		maps.Copy(raw, m)
	}
	p := &pageWords{lang: lang, words: map[string]*texttemplate.Template{}, plain: map[string]string{}}
	setup := func(t *texttemplate.Template) *texttemplate.Template { return t.Option("missingkey=zero") }
	ns := setup(texttemplate.New(" words"))
	for k, v := range raw {
		if !strings.Contains(v, "{{") { // Text alone, which parses and executes to itself.
			p.plain[k], p.words[k] = v, nil
			continue
		}
		t, err := wordTemplate(ns, k, v, setup)
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", name, k, err)
		}
		p.words[k] = t
	}
	if ref != nil {
		for _, k := range slices.Sorted(maps.Keys(ref.words)) {
			if _, ok := p.words[k]; !ok {
				return nil, fmt.Errorf("%s: %s is missing", name, k)
			}
		}
	}
	return p, nil
}

// say executes a word with its arguments, given as name, value pairs.
func (p *pageWords) say(key string, args []any) (string, error) {
	if s, ok := p.plain[key]; ok {
		return s, nil
	}
	t := p.words[key]
	if t == nil {
		return "", fmt.Errorf("no word %q in %s/web.toml", key, p.lang)
	}
	m := map[string]any{}
	for i := 0; i+1 < len(args); i += 2 {
		m[fmt.Sprint(args[i])] = args[i+1]
	}
	var b bytes.Buffer
	if err := t.Execute(&b, m); err != nil {
		return "", fmt.Errorf("%s/web.toml: %s: %w", p.lang, key, err)
	}
	return b.String(), nil
}

// Page is what the web desk's pages say in one language: their words, and the catalogue's names
// of priorities, statuses and events, and its dates.
type Page struct {
	Lang  string // The language the pages are in (Fallback when the asked one has no web.toml).
	words *pageWords
	cat   *catalogue
	loc   *time.Location
}

// Page returns the words of the web desk in lang, with dates in loc.
func (s *Set) Page(lang string, loc *time.Location) *Page {
	c := s.words[lang]
	w := s.pages[lang]
	if c == nil || w == nil {
		lang = Fallback
		c, w = s.words[Fallback], s.pages[Fallback]
	}
	if loc == nil {
		loc = time.UTC
	}
	return &Page{Lang: lang, words: w, cat: c, loc: loc}
}

// Word says a word of web.toml with its arguments (name, value pairs); a missing word is its key,
// so that a page never fails for want of a word (Load checks them all).
func (p *Page) Word(key string, args ...any) string {
	s, err := p.words.say(key, args)
	if err != nil {
		return key
	}
	return s
}

// Priority is the name of a priority ("high") in the page's language.
func (p *Page) Priority(name string) string { return label(p.cat.Priority, name) }

// Status is the name of a status ("open") in the page's language.
func (p *Page) Status(name string) string { return label(p.cat.Status, name) }

// Short is a time as lists show it ("26 Nov 11:00"), in the page's time zone; "" for zero.
func (p *Page) Short(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	s, _ := p.cat.date(p.cat.short, t.In(p.loc))
	return s
}

func label(m map[string]string, k string) string {
	if v, ok := m[k]; ok {
		return v
	}
	return k
}

// Funcs are the template functions of the pages: t (a word of web.toml), prio, status,
// eventKind, when (a date in full), short (a date in a list) and plural.
func (p *Page) Funcs() map[string]any {
	f := funcs(p.cat)
	out := map[string]any{
		"t":         p.Word,
		"prio":      f["prio"],
		"status":    f["status"],
		"eventKind": f["eventKind"],
		"plural":    f["plural"],
		"when": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			s, _ := p.cat.date(p.cat.long, t.In(p.loc))
			return s
		},
		"short": p.Short,
	}
	return out
}

// PageLanguages lists the languages whose pages have words of their own.
func (s *Set) PageLanguages() []string { return slices.Sorted(maps.Keys(s.pages)) }
