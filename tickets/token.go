package tickets

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"strings"
	"sync"
	"unicode/utf8"
)

// Reply tokens tie a mail to a ticket so that replies thread even when the subject is changed.
// A token is base32 (lower-case, no padding, so it survives the lower-casing of Message-IDs and
// local parts) of a version byte, an ID and HMAC-SHA256 tags made with the desk secret. Gitea's
// incoming mail signs its reply tokens the same way; a forged or altered token fails the MAC and
// is ignored.
//
// Version 1 (issued until per-recipient tokens): the ticket ID (8 bytes, big endian) and the
// first 10 bytes of the HMAC over both. It names the ticket only: every recipient of a mail got
// the same one, so it still threads but proves nothing about who holds it.
//
// Version 2, a ticket token bound to its recipient: the ticket ID (uvarint), a recipient tag
// (8 bytes of HMAC over version, ticket and the recipient's mailbox) and a tag (8 bytes of HMAC
// over everything before it). The second tag shows the desk issued the token for the ticket; the
// recipient tag shows to whom: holding a mail that was sent to Alice proves access to Alice's
// mailbox, and Alice's token in anyone else's hands grants them nothing of hers.
//
// Version 3, a bounce token: the same layout over the outbox row of the mail instead of a ticket.
// It is the envelope sender of each copy (VERP, helpdesk+b-TOKEN@…), so a delivery report
// names the mail and the recipient it is about, and nobody else can write one.

const (
	tokenV1     = 1 // Ticket only.
	tokenV2     = 2 // Ticket and recipient.
	tokenBounce = 3 // Outbox row and recipient.
	tagLen      = 8 // Bytes of each HMAC tag of versions 2 and 3.
)

// ErrBadToken is returned for a token that is malformed or whose signature does not verify.
var ErrBadToken = errors.New("invalid reply token")

var tokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Signer makes and checks reply tokens with the desk secret. It is safe for concurrent use.
type Signer struct {
	key []byte
	// macs holds keyed HMAC-SHA256 states (*macState) for reuse: Reset returns one to its keyed
	// start without hashing the key's pads again, as hmac.New does (two SHA-256 blocks more per
	// signature, and six allocations). A copy sent carries four to eight signatures.
	macs sync.Pool
}

// macState is a keyed HMAC and the buffers of one signature.
type macState struct {
	h   hash.Hash
	in  []byte // What is signed, when it is built from parts.
	sum []byte // The last signature.
}

// NewSigner returns a Signer for the secret key.
func NewSigner(key []byte) *Signer { return &Signer{key: append([]byte(nil), key...)} }

// state returns a keyed HMAC state, reset; give it back with put.
func (s *Signer) state() *macState {
	if st, ok := s.macs.Get().(*macState); ok {
		st.h.Reset()
		return st
	}
	return &macState{h: hmac.New(sha256.New, s.key), sum: make([]byte, 0, sha256.Size)}
}

func (s *Signer) put(st *macState) { s.macs.Put(st) }

// appendMAC appends to dst the first n bytes of the HMAC of the parts, one after the other.
func (s *Signer) appendMAC(dst []byte, n int, parts ...[]byte) []byte {
	st := s.state()
	in := st.in[:0]
	for _, p := range parts {
		in = append(in, p...)
	}
	st.in = in
	st.h.Write(in) // From the state's own buffer: the parts do not escape through the interface.
	st.sum = st.h.Sum(st.sum[:0])
	dst = append(dst, st.sum[:n]...)
	s.put(st)
	return dst
}

func (s *Signer) mac(parts ...[]byte) []byte {
	st := s.state()
	for _, p := range parts {
		st.h.Write(p)
	}
	out := st.h.Sum(nil)
	s.put(st)
	return out
}

// Token is a verified reply token.
type Token struct {
	Version int   // 1: names the ticket only; 2: also its recipient; 3: a bounce token.
	ID      int64 // The ticket (versions 1 and 2) or the outbox row (version 3).
	rtag    []byte
}

