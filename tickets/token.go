package tickets

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// Reply tokens tie a mail to a ticket so that replies thread even when the subject is changed.
// A token is base32 (lower-case, no padding, so it survives the lower-casing of Message-IDs and
// local parts) of: version byte, ticket ID (8 bytes, big endian), and the first 10 bytes of an
// HMAC-SHA256 over the first two with the desk secret. Gitea's incoming mail signs its reply
// tokens the same way; a forged or altered token fails the MAC and is ignored.

const tokenVersion = 1

// ErrBadToken is returned for a token that is malformed or whose signature does not verify.
var ErrBadToken = errors.New("invalid reply token")

var tokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Signer makes and checks reply tokens with the desk secret.
type Signer struct{ key []byte }

// NewSigner returns a Signer for the secret key.
func NewSigner(key []byte) *Signer { return &Signer{key: append([]byte(nil), key...)} }

func (s *Signer) mac(payload []byte) []byte {
	h := hmac.New(sha256.New, s.key)
	h.Write(payload)
	return h.Sum(nil)[:10]
}

// Token returns the signed token for a ticket.
func (s *Signer) Token(ticketID int64) string {
	b := make([]byte, 9, 19)
	b[0] = tokenVersion
	binary.BigEndian.PutUint64(b[1:], uint64(ticketID))
	return tokenEncoding.EncodeToString(append(b, s.mac(b)...))
}

// Verify returns the ticket a token was issued for.
func (s *Signer) Verify(token string) (int64, error) {
	b, err := tokenEncoding.DecodeString(strings.ToLower(token))
	if err != nil || len(b) != 19 || b[0] != tokenVersion {
		return 0, ErrBadToken
	}
	if !hmac.Equal(b[9:], s.mac(b[:9])) {
		return 0, ErrBadToken
	}
	id := int64(binary.BigEndian.Uint64(b[1:9]))
	if id <= 0 {
		return 0, ErrBadToken
	}
	return id, nil
}

// MessageID returns a new desk Message-ID (without <>) for a mail about a ticket:
// "dk.TOKEN.RANDOM@domain". ticketID 0 gives an unsigned ID for mails about no ticket.
func (s *Signer) MessageID(ticketID int64, domain string) string {
	r := make([]byte, 8)
	if _, err := rand.Read(r); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err)) // Never fails on Linux.
	}
	if ticketID == 0 {
		return "dk.0." + tokenEncoding.EncodeToString(r) + "@" + domain
	}
	return "dk." + s.Token(ticketID) + "." + tokenEncoding.EncodeToString(r) + "@" + domain
}

// TicketFromMessageID returns the ticket of a desk-issued Message-ID, verifying its signature.
func (s *Signer) TicketFromMessageID(id string) (int64, error) {
	local, _, ok := strings.Cut(strings.Trim(id, "<> "), "@")
	if !ok {
		return 0, ErrBadToken
	}
	parts := strings.Split(local, ".")
	if len(parts) != 3 || parts[0] != "dk" {
		return 0, ErrBadToken
	}
	return s.Verify(parts[1])
}

// PlusAddress returns the desk address with the ticket's token: helpdesk+TOKEN@domain.
func (s *Signer) PlusAddress(deskAddress string, ticketID int64) string {
	local, domain, _ := strings.Cut(deskAddress, "@")
	return local + "+" + s.Token(ticketID) + "@" + domain
}

// TicketFromAddress returns the ticket of a signed plus-address, verifying its signature.
func (s *Signer) TicketFromAddress(addr string) (int64, error) {
	local, _, ok := strings.Cut(addr, "@")
	if !ok {
		return 0, ErrBadToken
	}
	_, tok, ok := strings.Cut(local, "+")
	if !ok {
		return 0, ErrBadToken
	}
	return s.Verify(tok)
}
