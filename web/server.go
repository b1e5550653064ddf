// Package web is the web desk: pages for staff (the queue, a ticket with the forms that act on
// it, the team, statistics, search), a follow-up page for requesters reached from the signed link
// in every mail the desk sends them, and what operators need (/metrics, /healthz, /readyz, a JSON
// API). It is an adapter like mailin and mailout: it acts on tickets through the same domain
// operations as the mail commands and the CLI (tickets.Tx), and declares the small interfaces it
// needs of the desk. Its words are in templates (LANG/web.toml), its markup and style in pages/
// and static/, embedded in the binary; the pages work without JavaScript.
package web

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/deskd/deskd/templates"
	"github.com/deskd/deskd/tickets"
)

//go:embed pages/*.html static/*
var assets embed.FS

// Desk is what the web desk needs of the desk: its configuration, the transactions every change
// runs in (the domain operations of tickets.Tx, as the mail commands and the CLI use them), and
// the redemption of sign-in links. *tickets.Desk implements it.
type Desk interface {
	Config() *tickets.Config
	Update(ctx context.Context, now time.Time, fn func(*tickets.Tx) error) error
	Do(ctx context.Context, id int64, now time.Time, fn func(*tickets.Tx, *tickets.Ticket) error) error
	SignIn(ctx context.Context, token string, now time.Time) (string, tickets.Session, error)
}

// Store is what the web desk reads. *tickets.Store implements it.
type Store interface {
	Queue(ctx context.Context, q tickets.QueueQuery) (tickets.QueuePage, error)
	QueueCounts(ctx context.Context, me string, horizon time.Time) (tickets.QueueCounts, error)
	Ticket(ctx context.Context, id int64) (*tickets.Ticket, error)
	Events(ctx context.Context, id int64) ([]tickets.Event, error)
	Attachments(ctx context.Context, id int64) ([]tickets.Attachment, error)
	AttachmentSources(ctx context.Context, id int64) (map[int64]string, error)
	PublicAttachments(ctx context.Context, id int64) ([]tickets.Attachment, error)
	AttachmentData(ctx context.Context, ticketID, id int64) (tickets.Attachment, []byte, bool, error)
	Names(ctx context.Context, emails []string) (map[string]string, error)
	EncodeList(ctx context.Context, w io.Writer, f tickets.ListFilter) error
	Show(ctx context.Context, id int64) (tickets.TicketJSON, error)
	Stats(ctx context.Context, q tickets.StatsQuery) (tickets.Stats, error)
	Session(ctx context.Context, secret string, now time.Time, idle time.Duration) (tickets.Session, error)
	EndSession(ctx context.Context, secret string) error
	TokenOwner(ctx context.Context, token string) (string, error)
}

// Probe says whether one part of deskd is ready (nil) or why not.
type Probe struct {
	Name  string
	Check func(ctx context.Context) error
}

// Options are what the web desk is built with besides its [web] settings.
type Options struct {
	Desk    Desk
	Store   Store
	Signer  *tickets.Signer
	Words   *templates.Set
	Log     *slog.Logger
	Wake    func()       // Called after a change queued mail: the sender sends it now.
	Search  Searcher     // The full-text engine; nil: the search page says search is not available.
	Probes  []Probe      // /readyz runs them.
	Metrics http.Handler // Served at /metrics; nil: none.
	Now     func() time.Time
}

// Server is the web desk.
type Server struct {
	o   Options
	log *slog.Logger
	set atomic.Pointer[settings]
	ln  net.Listener
	srv *http.Server
	// posts bounds the messages posted through one follow-up link.
	posts linkLimiter
}

// settings are what requests work with, swapped whole on reload.
type settings struct {
	cfg   Config
	desk  *tickets.Config
	words *templates.Set
	pages map[string]map[string]*template.Template // By language, then page name.
	base  string                                   // The base URL, without trailing slash.
	path  string                                   // Its path ("" at the root).
}

// New returns the web desk; Listen binds its address, Run serves it.
func New(cfg Config, o Options) (*Server, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Wake == nil {
		o.Wake = func() {}
	}
	s := &Server{o: o, log: o.Log}
	if err := s.SetConfig(cfg, o.Words); err != nil {
		return nil, err
	}
	return s, nil
}

// SetConfig replaces the settings and the words (SIGHUP). The listening address changes only at
// the next start.
func (s *Server) SetConfig(cfg Config, words *templates.Set) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("web.%w", err)
	}
	if words == nil {
		return errors.New("web: no templates")
	}
	desk := s.o.Desk.Config()
	st := &settings{cfg: cfg, desk: desk, words: words, pages: map[string]map[string]*template.Template{}}
	for _, lang := range words.PageLanguages() {
		p, err := parsePages(words.Page(lang, desk.Location()))
		if err != nil {
			return err
		}
		st.pages[lang] = p
	}
	listening := cfg.Address
	if s.ln != nil {
		listening = s.ln.Addr().String()
	}
	st.base = cfg.base(listening)
	if u, err := url.Parse(st.base); err == nil {
		st.path = strings.TrimRight(u.Path, "/")
	}
	s.set.Store(st)
	return nil
}

