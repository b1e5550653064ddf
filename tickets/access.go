package tickets

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Access to the desk beyond mail: the web desk's staff sign-in by mail, its sessions, and the
// per-person tokens of the JSON API. No password is stored anywhere. A staff member asks for a
// link; the desk mails it (KindSignIn, through the outbox like every mail); the link works once,
// for SignInValid, and opens a session that ends after a while unused. What the store keeps of a
// session or a token is its SHA-256: reading the database opens no session.

// SignInValid is how long a sign-in link works.
const SignInValid = 15 * time.Minute

// Errors of access.
var (
	ErrSignIn    = errors.New("sign-in link not valid: used, expired or altered")
	ErrNoSession = errors.New("no such session")
	ErrNoToken   = errors.New("no such API token")
)

// SignInLimits bound the sign-in requests: at most PerAddress for one address and PerClient from
// one client in Window.
type SignInLimits struct {
	PerAddress, PerClient int
	Window                time.Duration
}

// SignInResult is what a sign-in request led to. The web desk answers the same page whatever it
// is, so that nobody learns who is staff.
type SignInResult string

// Sign-in results.
const (
	SignInSent     SignInResult = "sent"      // The link is queued.
	SignInNotStaff SignInResult = "not-staff" // Nobody of the team has this address.
	SignInLimited  SignInResult = "limited"   // Too many requests for the address or from the client.
)

// SignInRequestsPerHour bounds the sign-in requests the desk records in an hour, all addresses
// and clients together: past it, a request for an address that is not staff is refused (as
// limited) and nothing of it is recorded, so that requests from many clients for made-up
// addresses cannot grow the table or the work without end. A staff member still gets her link
// within her address's budget: what that costs is bounded by the team's size.
const SignInRequestsPerHour = 1000

// RequestSignIn records a request for a sign-in link for email, made from client (an opaque key;
// the web desk gives the client's IP address), and queues the mail with the link when email is a
// technician's or a coordinator's and neither the address nor the client is over its limit. A
// client's every request counts against its limit, whatever its result; an address's limit
// counts only the links sent to it, so that nobody can lock a staff member out by asking in her
// name: each request that counts brought her a working link.
func (t *Tx) RequestSignIn(email, client string, lim SignInLimits) (SignInResult, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	// The budget is the mailbox's: a technician's aliases, letter case and +tags share one.
	canon := email
	if te, ok := t.cfg.Technician(email); ok {
		canon = te.Email
	}
	canon = Mailbox(canon)
	count := func(key string, since time.Time) (int, error) {
		var n int
		if err := t.queryRow(`SELECT COUNT(*) FROM signin_attempts WHERE key = ? AND at > ?`, key, since.Unix()).Scan(&n); err != nil {
			return 0, fmt.Errorf("count sign-in requests: %w", err)
		}
		return n, nil
	}
	var all int // The clients' keys run from "client:" to "client;" (':' + 1): the index serves.
	if err := t.queryRow(`SELECT COUNT(*) FROM signin_attempts WHERE key > 'client:' AND key < 'client;' AND at > ?`,
		t.Now.Add(-time.Hour).Unix()).Scan(&all); err != nil {
		return "", fmt.Errorf("count sign-in requests: %w", err)
	}
	staff := t.cfg.IsStaff(email) && validAddress(email)
	if all >= SignInRequestsPerHour && !staff {
		return SignInLimited, nil
	}
	byAddr, err := count("address:"+canon, t.Now.Add(-lim.Window))
	if err != nil {
		return "", err
	}
	byClient, err := count("client:"+client, t.Now.Add(-lim.Window))
	if err != nil {
		return "", err
	}
	if _, err := t.exec(`DELETE FROM signin_attempts WHERE at < ?`, t.Now.Add(-24*time.Hour).Unix()); err != nil {
		return "", fmt.Errorf("prune sign-in requests: %w", err)
	}
	record := func(key string) error {
		if _, err := t.exec(`INSERT INTO signin_attempts (key, at) VALUES (?, ?)`, key, t.Now.Unix()); err != nil {
			return fmt.Errorf("record sign-in request: %w", err)
		}
		return nil
	}
	if err := record("client:" + client); err != nil {
		return "", err
	}
	if byClient >= lim.PerClient || staff && byAddr >= lim.PerAddress {
		return SignInLimited, nil
	}
	if !staff {
		return SignInNotStaff, nil
	}
	if err := record("address:" + canon); err != nil {
		return "", err
	}
	if te, ok := t.cfg.Technician(email); ok {
		email = te.Email // An alias signs in as the technician.
	}
	nonce, err := t.IssueSignIn(email)
	if err != nil {
		return "", err
	}
	if _, err := t.exec(`DELETE FROM signins WHERE issued_at < ?`, t.Now.Add(-24*time.Hour).Unix()); err != nil {
		return "", fmt.Errorf("prune sign-ins: %w", err)
	}
	return SignInSent, t.queue(nil, Mail{Kind: KindSignIn, To: []string{email}, Language: t.staffLanguage(email),
		Notice: Notice{Audience: "staff", SignIn: nonce}})
}

