// Package templates holds everything a person reads in the desk's mails: one text and one HTML
// template per mail kind and language, a catalogue of words per language, and the HTML layout
// the languages share. It is embedded in the binary and overridable from a directory.
//
// Layout, embedded and in an override directory alike:
//
//	layout.html                    the HTML frame every language shares (top, bottom, summary, …)
//	fr/words.toml                  the catalogue: names of priorities and statuses, dates, the
//	                               layout's words, and the desk's phrases (tickets.Phrase)
//	fr/common.txt                  shared text blocks (greeting, ticket summary, footer)
//	fr/ack.txt, fr/ack.html        one pair per kind; the .txt defines the "subject" block
//	en/…                           likewise in English
//	en/web.toml                    the words of the web desk's pages (see web.go)
//
// A file present in the override directory replaces the embedded one; a block it does not
// define (say, "subject") keeps the embedded definition, and its words.toml overrides only the
// keys it sets. A folder with a words.toml adds a language: it needs every key of en/words.toml,
// a common.txt and a .txt and a .html for every kind, and no Go code. With an override directory,
// Load parses everything and renders each template once against sample data, so a broken override
// is an error at start or in `deskd check`, never a failure when a mail is sent; the embedded
// templates alone, which the tests check, are parsed and checked a kind at a time on first use.
package templates

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"io/fs"
	"os"
	"path"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	texttemplate "text/template"
	tparse "text/template/parse"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/deskd/deskd/tickets"
)

//go:embed layout.html */words.toml */web.toml */*.txt */*.html
var embedded embed.FS

// Fallback is the language a mail is written in when its own has no templates; its catalogue is
// the reference every other language must complete.
const Fallback = "en"

// ErrUnknownKind is returned by Render for a mail kind that has no template.
var ErrUnknownKind = errors.New("unknown mail kind")

// Set is a parsed set of templates. It is safe for concurrent use.
type Set struct {
	kinds map[string]*kindEntry       // By "lang/kind".
	words map[string]*catalogue       // By language.
	pages map[string]*pageWords       // The web desk's words, by language; a language may have none.
	langs []string                    // Sorted.
	loc   *time.Location              // Dates in mails are shown in this zone.
	lists map[string]*[2]*sharedLists // By language: the lists compiled for its kinds (compileKind).
	// over holds the texts of the override files the templates were parsed from, by name, for
	// templates parsed again (parsed.get) to read what Load read.
	over map[string]string
	// root is the Set as Load made it (dates in UTC), which readies the kinds (kindEntry.ready).
	root       *Set
	fold, keep bool        // As loadSet's.
	mu         *sync.Mutex // Held while a kind is readied: the lists are shared by the kinds of a language.
}

// kindEntry is a kind in a language: its templates for text/template, and as the evaluator runs
// them. Load readies the embedded templates' kinds on first use (ready), an override directory's
// all at once: readying one parses its files, renders every sample of the kind (Samples) with
// text/template, folds the layout's words (foldText) and compiles it for the evaluator when the
// evaluator writes the same for every sample. Done at every start it cost 166 M instructions, a
// `deskd poll --once` run by cron every minute being mostly that; the embedded templates are
// checked by the tests instead (TestEngineSameAsEvaluator, the golden files …), and an operator's
// override is still refused at start (TestLoadRefusesBrokenOverride).
type kindEntry struct {
	once       sync.Once
	lang, kind string
	engine     *parsed   // Nil until parsed.
	fast       *programs // Nil when the evaluator does not run the kind, or until ready.
	err        error
}

// ready readies the kind once (Set.prepareKind) and returns what that met.
func (e *kindEntry) ready(s *Set) error {
	e.once.Do(func() { e.err = s.root.prepareKind(e) })
	return e.err
}

// kind returns the kind of key ("lang/kind") readied, or nil when there is none.
func (s *Set) kind(key string) *kindEntry {
	e := s.kinds[key]
	if e != nil {
		_ = e.ready(s)
	}
	return e
}

