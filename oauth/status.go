package oauth

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Status is what `deskd oauth status` shows: never a secret.
type Status struct {
	Provider    string
	Tenant      string
	Flow        string
	TokenFile   string
	SignedIn    bool      // A login is on file (client credentials: a token was got).
	Account     string    // The account signed in with, when the provider named it.
	Username    string    // The mailbox deskd logs in as (oauth2.username, else Account).
	Scopes      []string  // As granted, else as asked for.
	Expiry      time.Time // Of the current access token; zero when unknown.
	LoginAt     time.Time
	RefreshedAt time.Time
	Rotations   int // Times the provider replaced the refresh token.
}

// ReadStatus reads the token file of a completed configuration; it asks the provider nothing.
// No token file yet is a Status with SignedIn false, not an error.
func ReadStatus(cfg *Config) (*Status, error) {
	if cfg.Flow == FlowClientCredentials {
		return &Status{Provider: cfg.Provider, Tenant: cfg.Tenant, Flow: cfg.Flow, Username: cfg.Username, Scopes: cfg.Scopes}, nil
	}
	st, err := readStore(cfg.TokenFile)
	if errors.Is(err, errNoToken) {
		return &Status{Provider: cfg.Provider, Tenant: cfg.Tenant, Flow: cfg.Flow, TokenFile: cfg.TokenFile, Username: cfg.Username, Scopes: cfg.Scopes}, nil
	}
	if err != nil {
		return nil, err
	}
	return statusOf(cfg, st), nil
}

func statusOf(cfg *Config, st *stored) *Status {
	s := &Status{
		Provider:    cfg.Provider,
		Tenant:      cfg.Tenant,
		Flow:        cfg.Flow,
		TokenFile:   cfg.TokenFile,
		SignedIn:    st.RefreshToken != "",
		Account:     st.Account,
		Username:    cfg.Username,
		Scopes:      st.Scopes,
		Expiry:      st.Expiry,
		LoginAt:     st.LoginAt,
		RefreshedAt: st.RefreshedAt,
		Rotations:   st.Rotations,
	}
	if s.Username == "" {
		s.Username = st.Account
	}
	if len(s.Scopes) == 0 {
		s.Scopes = cfg.Scopes
	}
	return s
}

// Write prints the status for a person, as of now.
func (s *Status) Write(w io.Writer, now time.Time) {
	p := s.Provider
	if s.Tenant != "" {
		p += " (tenant " + s.Tenant + ")"
	}
	fmt.Fprintf(w, "provider:     %s, flow %s\n", p, s.Flow)
	if s.TokenFile != "" {
		fmt.Fprintf(w, "token file:   %s\n", s.TokenFile)
	}
	if !s.SignedIn {
		fmt.Fprintf(w, "signed in:    no: %s\n", FixLogin)
		if s.Username != "" {
			fmt.Fprintf(w, "username:     %s\n", s.Username)
		}
		return
	}
	if s.Account != "" {
		fmt.Fprintf(w, "account:      %s\n", s.Account)
	}
	switch {
	case s.Username == "":
		fmt.Fprintln(w, "username:     unknown: set oauth2.username to the mailbox address")
	case s.Username != s.Account:
		fmt.Fprintf(w, "username:     %s\n", s.Username)
	}
	fmt.Fprintf(w, "scopes:       %s\n", strings.Join(s.Scopes, " "))
	if !s.LoginAt.IsZero() {
		fmt.Fprintf(w, "signed in:    %s", s.LoginAt.Local().Format("2006-01-02 15:04"))
		if !s.RefreshedAt.IsZero() {
			fmt.Fprintf(w, "; last refresh %s", s.RefreshedAt.Local().Format("2006-01-02 15:04"))
		}
		if s.Rotations > 0 {
			fmt.Fprintf(w, "; refresh token rotated %d times", s.Rotations)
		}
		fmt.Fprintln(w)
	}
	switch {
	case s.Expiry.IsZero():
	case now.Before(s.Expiry):
		fmt.Fprintf(w, "access token: valid until %s (%s)\n", s.Expiry.Local().Format("2006-01-02 15:04"), s.Expiry.Sub(now).Round(time.Second))
	default:
		fmt.Fprintf(w, "access token: expired %s ago; deskd gets a new one when it needs one\n", now.Sub(s.Expiry).Round(time.Second))
	}
}
