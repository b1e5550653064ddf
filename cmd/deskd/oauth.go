package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"time"

	"github.com/deskd/deskd/cmd/deskd/config"
	"github.com/deskd/deskd/mailin"
	"github.com/deskd/deskd/oauth"
)

// oauthCommands sign deskd in to Microsoft 365, Google or another OAuth2 provider, and show
// the login.
func oauthCommands() []*command {
	return []*command{{
		name: "oauth login", summary: "Sign in to the [oauth2] provider and keep the refresh token (once, and when deskd asks).",
		run: func(ctx context.Context, e *env, args []string) error {
			cfg, err := oauthConfig(e)
			if err != nil {
				return err
			}
			// The authorization code flow reads the address the browser ended on from stdin.
			_, err = oauth.Login(ctx, cfg, oauth.Options{Log: e.log}, e.stdout, os.Stdin)
			return err
		},
	}, {
		name: "oauth status", summary: "Show the OAuth2 login: account, scopes, expiry (never a token).",
		run: func(ctx context.Context, e *env, args []string) error {
			cfg, err := oauthConfig(e)
			if err != nil {
				return err
			}
			st, err := oauth.ReadStatus(cfg)
			if err != nil {
				return err
			}
			st.Write(e.stdout, time.Now())
			return nil
		},
	}}
}

// oauthConfig loads the configuration file's [oauth2] section.
func oauthConfig(e *env) (*oauth.Config, error) {
	cfg, err := config.Load(e.configPath)
	if err != nil {
		return nil, err
	}
	if cfg.OAuth2 == nil {
		return nil, fmt.Errorf("%s has no [oauth2] section: add one (see the README, \"Microsoft 365\" and \"Google Workspace\")", e.configPath)
	}
	return cfg.OAuth2, nil
}

// newTokenSource returns the OAuth2 token source of a configuration, which the ingester and the
// sender share (one refresh serves both); nil when it has no [oauth2] section.
func newTokenSource(cfg *config.File, log *slog.Logger) (mailin.TokenSource, error) {
	if cfg.OAuth2 == nil {
		return nil, nil
	}
	src, err := oauth.NewSource(cfg.OAuth2, oauth.Options{Log: log})
	if err != nil {
		return nil, fmt.Errorf("oauth2: %w", err)
	}
	return src, nil
}

// reloadTokenSource returns the token source for a reloaded configuration: the one in use when
// [oauth2] is unchanged (it remembers what it has logged), else a new one.
func reloadTokenSource(old, next *config.File, cur mailin.TokenSource, log *slog.Logger) (mailin.TokenSource, error) {
	if reflect.DeepEqual(old.OAuth2, next.OAuth2) {
		return cur, nil
	}
	return newTokenSource(next, log)
}

// checkOAuth refreshes the access token when the configuration has [oauth2], and says whether
// it could; a failure is told through fail, in the words of the token source, which name the
// fix.
func checkOAuth(ctx context.Context, e *env, cfg *config.File, fail func(error)) (tokens mailin.TokenSource, ok bool) {
	if cfg.OAuth2 == nil {
		return nil, true
	}
	// check prints the error itself: the token source's log line would say it twice.
	tokens, err := newTokenSource(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		fail(err)
		return nil, false
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// An access token on file proves nothing of the login: a refresh does. Declaring the token
	// refused makes the source get a new one.
	tok, err := tokens.Token(ctx)
	if err == nil {
		tokens.Refused(tok)
		_, err = tokens.Token(ctx)
	}
	if err != nil {
		fail(fmt.Errorf("oauth2: %w", err))
		return nil, false
	}
	who := tokens.Username()
	if who == "" {
		who = "an account the provider did not name"
	}
	fmt.Fprintf(e.stdout, "oauth2 %s: ok (signed in as %s)\n", cfg.OAuth2.Provider, who)
	return tokens, true
}