// parsed is a kind's templates for text/template and html/template; the "subject" block is in
// text. For a kind the evaluator runs they are only its fallback, for a mail it leaves to
// text/template (errFallback): Load drops them once the kind is compiled, and the first such
// mail parses them again from the same texts. They were two fifths of the heap a Set keeps (parse
// trees, escaped HTML, sources), which deskd serve keeps for as long as it runs: BenchmarkLoad's
// retained-B 5,094,000 → 2,997,000 bytes. Parsed again they are not folded (foldText), which
// changes no byte (TestFoldedWords), and write what Load's would have (TestEngineParsedAgain).
type parsed struct {
	once       sync.Once
	lang, kind string
	text       *texttemplate.Template // Nil when dropped, until parsed again.
	html       *htmltemplate.Template
	err        error
}

// get returns the kind's templates, parsed again if Load dropped them.
func (e *parsed) get(s *Set) (*texttemplate.Template, *htmltemplate.Template, error) {
	e.once.Do(func() {
		if e.text != nil {
			return
		}
		c := s.words[e.lang]
		base, err := commonText(s.saved, e.lang, textFuncs(c))
		if err == nil {
			e.text, e.html, err = kindTemplates(s.saved, base, e.lang, e.kind, c)
		}
		e.err = err
	})
	return e.text, e.html, e.err
}

// programs are a kind's three templates for the evaluator.
type programs struct{ subject, text, html *program }

// Available lists the languages mails can be written in with the templates of dir ("" for the
// embedded ones alone): the embedded languages and every folder of dir with a words.toml.
func Available(dir string) []string {
	langs := languages(embedded)
	if dir != "" {
		langs = append(langs, languages(os.DirFS(dir))...)
	}
	sort.Strings(langs)
	return slices.Compact(langs)
}

// languages lists the folders of fsys that hold a words.toml.
func languages(fsys fs.FS) []string {
	var out []string
	entries, _ := fs.ReadDir(fsys, ".")
	for _, e := range entries {
		if _, err := fs.Stat(fsys, e.Name()+"/words.toml"); e.IsDir() && err == nil {
			out = append(out, e.Name())
		}
	}
	return out
}

// Load parses the embedded templates, with the files of dir (if not "") overriding and adding to
// them, and checks every template by rendering it against sample data in every language: at once
// when dir is not "" (a broken override is an error here), else a kind on its first use
// (kindEntry).
func Load(dir string) (*Set, error) { return newSet(dir, true, false, dir != "") }

// loadSet is Load, every kind readied at once; fold: fold the layouts' words into the templates
// (foldText, foldHTML); keep: keep every kind's templates for text/template (engine), also those
// the evaluator runs.
func loadSet(dir string, fold, keep bool) (*Set, error) { return newSet(dir, fold, keep, true) }

