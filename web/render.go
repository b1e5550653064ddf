package web

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/deskd/deskd/templates"
	"github.com/deskd/deskd/tickets"
)

// parsePages parses every page of pages/ in one language: layout.html and the page, with the
// language's words as template functions.
func parsePages(p *templates.Page) (map[string]*template.Template, error) {
	funcs := template.FuncMap(p.Funcs())
	for k, v := range pageFuncs(p) {
		funcs[k] = v
	}
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(assets, "pages/layout.html")
	if err != nil {
		return nil, fmt.Errorf("web pages: %w", err)
	}
	names, err := fs.Glob(assets, "pages/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(path.Base(n), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(assets, n)
		if err != nil {
			return nil, fmt.Errorf("web pages: %w", err)
		}
		out[name] = t
	}
	return out, nil
}

// pageFuncs are the pages' own template functions, in one language.
func pageFuncs(p *templates.Page) template.FuncMap {
	return template.FuncMap{
		// dur says a duration: "12 min", "3 h 05", "2 d 4 h".
		"dur": func(d time.Duration) string { return sayDuration(p, d) },
		// left says the time left before a deadline, or how late it is.
		"left": func(due, now time.Time) string { return sayLeft(p, due, now) },
		"late": func(due, now time.Time) bool { return !due.IsZero() && due.Before(now) },
		// count is a count of the queue, "1000+" past tickets.QueueCountCap.
		"count": func(n int) string {
			if n > tickets.QueueCountCap {
				return fmt.Sprintf("%d+", tickets.QueueCountCap)
			}
			return fmt.Sprint(n)
		},
		"lines": func(s string) []string { return strings.Split(strings.TrimRight(s, "\n"), "\n") },
		"size":  func(n int64) string { return saySize(p, n) },
		"eq64":  func(a, b int64) bool { return a == b },
		"add":   func(a, b int) int { return a + b },
		"pct":   func(n, total int) int { return percent(n, total) },
		"seq": func(n int) []int {
			s := make([]int, n)
			for i := range s {
				s[i] = i + 1
			}
			return s
		},
		"prioOf": func(p tickets.Priority) string { return p.String() },
		// kindLabel names a kind of history entry: its word event_KIND, else the kind itself
		// (never a word's key).
		"kindLabel": func(kind string) string {
			if w := p.Word("event_" + kind); w != "event_"+kind {
				return w
			}
			return kind
		},
		// dict builds a map for a sub-template: dict "Key" value ….
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
	}
}

func percent(n, total int) int {
	if total <= 0 {
		return 0
	}
	return (n*100 + total/2) / total
}

// sayLeft says the time left before a deadline, or how late it is.
func sayLeft(p *templates.Page, due, now time.Time) string {
	if due.IsZero() {
		return p.Word("no_deadline")
	}
	if d := due.Sub(now); d >= 0 {
		return p.Word("left", "d", sayDuration(p, d))
	}
	return p.Word("late", "d", sayDuration(p, now.Sub(due)))
}

// sayDuration says a duration in the page's words, rounded to the minute.
func sayDuration(p *templates.Page, d time.Duration) string {
	m := int(d.Round(time.Minute) / time.Minute)
	switch {
	case m < 60:
		return p.Word("dur_m", "m", m)
	case m < 24*60:
		return p.Word("dur_h", "h", m/60, "m", fmt.Sprintf("%02d", m%60))
	}
	return p.Word("dur_d", "d", m/(24*60), "h", (m/60)%24)
}

func saySize(p *templates.Page, n int64) string {
	switch {
	case n < 1<<10:
		return p.Word("size_b", "n", n)
	case n < 1<<20:
		return p.Word("size_kb", "n", (n+512)>>10)
	}
	return p.Word("size_mb", "n", fmt.Sprintf("%.1f", float64(n)/(1<<20)))
}

// view is what every page is rendered with.
type view struct {
	Lang     string
	Title    string
	DeskName string
	Base     string // The base path links start with ("" at the root).
	User     *user  // The signed-in staff member; nil on public pages.
	CSRF     string // The form token.
	Nav      string // The staff page shown, to mark in the menu.
	Notice   string // A word key: what was just done.
	Problem  string // What went wrong, in words.
	Now      time.Time
	Data     any
}

// render writes a page in lang.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, lang, page string, v view) {
	st := s.settings()
	p := st.words.Page(lang, st.desk.Location())
	t := st.pages[p.Lang][page]
	if t == nil {
		s.log.Error("web: no page", "page", page, "lang", p.Lang)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	v.Lang, v.DeskName, v.Base = p.Lang, st.desk.Desk.Name, st.path
	if v.Now.IsZero() {
		v.Now = s.o.Now()
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout", v); err != nil {
		s.log.Error("web: render", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", p.Lang)
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// fail answers with the message page: a word key said in lang, with its arguments.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, lang, key string, args ...any) {
	st := s.settings()
	msg := st.words.Page(lang, st.desk.Location()).Word(key, args...)
	s.render(w, r, status, lang, "message", view{Title: "error_title", Problem: msg})
}

// failErr answers a request that failed on the desk's side.
func (s *Server) failErr(w http.ResponseWriter, r *http.Request, lang string, err error) {
	s.log.Error("web: request failed", "path", logPath(r.URL.Path), "err", err)
	s.fail(w, r, http.StatusInternalServerError, lang, "error_server")
}

// logPath is a request's path as the logs may keep it: the token of a sign-in, page or vote link
// ("/signin/…", "/r/…", "/v/…") left out, since whoever reads the logs would act as its owner.
func logPath(p string) string {
	for _, prefix := range []string{"/signin/", "/r/", "/v/"} {
		if rest, ok := strings.CutPrefix(p, prefix); ok {
			if _, after, found := strings.Cut(rest, "/"); found {
				return prefix + "…/" + after
			}
			return prefix + "…"
		}
	}
	return p
}

// browserLanguage is the language of the pages for someone not signed in: the first of the
// browser's that the desk has pages in, else the desk's.
func (s *Server) browserLanguage(r *http.Request) string {
	st := s.settings()
	langs := st.words.PageLanguages()
	def := st.desk.Desk.Language
	tags := []language.Tag{language.Make(def)}
	for _, l := range langs {
		if l != def {
			tags = append(tags, language.Make(l))
		}
	}
	accepted, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if err != nil || len(accepted) == 0 {
		return def
	}
	_, i, conf := language.NewMatcher(tags).Match(accepted...)
	if conf == language.No {
		return def
	}
	base, _ := tags[i].Base()
	return base.String()
}

// link is a path of the web desk under its base path.
func (s *Server) link(format string, args ...any) string {
	return s.settings().path + fmt.Sprintf(format, args...)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.fail(w, r, http.StatusNotFound, s.browserLanguage(r), "error_not_found")
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, s.link("/queue"), http.StatusSeeOther)
}

// doneWord is the word saying an action is done, for the actions a page knows; "" otherwise.
func doneWord(done string, known ...string) string {
	for _, k := range known {
		if done == k {
			return "done_" + k
		}
	}
	return ""
}
