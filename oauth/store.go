package oauth

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// stored is the token file: what a login left and each refresh updated. It holds secrets (the
// refresh and access tokens); it is written 0600 and never printed.
type stored struct {
	Version      int       `json:"version"`
	Provider     string    `json:"provider"`
	ClientID     string    `json:"client_id"`
	TokenURL     string    `json:"token_url"` // The endpoint that issued the tokens; another one cannot refresh them.
	Account      string    `json:"account,omitempty"`
	Scopes       []string  `json:"scopes,omitempty"` // As granted, when the provider said.
	RefreshToken string    `json:"refresh_token"`
	AccessToken  string    `json:"access_token,omitempty"`
	TokenType    string    `json:"token_type,omitempty"`
	Expiry       time.Time `json:"expiry"`                // Of the access token.
	Issued       time.Time `json:"issued"`                // When the access token was obtained.
	LoginAt      time.Time `json:"login_at"`              // When the refresh token was first obtained.
	RefreshedAt  time.Time `json:"refreshed_at,omitzero"` // The last refresh.
	Rotations    int       `json:"rotations,omitempty"`   // Times the provider replaced the refresh token.
}

const storeVersion = 1

// errNoToken means the token file does not exist: no one has run the login yet.
var errNoToken = errors.New("no token file")

// readStore reads the token file.
func readStore(path string) (*stored, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errNoToken
	}
	if err != nil {
		return nil, fmt.Errorf("read token file: %w", err)
	}
	var st stored
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("token file %s: %w", path, err)
	}
	if st.Version != storeVersion {
		return nil, fmt.Errorf("token file %s: version %d, want %d", path, st.Version, storeVersion)
	}
	return &st, nil
}

// writeStore replaces the token file atomically: a temporary file in the same directory,
// written, synced, renamed over the old one, and the directory synced, so that a crash leaves
// either the old tokens or the new ones, never a torn file — a rotated refresh token is the only
// copy of the login.
func writeStore(path string, st *stored) (err error) {
	st.Version = storeVersion
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("encode tokens: %w", err)
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write token file: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			if rerr := os.Remove(tmp); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
				err = errors.Join(err, rerr)
			}
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		_ = f.Close()
		return fmt.Errorf("write token file: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		_ = f.Close()
		return fmt.Errorf("write token file: %w", err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("sync token file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write token file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write token file: %w", err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync token directory: %w", err)
	}
	if err := d.Sync(); err != nil {
		_ = d.Close()
		return fmt.Errorf("sync token directory: %w", err)
	}
	if err := d.Close(); err != nil {
		return fmt.Errorf("sync token directory: %w", err)
	}
	return nil
}