// newSet is loadSet; eager: ready every kind now, else each on its first use.
func newSet(dir string, fold, keep, eager bool) (*Set, error) {
	var over fs.FS
	if dir != "" {
		st, err := os.Stat(dir)
		if err != nil {
			return nil, fmt.Errorf("templates: %w", err)
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("templates: %s is not a directory", dir)
		}
		over = os.DirFS(dir)
	}
	s := &Set{kinds: map[string]*kindEntry{}, words: map[string]*catalogue{}, pages: map[string]*pageWords{},
		langs: Available(dir), loc: time.UTC, lists: map[string]*[2]*sharedLists{}, over: map[string]string{},
		fold: fold, keep: keep, mu: new(sync.Mutex)}
	s.root = s
	if over != nil {
		if err := checkNames(over, s.langs); err != nil {
			return nil, fmt.Errorf("templates %s: %w", dir, err)
		}
	}
	for _, lang := range append([]string{Fallback}, s.langs...) {
		if s.words[lang] != nil {
			continue
		}
		c, err := loadCatalogue(over, lang, s.words[Fallback])
		if err != nil {
			return nil, fmt.Errorf("templates: %w", err)
		}
		s.words[lang] = c
		p, err := loadPageWords(over, lang, s.pages[Fallback])
		if err != nil {
			return nil, fmt.Errorf("templates: %w", err)
		}
		if p != nil {
			s.pages[lang] = p
		}
	}
	for _, lang := range s.langs {
		s.lists[lang] = &[2]*sharedLists{}
		for _, kind := range tickets.MailKinds {
			s.kinds[lang+"/"+kind] = &kindEntry{lang: lang, kind: kind}
		}
	}
	if !eager {
		if over != nil { // Lazily readied kinds read their files as parsed.get does: the overrides' texts from s.over.
			return nil, errors.New("templates: an override directory is checked at load")
		}
		return s, nil
	}
	// Every file parsed first, then every kind rendered: a file that does not parse is the error.
	read := s.reader(over)
	for _, lang := range s.langs {
		for _, kind := range tickets.MailKinds {
			if err := s.parseKind(s.kinds[lang+"/"+kind], read); err != nil {
				return nil, err
			}
		}
	}
	for _, lang := range s.langs {
		for _, kind := range tickets.MailKinds {
			if err := s.kinds[lang+"/"+kind].ready(s); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

// parseKind parses a kind's templates, its files read with read. Each kind parses its own copy of
// common.txt, so that folding a kind's words (foldText) changes the trees of no other kind, which
// may be running.
func (s *Set) parseKind(e *kindEntry, read reader) error {
	c := s.words[e.lang]
	base, err := commonText(read, e.lang, textFuncs(c))
	if err != nil {
		return err
	}
	tt, ht, err := kindTemplates(read, base, e.lang, e.kind, c)
	if err != nil {
		return err
	}
	e.engine = &parsed{lang: e.lang, kind: e.kind, text: tt, html: ht}
	return nil
}

// prepareKind readies a kind (kindEntry): parses it if not yet parsed, renders its samples with
// text/template, folds its words and prepares it for the evaluator (prepare).
func (s *Set) prepareKind(e *kindEntry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.engine == nil {
		if err := s.parseKind(e, s.saved); err != nil {
			return err
		}
	}
	samples := Samples(e.kind, e.lang)
	var written [][3]string // What text/template writes for each sample.
	for i, n := range samples {
		subject, text, html, err := s.renderKind(e, n, engine)
		if err != nil {
			return fmt.Errorf("templates: %s/%s (sample %d): %w", e.lang, e.kind, i+1, err)
		}
		written = append(written, [3]string{subject, text, html})
	}
	if s.fold { // Rendered once: the HTML is escaped.
		foldText(e.engine.text, s.words[e.lang])
		foldHTML(e.engine.html, s.words[e.lang])
	}
	if s.prepare(e, samples, written, s.lists[e.lang]) && !s.keep {
		e.engine = &parsed{lang: e.lang, kind: e.kind} // Parsed again should a mail need them.
	}
	return nil
}

// kindTemplates parses a kind's text template (from base, its language's common.txt: kindText)
// and its HTML template, the files read with read.
func kindTemplates(read reader, base *texttemplate.Template, lang, kind string, c *catalogue) (*texttemplate.Template, *htmltemplate.Template, error) {
	tt, err := kindText(base, read, lang, kind)
	if err != nil {
		return nil, nil, err
	}
	ht := htmltemplate.New(kind).Funcs(htmlFuncs(c)).Option("missingkey=error")
	for _, name := range []string{"layout.html", lang + "/" + kind + ".html"} {
		if err := parse(read, name, func(text string) (*htmltemplate.Template, error) { return ht.Parse(text) }); err != nil {
			return nil, nil, err
		}
	}
	if tt.Lookup("subject") == nil {
		return nil, nil, fmt.Errorf("templates: %s/%s.txt defines no subject", lang, kind)
	}
	return tt, ht, nil
}

// prepare readies a kind's templates for the evaluator (once escaped: rendered), and keeps them
// if it writes for every sample what text/template wrote (written; the words folded since do not
// change it: TestFoldedWords). It tells whether it kept them. shared: as compileKind's.
func (s *Set) prepare(e *kindEntry, samples []tickets.Notice, written [][3]string, shared *[2]*sharedLists) bool {
	p, err := compileKind(e.engine.text, e.engine.html, s.words[e.lang], shared)
	if err != nil {
		return false
	}
	e.fast = p
	for i, n := range samples {
		subject, text, html, err := s.renderKind(e, n, only)
		if err != nil || [3]string{subject, text, html} != written[i] {
			e.fast = nil
			return false
		}
	}
	return true
}

// compileKind prepares a kind's subject, text and HTML for the evaluator; shared, when not nil,
// are the lists compiled for the other kinds of the language: the text's, and the HTML's.
func compileKind(tt *texttemplate.Template, ht *htmltemplate.Template, c *catalogue, shared *[2]*sharedLists) (*programs, error) {
	text := map[string]*tparse.Tree{}
	for _, t := range tt.Templates() {
		text[t.Name()] = t.Tree
	}
	html := map[string]*tparse.Tree{}
	for _, t := range ht.Templates() {
		html[t.Name()] = t.Tree
	}
	if shared == nil {
		shared = &[2]*sharedLists{}
	}
	if shared[0] == nil {
		shared[0], shared[1] = newSharedLists(), newSharedLists()
	}
	var p programs
	var err error
	if p.subject, err = compileShared("subject", text, textFuncs(c), shared[0]); err != nil {
		return nil, err
	}
	if p.text, err = compileShared(tt.Name(), text, textFuncs(c), shared[0]); err != nil {
		return nil, err
	}
	if p.html, err = compileShared(ht.Name(), html, htmlFuncs(c), shared[1]); err != nil {
		return nil, err
	}
	return &p, nil
}

// parse parses the embedded file name, then its override, read with read, with p; one of them
// must exist.
func parse[T any](read reader, name string, p func(text string) (T, error)) error {
	srcs := read(name)
	if len(srcs) == 0 {
		return fmt.Errorf("templates: %s is missing", name)
	}
	for _, src := range srcs {
		if _, err := p(src.text); err != nil {
			return fmt.Errorf("templates: %s: %w", src.name, err)
		}
	}
	return nil
}

// Languages lists the languages of the set, sorted.
func (s *Set) Languages() []string { return s.langs }

// In returns the set showing dates in loc (the desk's time zone).
func (s *Set) In(loc *time.Location) *Set {
	c := *s
	c.loc = loc
	return &c
}

type source struct{ name, text string }

// reader returns a file's sources (sources).
type reader func(name string) []source

// reader reads the templates' files with sources, each once (the layout is every kind's), and
// keeps the texts of the overrides in s.over.
func (s *Set) reader(over fs.FS) reader {
	read := map[string][]source{}
	return func(name string) []source {
		if srcs, ok := read[name]; ok {
			return srcs
		}
		srcs := sources(over, name)
		read[name] = srcs
		for _, src := range srcs {
			if src.name == name {
				s.over[name] = src.text
			}
		}
		return srcs
	}
}

// saved reads a template's file as Load read it: the embedded file, and its override's text as
// kept in s.over.
func (s *Set) saved(name string) []source {
	var out []source
	if b, err := embedded.ReadFile(name); err == nil {
		out = append(out, source{"embedded " + name, string(b)})
	}
	if text, ok := s.over[name]; ok {
		out = append(out, source{name, text})
	}
	return out
}

// sources returns the embedded file and, when present, its override, in parsing order.
func sources(over fs.FS, name string) []source {
	var out []source
	if b, err := embedded.ReadFile(name); err == nil {
		out = append(out, source{"embedded " + name, string(b)})
	}
	if over != nil {
		if b, err := fs.ReadFile(over, name); err == nil {
			out = append(out, source{name, string(b)})
		}
	}
	return out
}

// checkNames refuses files an override directory has that would be silently ignored.
func checkNames(over fs.FS, langs []string) error {
	known := map[string]bool{"layout.html": true}
	for _, lang := range langs {
		known[lang+"/words.toml"], known[lang+"/web.toml"] = true, true
		for _, kind := range append([]string{"common"}, tickets.MailKinds...) {
			known[lang+"/"+kind+".txt"], known[lang+"/"+kind+".html"] = true, true
		}
	}
	return fs.WalkDir(over, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || strings.HasPrefix(path.Base(p), ".") {
			return nil
		}
		if !known[p] {
			return fmt.Errorf("unknown file %s (expected layout.html, or LANG/words.toml, LANG/web.toml, LANG/KIND.txt or .html, "+
				"LANG in %s or a folder with a words.toml, KIND in common, %s)",
				p, strings.Join(langs, ", "), strings.Join(tickets.MailKinds, ", "))
		}
		return nil
	})
}

// View is what templates see: the notice, plus what the package derives from it.
type View struct {
	tickets.Notice
	Lang    string // The language it is written in: "fr", "en", …
	Subject string // The ticket's subject without tags and Re:/Fwd: prefixes.
	Ref     string // "[HD #42]", or "[HD]" for mails about no ticket.
}

// Render renders a mail of the given kind in lang (Fallback when the language has no templates).
// The subject carries the tag and ticket number exactly once, in front.
func (s *Set) Render(kind, lang string, n tickets.Notice) (subject, text, html string, err error) {
	return s.render(kind, lang, n, evaluator)
}

// How render renders a mail.
const (
	engine    = iota // With text/template and html/template.
	evaluator        // With the evaluator where it has the kind; else, or should it meet anything it leaves to text/template, as engine.
	only             // With the evaluator alone (Load's check): errFallback when it leaves the mail to text/template.
)

// render is Render, in the given way.
func (s *Set) render(kind, lang string, n tickets.Notice, way int) (subject, text, html string, err error) {
	if s.words[lang] == nil {
		lang = Fallback
	}
	var kb [64]byte // "lang/kind", looked up without being allocated (m[string(b)] copies nothing).
	k := append(append(append(kb[:0], lang...), '/'), kind...)
	e, ok := s.kinds[string(k)]
	if !ok {
		return "", "", "", fmt.Errorf("%w %q", ErrUnknownKind, kind)
	}
	if err := e.ready(s); err != nil {
		return "", "", "", fmt.Errorf("render %s: %w", k, err)
	}
	return s.renderKind(e, n, way)
}

// renderKind is render, for a kind readied or being readied (prepareKind).
func (s *Set) renderKind(e *kindEntry, n tickets.Notice, way int) (subject, text, html string, err error) {
	lang := e.lang
	v := View{Notice: localize(n, s.loc, s.words[lang].Category), Lang: lang, Subject: cleanSubjects.clean(n.Ticket.Subject, n.Tag), Ref: Ref(n.Tag, n.Ticket.ID)}
	b := buffers.Get().(*[3]bytes.Buffer)
	defer func() {
		for i := range b {
			b[i].Reset()
		}
		buffers.Put(b)
	}()
	sb, tb, hb := &b[0], &b[1], &b[2]
	if p := e.fast; way != engine && p != nil {
		if p.subject.execute(sb, &v) == nil && p.text.execute(tb, &v) == nil && p.html.execute(hb, &v) == nil {
			return finish(v, sb, tb, hb)
		}
		if way == only {
			return "", "", "", errFallback
		}
		sb.Reset()
		tb.Reset()
		hb.Reset()
	}
	tt, ht, err := e.engine.get(s)
	if err != nil {
		return "", "", "", fmt.Errorf("render %s/%s: %w", lang, e.kind, err)
	}
	d := dot(v)
	if err := execute(sb, d, v, func(w io.Writer, x any) error { return tt.ExecuteTemplate(w, "subject", x) }); err != nil {
		return "", "", "", fmt.Errorf("render %s/%s subject: %w", lang, e.kind, err)
	}
	if err := execute(tb, d, v, tt.Execute); err != nil {
		return "", "", "", fmt.Errorf("render %s/%s text: %w", lang, e.kind, err)
	}
	if err := execute(hb, d, v, ht.Execute); err != nil {
		return "", "", "", fmt.Errorf("render %s/%s html: %w", lang, e.kind, err)
	}
	return finish(v, sb, tb, hb)
}

// finish makes a mail's subject, text and HTML of what its templates wrote.
func finish(v View, sb, tb, hb *bytes.Buffer) (subject, text, html string, err error) {
	subject = joinFields(sb.Bytes())
	if !strings.Contains(subject, v.Ref) {
		subject = v.Ref + " " + subject
	}
	return subject, tidy(tb.Bytes()), hb.String(), nil
}

// joinFields is strings.Join(strings.Fields(string(b)), " ") in one pass and one allocation
// (TestJoinFields).
func joinFields(b []byte) string {
	if oneSpaced(b) {
		return string(b)
	}
	var out strings.Builder
	out.Grow(len(b))
	for i := 0; ; {
		for n := 0; i < len(b); i += n {
			if n = spaceAt(b, i); n == 0 {
				break
			}
		}
		if i == len(b) {
			return out.String()
		}
		start := i
		for i < len(b) && spaceAt(b, i) == 0 {
			i += runeSize(b, i)
		}
		if out.Len() > 0 {
			out.WriteByte(' ')
		}
		out.Write(b[start:i]) // A word at once.
	}
}

// oneSpaced tells whether b is already its words joined by single spaces, as most subjects are:
// no space at either end, none after a space, and no other white space (no control from \t to
// \r, nor a byte that starts a Unicode space: U+0085 and U+00A0 start with 0xC2, U+1680 with 0xE1,
// U+2000 to U+205F with 0xE2, U+3000 with 0xE3).
func oneSpaced(b []byte) bool {
	if len(b) > 0 && (b[0] == ' ' || b[len(b)-1] == ' ') {
		return false
	}
	for i, c := range b {
		switch {
		case c == ' ' && b[i-1] == ' ', c >= '\t' && c <= '\r', c == 0xC2, c >= 0xE1 && c <= 0xE3:
			return false
		}
	}
	return true
}

// spaceAt is the size of the white space (unicode.IsSpace) that starts b[i:], 0 for none.
func spaceAt(b []byte, i int) int {
	if c := b[i]; c < utf8.RuneSelf {
		if c == ' ' || c >= '\t' && c <= '\r' {
			return 1
		}
		return 0
	}
	if r, size := utf8.DecodeRune(b[i:]); unicode.IsSpace(r) {
		return size
	}
	return 0
}

// runeSize is the size of the character that starts b[i:] (1 for a byte that starts none).
func runeSize(b []byte, i int) int {
	if b[i] < utf8.RuneSelf {
		return 1
	}
	_, size := utf8.DecodeRune(b[i:])
	return size
}

// buffers are Render's three buffers (subject, text, HTML), kept from mail to mail.
var buffers = sync.Pool{New: func() any { return new([3]bytes.Buffer) }}

// execute runs a template on d, the flat copy of v (dot); should it fail, it runs it once more
// on v itself, so that the error names View and its fields as the template's author wrote them.
func execute(w *bytes.Buffer, d any, v View, run func(io.Writer, any) error) error {
	err := run(w, d)
	if err == nil {
		return nil
	}
	w.Reset()
	if verr := run(w, v); verr != nil {
		return verr
	}
	return err
}

// Ref is a ticket's subject tag: "[HD #42]", or "[HD]" for ticket 0.
func Ref(tag string, id int64) string {
	if id == 0 {
		return "[" + tag + "]"
	}
	var buf [64]byte // Written on the stack, copied once (fmt.Sprintf allocates twice).
	b := append(append(buf[:0], '['), tag...)
	b = strconv.AppendInt(append(b, " #"...), id, 10)
	return string(append(b, ']'))
}

var (
	replyPrefix = regexp.MustCompile(`(?i)^\s*(re|fwd?|tr|aw|wg|sv|vs|antw|réf|ref|rép|rep)\s*(\[\d+\])?\s*:\s*`)
	anyTag      = `(?i)\[\s*%s\s*#?\s*\d*\s*\]\s*`
)

// tagRegexps holds the compiled anyTag of each tag: a desk has one, and every mail asks for it.
var tagRegexps sync.Map // string → *regexp.Regexp

func tagRegexp(tag string) *regexp.Regexp {
	if re, ok := tagRegexps.Load(tag); ok {
		return re.(*regexp.Regexp)
	}
	re := regexp.MustCompile(fmt.Sprintf(anyTag, regexp.QuoteMeta(tag)))
	tagRegexps.Store(tag, re)
	return re
}

// subjectMemo remembers the last subjects CleanSubject cleaned: a ticket's mails (its
// acknowledgement, its assignment notice, each answer) carry its subject, each cleaned by two
// regular expressions at every render, 4% of a new ticket's two mails' instructions
// (BenchmarkCopyBytes).
type subjectMemo struct {
	mu sync.Mutex
	m  map[[2]string]string // By subject and tag.
}

// memoSubjects is how many subjects subjectMemo keeps; it forgets them all when full.
const memoSubjects = 1024

var cleanSubjects = &subjectMemo{m: map[[2]string]string{}}

func (c *subjectMemo) clean(s, tag string) string {
	k := [2]string{s, tag}
	c.mu.Lock()
	out, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return out
	}
	out = CleanSubject(s, tag)
	c.mu.Lock()
	if len(c.m) >= memoSubjects {
		clear(c.m)
	}
	c.m[k] = out
	c.mu.Unlock()
	return out
}

// CleanSubject removes the desk's tags and reply or forward prefixes ("Re:", "TR:", "Fwd:") from
// a subject, so that the desk's own subject reads "[HD #42] Request received: the subject".
func CleanSubject(s, tag string) string {
	s = strings.Join(strings.Fields(s), " ")
	if !strings.ContainsAny(s, "[:") { // No tag (in brackets) and no prefix (before a colon) to remove.
		return s
	}
	var tagRe *regexp.Regexp
	if tag != "" {
		tagRe = tagRegexp(tag)
	}
	for {
		before := s
		// Matched first: ReplaceAllString allocates its result and match slices also when
		// nothing matches, which the last pass (and most subjects) find.
		if tagRe != nil && tagRe.MatchString(s) {
			s = tagRe.ReplaceAllString(s, "")
		}
		if replyPrefix.MatchString(s) {
			s = replyPrefix.ReplaceAllString(s, "")
		}
		s = strings.TrimSpace(s)
		if s == before {
			return s
		}
	}
}

// tidy trims trailing spaces and collapses runs of blank lines that conditional blocks leave.
// It reads the bytes the template wrote, not a string of them: one copy and one allocation of
// the text fewer a mail.
func tidy(s []byte) string {
	var b strings.Builder
	b.Grow(len(s) + 1)
	blank := true    // Also drops leading blank lines.
	pending := false // A blank line was seen since the last line written: one is written.
	for len(s) > 0 {
		l := s
		if i := bytes.IndexByte(s, '\n'); i >= 0 {
			l, s = s[:i], s[i+1:]
		} else {
			s = nil
		}
		if string(l) != "-- " { // The signature separator keeps its space (RFC 3676 section 4.3).
			l = trimBlanks(l)
		}
		if len(l) == 0 {
			pending = pending || !blank
			blank = true
			continue
		}
		if pending {
			b.WriteByte('\n')
			pending = false
		}
		blank = false
		b.Write(l)
		b.WriteByte('\n')
	}
	if b.Len() == 0 {
		return "\n"
	}
	return b.String()
}

// trimBlanks is l without its trailing spaces and tabs (strings.TrimRight builds its set of
// bytes at every call).
func trimBlanks(l []byte) []byte {
	e := len(l)
	for e > 0 && (l[e-1] == ' ' || l[e-1] == '\t') {
		e--
	}
	return l[:e]
}
