package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/mail"
	"strings"

	"github.com/deskd/deskd/tickets"
)

// Staff sign in by mail: they give their address, the desk mails a link that works once for
// fifteen minutes (tickets.RequestSignIn), and the link's page has a button that opens a session
// (a GET never signs in: mail scanners that follow links would spend it). The answer to a
// request is the same page whether the address is staff's or not, and whether the request was
// over its limits or not.

const (
	sessionCookie = "deskd_session"
	formCookie    = "deskd_form" // The double-submitted token of the forms shown before signing in.
)

// signInLimits: three links per address and ten requests per client in fifteen minutes.
var signInLimits = tickets.SignInLimits{PerAddress: 3, PerClient: 10, Window: tickets.SignInValid}

// user is the signed-in staff member.
type user struct {
	Email       string
	Name        string
	Lang        string
	Technician  bool
	Coordinator bool
	csrf        string
	secret      string
}

// staffUser returns the staff member of a session's address, or false if the address is no longer
// a technician's or a coordinator's.
func staffUser(cfg *tickets.Config, email string) (*user, bool) {
	u := &user{Email: email, Lang: cfg.Desk.Language}
	if te, ok := cfg.Technician(email); ok {
		u.Name, u.Lang, u.Technician = te.Name, te.Language, true
	}
	if co, ok := cfg.CoordinatorByEmail(email); ok {
		u.Coordinator = true
		if !u.Technician {
			u.Name, u.Lang = co.Name, co.Language
		}
	}
	if u.Name == "" {
		u.Name = email
	}
	return u, u.Technician || u.Coordinator
}

// staff wraps a handler for signed-in staff. Without a session a page asks to sign in; a form
// posted without a session, or without the session's form token, is refused.
func (s *Server) staff(h func(http.ResponseWriter, *http.Request, *user)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st := s.settings()
		var ses tickets.Session
		var secret string
		err := tickets.ErrNoSession
		if c, cerr := r.Cookie(sessionCookie); cerr == nil {
			secret = c.Value
			ses, err = s.o.Store.Session(r.Context(), secret, s.o.Now(), st.cfg.SessionIdle.Duration)
		}
		if err == nil && !s.o.Now().Before(ses.Created.Add(st.cfg.SessionMaxAge.Duration)) {
			err = tickets.ErrNoSession // Signed in too long ago: sign in again.
		}
		var u *user
		if err == nil {
			var ok bool
			if u, ok = staffUser(st.desk, ses.Email); !ok {
				err = tickets.ErrNoSession
			}
		}
		if errors.Is(err, tickets.ErrNoSession) {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, s.link("/signin"), http.StatusSeeOther)
				return
			}
			s.fail(w, r, http.StatusForbidden, s.browserLanguage(r), "error_session")
			return
		}
		if err != nil {
			s.failErr(w, r, s.browserLanguage(r), err)
			return
		}
		u.csrf, u.secret = ses.CSRF, secret
		if r.Method == http.MethodPost && !s.readForm(w, r, u.Lang) {
			return
		}
		if r.Method == http.MethodPost && !sameToken(r.PostFormValue("csrf"), ses.CSRF) {
			s.fail(w, r, http.StatusForbidden, u.Lang, "error_csrf")
			return
		}
		h(w, r, u)
	}
}

// readForm reads a posted form, bounded by the desk's attachment limit; a form over it is
// answered 413 and false.
func (s *Server) readForm(w http.ResponseWriter, r *http.Request, lang string) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload(s.settings().desk)+1<<20)
	err := r.ParseMultipartForm(1 << 20)
	if errors.Is(err, http.ErrNotMultipart) {
		err = r.ParseForm()
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		s.fail(w, r, http.StatusRequestEntityTooLarge, lang, "error_too_big")
		return false
	}
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, lang, "error_form")
		return false
	}
	return true
}

func sameToken(a, b string) bool {
	return a != "" && b != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// formToken returns the token of the forms shown before signing in, setting its cookie when the
// browser has none.
func (s *Server) formToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(formCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, s.cookie(formCookie, tok, http.SameSiteStrictMode))
	return tok
}