// Bound reports whether the token was issued to this address's mailbox (see Mailbox). A
// version 1 token is bound to nobody.
func (s *Signer) Bound(tok Token, addr string) bool {
	if tok.Version == tokenV1 || len(tok.rtag) != tagLen || addr == "" {
		return false
	}
	return hmac.Equal(tok.rtag, s.recipientTag(byte(tok.Version), tok.ID, addr))
}

func (s *Signer) recipientTag(version byte, id int64, addr string) []byte {
	return s.appendRecipientTag(nil, version, id, addr)
}

// appendRecipientTag appends the recipient tag of a token to dst: the HMAC of "recipient", NUL,
// the token's version and ID, NUL and the address's mailbox.
func (s *Signer) appendRecipientTag(dst []byte, version byte, id int64, addr string) []byte {
	st := s.state()
	in := append(st.in[:0], "recipient\x00"...)
	in = append(in, version)
	in = binary.AppendUvarint(in, uint64(id))
	in = append(in, 0)
	in = appendMailbox(in, addr)
	st.h.Write(in)
	st.in = in
	st.sum = st.h.Sum(st.sum[:0])
	dst = append(dst, st.sum[:tagLen]...)
	s.put(st)
	return dst
}

// bound returns a token of version 2 or 3 for id, bound to the recipient's mailbox.
func (s *Signer) bound(version byte, id int64, recipient string) string {
	var buf [64]byte
	return string(s.appendBound(buf[:0], version, id, recipient))
}

// appendBound appends bound(version, id, recipient) to dst.
func (s *Signer) appendBound(dst []byte, version byte, id int64, recipient string) []byte {
	var buf [1 + binary.MaxVarintLen64 + 2*tagLen]byte
	b := binary.AppendUvarint(append(buf[:0], version), uint64(id))
	b = s.appendRecipientTag(b, version, id, recipient)
	b = s.appendMAC(b, tagLen, b)
	return tokenEncoding.AppendEncode(dst, b)
}

// TicketToken returns the token of a ticket for one recipient (version 2).
func (s *Signer) TicketToken(ticketID int64, recipient string) string {
	return s.bound(tokenV2, ticketID, recipient)
}

// LegacyToken returns a version 1 token, which names the ticket only. The desk no longer issues
// them; those in existing conversations keep threading.
func (s *Signer) LegacyToken(ticketID int64) string {
	b := make([]byte, 9, 19)
	b[0] = tokenV1
	binary.BigEndian.PutUint64(b[1:], uint64(ticketID))
	return tokenEncoding.EncodeToString(append(b, s.mac(b)[:10]...))
}

// Parse verifies a token of any version.
func (s *Signer) Parse(token string) (Token, error) {
	b, err := tokenEncoding.DecodeString(strings.ToLower(token))
	if err != nil || len(b) < 2 {
		return Token{}, ErrBadToken
	}
	switch b[0] {
	case tokenV1:
		if len(b) != 19 || !hmac.Equal(b[9:], s.mac(b[:9])[:10]) {
			return Token{}, ErrBadToken
		}
		id := int64(binary.BigEndian.Uint64(b[1:9]))
		if id <= 0 {
			return Token{}, ErrBadToken
		}
		return Token{Version: tokenV1, ID: id}, nil
	case tokenV2, tokenBounce:
		id, n := binary.Uvarint(b[1:])
		if n <= 0 || len(b) != 1+n+2*tagLen || id == 0 || id > 1<<62 {
			return Token{}, ErrBadToken
		}
		body := b[:len(b)-tagLen]
		if !hmac.Equal(b[len(b)-tagLen:], s.mac(body)[:tagLen]) {
			return Token{}, ErrBadToken
		}
		return Token{Version: int(b[0]), ID: int64(id), rtag: bytes.Clone(body[1+n:])}, nil
	}
	return Token{}, ErrBadToken
}

// Verify returns the ticket a ticket token (version 1 or 2) was issued for.
func (s *Signer) Verify(token string) (int64, error) {
	tok, err := s.Parse(token)
	if err != nil || tok.Version == tokenBounce {
		return 0, ErrBadToken
	}
	return tok.ID, nil
}

