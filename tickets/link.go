package tickets

import (
	"crypto/hmac"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
	"time"
)

// Link tokens open the web desk's pages for the people a mail went to: a requester's (or a
// watcher's) follow-up page of one ticket, and the one-click answers to "was your problem
// solved?". A token binds the ticket, the recipient and an expiry, signed with the desk secret:
// base64url of version byte, purpose byte, ticket ID (8 bytes), expiry (Unix seconds, 8 bytes)
// and the recipient's address, then 16 bytes of HMAC-SHA256 over all of it, under a label of
// its own so that no other signature of the desk can pass for one. Changing any byte — the
// ticket, the address, the expiry, the purpose — fails the MAC.

// Link purposes.
const (
	LinkPage     = 'p' // The follow-up page.
	LinkSolved   = 'y' // "Yes, solved."
	LinkUnsolved = 'n' // "No, not solved."
)

const linkVersion = 1

// Errors of link tokens.
var (
	ErrBadLink     = errors.New("invalid link")
	ErrLinkExpired = errors.New("link expired")
)

// LinkClaim is what a link token grants: a purpose on one ticket, to one recipient, until a time.
type LinkClaim struct {
	Purpose   byte
	TicketID  int64
	Recipient string // Lower-case address.
	Expires   time.Time
}

var linkEncoding = base64.RawURLEncoding

// appendLinkMAC appends a link's 16 bytes of MAC over payload to dst.
func (s *Signer) appendLinkMAC(dst, payload []byte) []byte {
	return s.appendMAC(dst, 16, []byte("deskd link\x00"), payload)
}

// Link returns a signed link token.
func (s *Signer) Link(c LinkClaim) string {
	rcpt := strings.ToLower(strings.TrimSpace(c.Recipient))
	b := make([]byte, 18, 18+len(rcpt)+16)
	b[0], b[1] = linkVersion, c.Purpose
	binary.BigEndian.PutUint64(b[2:], uint64(c.TicketID))
	binary.BigEndian.PutUint64(b[10:], uint64(c.Expires.Unix()))
	b = append(b, rcpt...)
	return linkEncoding.EncodeToString(s.appendLinkMAC(b, b))
}

// VerifyLink returns what a link token grants at now: ErrBadLink for a token that is malformed or
// forged, ErrLinkExpired (with the claim) for one past its expiry.
func (s *Signer) VerifyLink(token string, now time.Time) (LinkClaim, error) {
	b, err := linkEncoding.DecodeString(token)
	if err != nil || len(b) < 18+3+16 || b[0] != linkVersion || linkEncoding.EncodeToString(b) != token {
		// The last test keeps one spelling a link: the decoder ignores line breaks and the
		// unused bits of the last character, and what counts a link's posts and votes is its
		// text.
		return LinkClaim{}, ErrBadLink
	}
	payload, mac := b[:len(b)-16], b[len(b)-16:]
	if !hmac.Equal(mac, s.appendLinkMAC(nil, payload)) {
		return LinkClaim{}, ErrBadLink
	}
	c := LinkClaim{
		Purpose:   payload[1],
		TicketID:  int64(binary.BigEndian.Uint64(payload[2:10])),
		Expires:   time.Unix(int64(binary.BigEndian.Uint64(payload[10:18])), 0).UTC(),
		Recipient: string(payload[18:]),
	}
	if c.TicketID <= 0 || !validAddress(c.Recipient) {
		return LinkClaim{}, ErrBadLink
	}
	if !now.Before(c.Expires) {
		return c, ErrLinkExpired
	}
	return c, nil
}

// signInMAC signs a sign-in request's nonce for the address it was made for.
func (s *Signer) signInMAC(nonce []byte, email string) []byte {
	return s.appendMAC(nil, 16, []byte("deskd sign-in\x00"), nonce, []byte(strings.ToLower(email)))
}

// SignInToken returns the token of a sign-in link: the request's nonce (as Notice.SignIn holds
// it) and its signature for the address it was made for.
func (s *Signer) SignInToken(nonce, email string) string {
	n, err := linkEncoding.DecodeString(nonce)
	if err != nil {
		return ""
	}
	return linkEncoding.EncodeToString(append(n, s.signInMAC(n, email)...))
}