// Session is a signed-in staff member's session of the web desk.
type Session struct {
	Email   string
	CSRF    string // The token every form of the session carries.
	Created time.Time
	Seen    time.Time
}

// SignIn redeems a sign-in link's token at now and opens a session: it returns the session's
// secret (the browser's cookie) and the session. The link works once, for SignInValid; anything
// else is ErrSignIn.
func (d *Desk) SignIn(ctx context.Context, token string, now time.Time) (secret string, s Session, err error) {
	b, derr := linkEncoding.DecodeString(token)
	if derr != nil || len(b) != 32 {
		return "", Session{}, ErrSignIn
	}
	nonce := linkEncoding.EncodeToString(b[:16])
	err = d.Store.write(ctx, func(tx *sql.Tx) error {
		var email string
		var issued int64
		var used sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT email, issued_at, used_at FROM signins WHERE nonce = ?`, nonce).Scan(&email, &issued, &used)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrSignIn
		}
		if err != nil {
			return fmt.Errorf("sign in: %w", err)
		}
		if !hmac.Equal(b[16:], d.Signer.signInMAC(b[:16], email)) || used.Valid ||
			!now.Before(time.Unix(issued, 0).Add(SignInValid)) || now.Before(time.Unix(issued, 0).Add(-time.Minute)) {
			return ErrSignIn
		}
		if _, err := tx.ExecContext(ctx, `UPDATE signins SET used_at = ? WHERE nonce = ?`, now.Unix(), nonce); err != nil {
			return fmt.Errorf("sign in: %w", err)
		}
		secret, s, err = newSession(ctx, tx, email, now)
		return err
	})
	return secret, s, err
}

func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return linkEncoding.EncodeToString(b), nil
}

func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

func newSession(ctx context.Context, tx *sql.Tx, email string, now time.Time) (string, Session, error) {
	secret, err := randomToken(32)
	if err != nil {
		return "", Session{}, fmt.Errorf("new session: %w", err)
	}
	csrf, err := randomToken(24)
	if err != nil {
		return "", Session{}, fmt.Errorf("new session: %w", err)
	}
	s := Session{Email: email, CSRF: csrf, Created: now.UTC().Truncate(time.Second), Seen: now.UTC().Truncate(time.Second)}
	if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (id, email, csrf, created_at, seen_at) VALUES (?, ?, ?, ?, ?)`,
		hashSecret(secret), email, csrf, now.Unix(), now.Unix()); err != nil {
		return "", Session{}, fmt.Errorf("new session: %w", err)
	}
	return secret, s, nil
}

// Session returns the session of a secret at now, if it was used within idle; it records the
// use (at most once a minute, to spare the writer).
func (s *Store) Session(ctx context.Context, secret string, now time.Time, idle time.Duration) (Session, error) {
	if secret == "" {
		return Session{}, ErrNoSession
	}
	id := hashSecret(secret)
	var ses Session
	var created, seen int64
	err := s.r.QueryRowContext(ctx, `SELECT email, csrf, created_at, seen_at FROM sessions WHERE id = ?`, id).
		Scan(&ses.Email, &ses.CSRF, &created, &seen)
	if errors.Is(err, sql.ErrNoRows) {
		return Session{}, ErrNoSession
	}
	if err != nil {
		return Session{}, fmt.Errorf("session: %w", err)
	}
	ses.Created, ses.Seen = time.Unix(created, 0).UTC(), time.Unix(seen, 0).UTC()
	if !now.Before(ses.Seen.Add(idle)) {
		return Session{}, ErrNoSession
	}
	if now.Sub(ses.Seen) >= time.Minute {
		err := s.write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE sessions SET seen_at = ? WHERE id = ?`, now.Unix(), id)
			if err != nil {
				return err
			}
			// Sessions unused for a week are gone for good.
			_, err = tx.ExecContext(ctx, `DELETE FROM sessions WHERE seen_at < ?`, now.Add(-7*24*time.Hour).Unix())
			return err
		})
		if err != nil {
			return Session{}, fmt.Errorf("touch session: %w", err)
		}
		ses.Seen = now.UTC().Truncate(time.Second)
	}
	return ses, nil
}

// EndSession ends one session (signing out).
func (s *Store) EndSession(ctx context.Context, secret string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, hashSecret(secret))
		return err
	})
}

// EndSessions ends every session of a person and forgets their unused sign-in links; it returns
// how many sessions it ended.
func (s *Store) EndSessions(ctx context.Context, email string) (int, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		email = strings.ToLower(strings.TrimSpace(email))
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE email = ?`, email)
		if err != nil {
			return fmt.Errorf("end sessions: %w", err)
		}
		n, _ = res.RowsAffected()
		_, err = tx.ExecContext(ctx, `DELETE FROM signins WHERE email = ? AND used_at IS NULL`, email)
		return err
	})
	return int(n), err
}