// Message-IDs. An outbox row gets a mail ID when it is queued, "dkm.RANDOM@domain"; it is never
// sent as such: each recipient's copy carries its own Message-ID, "dk.TOKEN.RANDOM@domain" with
// that recipient's ticket token (CopyID), so that the reply shows whose copy it answers. Mails
// about no ticket carry "dk.0.RANDOM@domain" to everyone. Rows queued before per-recipient
// tokens have "dk.TOKEN.RANDOM@domain" with a version 1 token, and are sent as they are.

const mailIDPrefix = "dkm."

// MessageID returns a new mail ID (without <>) for an outbox row about a ticket, or the
// Message-ID of a mail about no ticket (ticketID 0).
func (s *Signer) MessageID(ticketID int64, domain string) string {
	r := make([]byte, 8)
	if _, err := rand.Read(r); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err)) // Never fails on Linux.
	}
	if ticketID == 0 {
		return "dk.0." + tokenEncoding.EncodeToString(r) + "@" + domain
	}
	return mailIDPrefix + tokenEncoding.EncodeToString(r) + "@" + domain
}

// mailID returns a new Message-ID of a mail about a ticket, before the ticket has its ID.
func (s *Signer) mailID(domain string) string { return s.MessageID(-1, domain) }

// CopyID returns the Message-ID of one recipient's copy of a mail whose ID is id, about ticket
// ticketID: for a mail ID, "dk.TOKEN.RANDOM@domain" with the recipient's token; any other ID (an
// older desk Message-ID, someone else's) unchanged. It is a function of its arguments, so a
// mail's References name the copies that recipient received before.
func (s *Signer) CopyID(id string, ticketID int64, recipient string) string {
	c := s.Copy(ticketID, recipient)
	return c.ID(id)
}

// CopyTokens signs the fields of one recipient's copy of a mail about a ticket: its Message-ID,
// the IDs of the thread's earlier mails (ID) and its Reply-To (PlusAddress) all carry the same
// ticket token, made once (two HMACs) for all of them.
type CopyTokens struct {
	s         *Signer
	ticketID  int64
	recipient string
	token     string // TicketToken(ticketID, recipient), once made.
}

// Copy returns the signer of a copy of a mail about ticketID to recipient.
func (s *Signer) Copy(ticketID int64, recipient string) CopyTokens {
	return CopyTokens{s: s, ticketID: ticketID, recipient: recipient}
}

// Token returns the recipient's ticket token, TicketToken(ticketID, recipient).
func (c *CopyTokens) Token() string {
	if c.token == "" {
		c.token = c.s.TicketToken(c.ticketID, c.recipient)
	}
	return c.token
}

// ID returns CopyID(id, ticketID, recipient).
func (c *CopyTokens) ID(id string) string {
	rest, ok := strings.CutPrefix(id, mailIDPrefix)
	if !ok || c.ticketID == 0 {
		return id
	}
	return "dk." + c.Token() + "." + rest
}

// PlusAddress returns PlusAddress(deskAddress, ticketID, recipient).
func (c *CopyTokens) PlusAddress(deskAddress string) string {
	local, domain, _ := strings.Cut(deskAddress, "@")
	return local + "+" + c.Token() + "@" + domain
}

// IsOwnMessageID reports whether a Message-ID (without <>) looks issued by the desk: a signed
// one, a mail ID, or one about no ticket.
func (s *Signer) IsOwnMessageID(id string) bool {
	if _, err := s.TicketFromMessageID(id); err == nil {
		return true
	}
	id = strings.ToLower(id)
	return strings.HasPrefix(id, "dk.0.") || strings.HasPrefix(id, mailIDPrefix)
}

// ParseMessageID returns the verified token of a desk-issued Message-ID. The desk writes its IDs
// in lower case; one a mail program wrote back in another case is still its own.
func (s *Signer) ParseMessageID(id string) (Token, error) {
	local, _, ok := strings.Cut(strings.ToLower(strings.Trim(id, "<> ")), "@")
	if !ok {
		return Token{}, ErrBadToken
	}
	parts := strings.Split(local, ".")
	if len(parts) != 3 || parts[0] != "dk" {
		return Token{}, ErrBadToken
	}
	tok, err := s.Parse(parts[1])
	if err != nil || tok.Version == tokenBounce {
		return Token{}, ErrBadToken
	}
	return tok, nil
}