func (s *Server) settings() *settings { return s.set.Load() }

// Listen binds the configured address; Addr then tells the address bound (a port 0 is chosen by
// the system).
func (s *Server) Listen() error {
	ln, err := net.Listen("tcp", s.settings().cfg.Address)
	if err != nil {
		return fmt.Errorf("web: listen: %w", err)
	}
	s.ln = ln
	st := s.settings()
	return s.SetConfig(st.cfg, st.words) // The base URL may name the port just chosen.
}

// Addr is the address the web desk listens on ("" before Listen).
func (s *Server) Addr() string {
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// BaseURL is how people reach the web desk: base_url, or http:// and the address listened on.
func (s *Server) BaseURL() string { return s.settings().base }

// Run serves until ctx ends, then stops accepting and lets the requests in hand finish (at most
// ten seconds).
func (s *Server) Run(ctx context.Context) error {
	if s.ln == nil {
		if err := s.Listen(); err != nil {
			return err
		}
	}
	s.srv = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	done := make(chan error, 1)
	go func() { done <- s.srv.Serve(s.ln) }()
	s.log.Info("web desk serving", "address", s.Addr(), "base_url", s.BaseURL())
	select {
	case err := <-done:
		return fmt.Errorf("web: %w", err)
	case <-ctx.Done():
	}
	stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err := s.srv.Shutdown(stop)
	if e := <-done; !errors.Is(e, http.ErrServerClosed) && err == nil {
		err = e
	}
	if err != nil {
		return fmt.Errorf("web: shutdown: %w", err)
	}
	return nil
}

// Handler is the web desk's HTTP handler: its routes behind the security headers, the
// cross-origin check and panic recovery.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheForever(http.FileServerFS(static))))
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	if s.o.Metrics != nil {
		mux.Handle("GET /metrics", s.forOperators(s.o.Metrics))
	}
	// Staff sign-in.
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("GET /signin", s.signInForm)
	mux.HandleFunc("POST /signin", s.signInRequest)
	mux.HandleFunc("GET /signin/{token}", s.signInConfirm)
	mux.HandleFunc("POST /signin/{token}", s.signInRedeem)
	mux.HandleFunc("POST /signout", s.staff(s.signOut))
	// Staff pages.
	mux.HandleFunc("GET /queue", s.staff(s.queue))
	mux.HandleFunc("GET /t/{id}", s.staff(s.ticket))
	mux.HandleFunc("POST /t/{id}/{action}", s.staff(s.act))
	mux.HandleFunc("GET /t/{id}/file/{file}", s.staff(s.staffFile))
	mux.HandleFunc("GET /team", s.staff(s.team))
	mux.HandleFunc("POST /team/away", s.staff(s.setAway))
	mux.HandleFunc("GET /stats", s.staff(s.stats))
	mux.HandleFunc("GET /search", s.staff(s.search))
	// Requesters.
	mux.HandleFunc("GET /r/{token}", s.requester(s.followUp))
	mux.HandleFunc("POST /r/{token}", s.requester(s.followUpPost))
	mux.HandleFunc("GET /r/{token}/file/{file}", s.requester(s.requesterFile))
	mux.HandleFunc("GET /v/{token}", s.requester(s.voteForm))
	mux.HandleFunc("POST /v/{token}", s.requester(s.vote))
	// The JSON API.
	mux.HandleFunc("GET /api/v1/tickets", s.api(s.apiList))
	mux.HandleFunc("GET /api/v1/tickets/{id}", s.api(s.apiShow))
	mux.HandleFunc("/", s.notFound)

	cop := http.NewCrossOriginProtection()
	var h http.Handler = cop.Handler(mux)
	h = s.headers(h)
	h = s.recoverPanics(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := s.settings().path; p != "" { // base_url's path, which a reload may change.
			http.StripPrefix(p, h).ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// headers sets the security headers of every answer: no framing, no sniffing, no referrer (links
// carry tokens), and a content policy that allows the desk's own style sheet and nothing else.
func (s *Server) headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		if strings.HasPrefix(s.settings().base, "https://") {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// recoverPanics turns a panic in a handler into a logged error and a 500.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.Error("web: panic", "path", logPath(r.URL.Path), "panic", p, "stack", string(debug.Stack()))
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func cacheForever(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		h.ServeHTTP(w, r)
	})
}

// clientIP is the client's address: the connection's, or with trust_proxy the last hop of
// X-Forwarded-For (the one the proxy added).
func (s *Server) clientIP(r *http.Request) string {
	if s.settings().cfg.TrustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			if ip := net.ParseIP(strings.TrimSpace(parts[len(parts)-1])); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