// CreateToken makes a new API token for a person: the token is returned once and only its hash
// is kept.
func (s *Store) CreateToken(ctx context.Context, email string, now time.Time) (string, error) {
	secret, err := randomToken(32)
	if err != nil {
		return "", fmt.Errorf("create token: %w", err)
	}
	token := "dk_" + secret
	err = s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (hash, email, created_at) VALUES (?, ?, ?)`,
			hashSecret(token), strings.ToLower(strings.TrimSpace(email)), now.Unix())
		return err
	})
	if err != nil {
		return "", fmt.Errorf("create token: %w", err)
	}
	return token, nil
}

// TokenOwner returns whose API token this is.
func (s *Store) TokenOwner(ctx context.Context, token string) (string, error) {
	var email string
	err := s.r.QueryRowContext(ctx, `SELECT email FROM api_tokens WHERE hash = ?`, hashSecret(token)).Scan(&email)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNoToken
	}
	if err != nil {
		return "", fmt.Errorf("api token: %w", err)
	}
	return email, nil
}

// RevokeTokens deletes every API token of a person and returns how many there were.
func (s *Store) RevokeTokens(ctx context.Context, email string) (int, error) {
	var n int64
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM api_tokens WHERE email = ?`, strings.ToLower(strings.TrimSpace(email)))
		if err != nil {
			return fmt.Errorf("revoke tokens: %w", err)
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return int(n), err
}

// Writable checks that the database takes writes now: the readiness of the desk.
func (s *Store) Writable(ctx context.Context, now time.Time) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO kv (key, value) VALUES ('alive_at', ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, now.UTC().Format(time.RFC3339))
		return err
	})
}