// TicketFromMessageID returns the ticket of a desk-issued Message-ID, verifying its signature.
func (s *Signer) TicketFromMessageID(id string) (int64, error) {
	tok, err := s.ParseMessageID(id)
	return tok.ID, err
}

// PlusAddress returns the desk address with a recipient's ticket token: helpdesk+TOKEN@domain,
// the Reply-To of that recipient's copy.
func (s *Signer) PlusAddress(deskAddress string, ticketID int64, recipient string) string {
	c := s.Copy(ticketID, recipient)
	return c.PlusAddress(deskAddress)
}

// ParseAddress returns the verified ticket token of a signed plus-address.
func (s *Signer) ParseAddress(addr string) (Token, error) {
	local, _, ok := strings.Cut(addr, "@")
	if !ok {
		return Token{}, ErrBadToken
	}
	_, tok, ok := strings.Cut(local, "+")
	if !ok {
		return Token{}, ErrBadToken
	}
	t, err := s.Parse(tok)
	if err != nil || t.Version == tokenBounce {
		return Token{}, ErrBadToken
	}
	return t, nil
}

// TicketFromAddress returns the ticket of a signed plus-address, verifying its signature.
func (s *Signer) TicketFromAddress(addr string) (int64, error) {
	tok, err := s.ParseAddress(addr)
	return tok.ID, err
}

// bouncePrefix starts the token of a bounce address's plus part.
const bouncePrefix = "b-"

// BounceAddress returns the envelope sender of one recipient's copy of an outbox mail:
// helpdesk+b-TOKEN@domain (VERP). A delivery report comes back to it.
// It is built in one buffer, one allocation for the string (three when the token was a string
// of its own, concatenated: TestBounceAddressSameAsConcatenated).
func (s *Signer) BounceAddress(deskAddress string, outboxID int64, recipient string) string {
	local, domain, _ := strings.Cut(deskAddress, "@")
	var buf [128]byte
	b := append(append(buf[:0], local...), "+"+bouncePrefix...)
	b = s.appendBound(b, tokenBounce, outboxID, recipient)
	b = append(append(b, '@'), domain...)
	return string(b)
}

// ParseBounceAddress returns the verified bounce token of a bounce address; its ID is the outbox
// row, and Bound tells whose copy it was.
func (s *Signer) ParseBounceAddress(addr string) (Token, error) {
	local, _, ok := strings.Cut(addr, "@")
	if !ok {
		return Token{}, ErrBadToken
	}
	_, plus, ok := strings.Cut(local, "+")
	if !ok {
		return Token{}, ErrBadToken
	}
	tok, ok := strings.CutPrefix(plus, bouncePrefix)
	if !ok {
		return Token{}, ErrBadToken
	}
	t, err := s.Parse(tok)
	if err != nil || t.Version != tokenBounce {
		return Token{}, ErrBadToken
	}
	return t, nil
}

// Mailbox returns the mailbox an address delivers to, as the desk counts and binds it: lower
// case, without a +tag ("Victim+1@X.example" is "victim@x.example").
func Mailbox(addr string) string {
	addr = strings.ToLower(strings.TrimSpace(addr))
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return addr
	}
	local := addr[:at]
	if i := strings.IndexByte(local, '+'); i > 0 {
		local = local[:i]
	}
	return local + addr[at:]
}

// appendMailbox appends Mailbox(addr) to dst, without building the string when addr is ASCII.
func appendMailbox(dst []byte, addr string) []byte {
	addr = strings.TrimSpace(addr)
	for i := 0; i < len(addr); i++ {
		if addr[i] >= utf8.RuneSelf {
			return append(dst, Mailbox(addr)...)
		}
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return appendLower(dst, addr)
	}
	local := addr[:at]
	if i := strings.IndexByte(local, '+'); i > 0 {
		local = local[:i]
	}
	return appendLower(appendLower(dst, local), addr[at:])
}

// appendLower appends the ASCII string s to dst in lower case.
func appendLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}