// formTokenOK checks a form posted before signing in: its token is the cookie's.
func (s *Server) formTokenOK(r *http.Request) bool {
	c, err := r.Cookie(formCookie)
	return err == nil && sameToken(r.PostFormValue("csrf"), c.Value)
}

// cookie is one of the web desk's cookies: HttpOnly, on its path, Secure when it is served over
// https.
func (s *Server) cookie(name, value string, same http.SameSite) *http.Cookie {
	st := s.settings()
	p := st.path
	if p == "" {
		p = "/"
	}
	return &http.Cookie{Name: name, Value: value, Path: p, HttpOnly: true, SameSite: same,
		Secure: strings.HasPrefix(st.base, "https://")}
}

type signInData struct {
	Email string
	Token string
}

func (s *Server) signInForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, s.browserLanguage(r), "signin", view{Title: "signin_title",
		CSRF: s.formToken(w, r)})
}

// signInRequest mails a link to a staff address; its answer says nothing of the address.
func (s *Server) signInRequest(w http.ResponseWriter, r *http.Request) {
	lang := s.browserLanguage(r)
	if !s.formTokenOK(r) {
		s.fail(w, r, http.StatusForbidden, lang, "error_csrf")
		return
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	if a, err := mail.ParseAddress(email); err == nil {
		email = a.Address
	}
	if len(email) > 254 || !strings.Contains(email, "@") {
		s.render(w, r, http.StatusBadRequest, lang, "signin", view{Title: "signin_title", CSRF: s.formToken(w, r),
			Problem: s.settings().words.Page(lang, nil).Word("signin_bad_address"), Data: signInData{Email: email}})
		return
	}
	var res tickets.SignInResult
	err := s.o.Desk.Update(r.Context(), s.o.Now(), func(tx *tickets.Tx) error {
		var err error
		res, err = tx.RequestSignIn(email, s.clientIP(r), signInLimits)
		return err
	})
	if err != nil {
		s.failErr(w, r, lang, err)
		return
	}
	s.log.Info("web: sign-in requested", "email", email, "client", s.clientIP(r), "result", string(res))
	if res == tickets.SignInSent {
		s.o.Wake()
	}
	s.render(w, r, http.StatusOK, lang, "signin_sent", view{Title: "signin_sent_title", Data: signInData{Email: email}})
}

// signInConfirm is the page of the link in the mail: a button that signs in.
func (s *Server) signInConfirm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, s.browserLanguage(r), "signin_confirm", view{Title: "signin_confirm_title",
		CSRF: s.formToken(w, r), Data: signInData{Token: r.PathValue("token")}})
}

// signInRedeem spends the link and opens a session with a new secret: whatever session cookie the
// browser had is replaced (no fixation).
func (s *Server) signInRedeem(w http.ResponseWriter, r *http.Request) {
	lang := s.browserLanguage(r)
	if !s.formTokenOK(r) {
		s.fail(w, r, http.StatusForbidden, lang, "error_csrf")
		return
	}
	secret, ses, err := s.o.Desk.SignIn(r.Context(), r.PathValue("token"), s.o.Now())
	if errors.Is(err, tickets.ErrSignIn) {
		s.render(w, r, http.StatusForbidden, lang, "signin", view{Title: "signin_title", CSRF: s.formToken(w, r),
			Problem: s.settings().words.Page(lang, nil).Word("signin_invalid")})
		return
	}
	if err != nil {
		s.failErr(w, r, lang, err)
		return
	}
	if _, ok := staffUser(s.settings().desk, ses.Email); !ok {
		s.fail(w, r, http.StatusForbidden, lang, "error_forbidden")
		return
	}
	s.log.Info("web: signed in", "email", ses.Email, "client", s.clientIP(r))
	http.SetCookie(w, s.cookie(sessionCookie, secret, http.SameSiteLaxMode))
	http.Redirect(w, r, s.link("/queue"), http.StatusSeeOther)
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request, u *user) {
	if err := s.o.Store.EndSession(r.Context(), u.secret); err != nil {
		s.failErr(w, r, u.Lang, err)
		return
	}
	c := s.cookie(sessionCookie, "", http.SameSiteLaxMode)
	c.MaxAge = -1
	http.SetCookie(w, c)
	s.render(w, r, http.StatusOK, u.Lang, "message", view{Title: "signed_out_title", Notice: "signed_out"})
}
