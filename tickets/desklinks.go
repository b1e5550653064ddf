package tickets

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-message"
)

// The desk's own links come back in the mail it receives: a staff member answers a sign-in mail
// they did not ask for ("is this phishing?"), a requester forwards a desk mail to a colleague or
// answers it quoting it whole. Kept in the ticket, such a link would be shown to every technician
// and quoted in their notices: a sign-in link signs its reader in as the person it was made for,
// a requester's page or vote link acts as the requester. So the desk keeps none of them: before
// anything reads a mail (Prepare, prepareBatch), its texts and its text, HTML and forwarded-mail
// files lose the token of every genuine link of the desk ("…" in its place), and a sign-in link
// that came back anywhere in the raw mail, decoded or not, is spent (ingestOne), whoever had it.
// The raw mail itself is kept as received: its sign-in links are spent, and only staff read it.

// deskLinkRe finds a link path of the desk and its token (base64url, link.go).
var deskLinkRe = regexp.MustCompile(`/(signin|r|v)/([A-Za-z0-9_-]{40,})`)

// scrubLinks removes the desk's live link tokens from a mail's texts and its text, HTML and
// forwarded-mail files, and notes the sign-in nonces to spend, those of the raw mail included.
// It runs once per mail.
func (d *Desk) scrubLinks(in *Incoming) {
	if in.scrubbed {
		return
	}
	in.scrubbed = true
	for _, s := range []*string{&in.Text, &in.Signature, &in.Forwarded, &in.History} {
		*s = d.scrubText(*s, in)
	}
	for i, a := range in.Attachments {
		if len(a.Data) == 0 {
			continue
		}
		var scrubbed []byte
		switch ct := strings.ToLower(a.ContentType); {
		case strings.HasPrefix(ct, "text/plain"), strings.HasPrefix(ct, "text/html"):
			if s := d.scrubText(string(a.Data), in); s != string(a.Data) {
				scrubbed = []byte(s)
			}
		case isMessageType(ct):
			scrubbed = d.scrubMessage(a.Data, in, 0)
		}
		if scrubbed != nil {
			in.Attachments[i].Data = scrubbed
			in.Attachments[i].Size = int64(len(scrubbed))
		}
	}
	noteSignIns(in.Raw, in, 0)
	slices.Sort(in.spend) // A link found in the text and again in the raw mail is spent once.
	in.spend = slices.Compact(in.spend)
}

// maxNesting is how deep in messages forwarded within messages the scrubber looks: mail clients
// nest a forward in a forward a few times, not more.
const maxNesting = 8

// isMessageType says whether a media type (lower case, parameters allowed) is a whole mail.
func isMessageType(ct string) bool {
	return strings.HasPrefix(ct, "message/rfc822") || strings.HasPrefix(ct, "message/global")
}

// scrubMessage returns the forwarded mail raw with the desk's link tokens removed from its text
// and HTML parts, decoded from quoted-printable or base64 and nested mails included, or nil when
// it has none. A changed mail is written back whole, each part with its own transfer encoding
// and in UTF-8; a mail go-message cannot write back loses the tokens written plainly in it (its
// sign-in links are spent all the same, noteSignIns).
func (d *Desk) scrubMessage(raw []byte, in *Incoming, depth int) []byte {
	plain := func() []byte {
		if s := d.scrubText(string(raw), in); s != string(raw) {
			return []byte(s)
		}
		return nil
	}
	e, err := message.Read(bytes.NewReader(raw))
	if e == nil || depth >= maxNesting {
		return plain()
	}
	var b bytes.Buffer
	w, err := message.CreateWriter(&b, writableHeader(e, err))
	if err != nil {
		return plain()
	}
	changed, err := d.writeScrubbed(w, e, in, depth)
	if err == nil {
		err = w.Close()
	}
	switch {
	case err != nil:
		return plain()
	case !changed:
		return nil
	}
	return b.Bytes()
}

// writeScrubbed writes e's body to w, a writer made for e's header, the desk's link tokens
// removed from its text parts and nested mails, and says whether it removed any.
func (d *Desk) writeScrubbed(w *message.Writer, e *message.Entity, in *Incoming, depth int) (bool, error) {
	if mr := e.MultipartReader(); mr != nil {
		changed := false
		for {
			p, err := mr.NextPart()
			if p == nil {
				if err == io.EOF {
					return changed, nil
				}
				return false, err
			}
			pw, err := w.CreatePart(writableHeader(p, err))
			if err != nil {
				return false, err
			}
			c, err := d.writeScrubbed(pw, p, in, depth)
			if err != nil {
				return false, err
			}
			if err := pw.Close(); err != nil {
				return false, err
			}
			changed = changed || c
		}
	}
	body, err := io.ReadAll(e.Body)
	if err != nil {
		return false, err
	}
	var scrubbed []byte
	switch mt, _, _ := e.Header.ContentType(); {
	case strings.HasPrefix(mt, "text/"):
		if s := d.scrubText(string(body), in); s != string(body) {
			scrubbed = []byte(s)
		}
	case isMessageType(mt):
		scrubbed = d.scrubMessage(body, in, depth+1)
	}
	if scrubbed != nil {
		body = scrubbed
	}
	_, err = w.Write(body)
	return scrubbed != nil, err
}

// writableHeader is e's header as go-message writes it back: a text part go-message decoded
// to UTF-8 (readErr nil) says so in its charset.
func writableHeader(e *message.Entity, readErr error) message.Header {
	h := e.Header.Copy()
	mt, params, err := h.ContentType()
	if err != nil || !strings.HasPrefix(mt, "text/") || readErr != nil {
		return h
	}
	switch strings.ToLower(params["charset"]) {
	case "", "utf-8", "us-ascii":
	default:
		params["charset"] = "utf-8"
		h.SetContentType(mt, params)
	}
	return h
}

// noteSignIns notes the nonces of the desk's sign-in links anywhere in a raw mail: as written,
// and in its text parts and nested mails once decoded (quoted-printable, base64). Parts of other
// types, and text parts written as they are (7bit, 8bit), are not decoded again.
func noteSignIns(raw []byte, in *Incoming, depth int) {
	if len(raw) == 0 {
		return
	}
	noteSignInsText(raw, in)
	if depth >= maxNesting || depth == 0 && !mayHoldSignIn(raw) {
		return
	}
	e, _ := message.Read(bytes.NewReader(raw))
	if e != nil {
		noteEntitySignIns(e, in, depth)
	}
}

// signInBase64 are "/signin/" in base64 at each of its three alignments, less the characters
// its neighbours share.
var signInBase64 = [...][]byte{[]byte("L3NpZ25pbi"), []byte("9zaWduaW4v"), []byte("vc2lnbmluL")}

// mayHoldSignIn is a cheap look at a raw mail for a sign-in path, as written (quoted-printable
// leaves it so) or in base64, before its parts are read again to decode them: reading them cost
// a third of the mail's own parse, for every mail, and almost none holds one. A path that a
// base64 line break or a quoted-printable soft break splits is missed; its files and texts were
// looked at decoded all the same (scrubLinks), so only a part the reader leaves out, an HTML
// alternative, can hide one that way.
func mayHoldSignIn(raw []byte) bool {
	if bytes.Contains(raw, []byte("signin")) {
		return true
	}
	for _, b := range signInBase64 {
		if bytes.Contains(raw, b) {
			return true
		}
	}
	return false
}

func noteEntitySignIns(e *message.Entity, in *Incoming, depth int) {
	if mr := e.MultipartReader(); mr != nil {
		for {
			p, _ := mr.NextPart()
			if p == nil {
				return
			}
			noteEntitySignIns(p, in, depth)
		}
	}
	mt, _, _ := e.Header.ContentType()
	switch strings.ToLower(e.Header.Get("Content-Transfer-Encoding")) {
	case "base64", "quoted-printable":
	default: // As written in the raw mail, which noteSignInsText read, unless a mail is in it.
		if !isMessageType(mt) {
			return
		}
	}
	if !strings.HasPrefix(mt, "text/") && !isMessageType(mt) {
		return
	}
	body, _ := io.ReadAll(e.Body) // What could be read.
	if isMessageType(mt) {
		noteSignIns(body, in, depth+1)
		return
	}
	noteSignInsText(body, in)
}

func noteSignInsText(b []byte, in *Incoming) {
	if !bytes.Contains(b, []byte("/signin/")) {
		return
	}
	for _, m := range deskLinkRe.FindAllSubmatch(b, -1) {
		if string(m[1]) != "signin" {
			continue
		}
		if n, ok := signInNonce(string(m[2])); ok {
			in.spend = append(in.spend, n)
		}
	}
}

// signInNonce is the nonce of a sign-in link's token, ok false when it is none of the desk's
// shape.
func signInNonce(token string) (string, bool) {
	b, err := linkEncoding.DecodeString(token)
	if err != nil || len(b) != 32 {
		return "", false
	}
	return linkEncoding.EncodeToString(b[:16]), true
}

func (d *Desk) scrubText(s string, in *Incoming) string {
	if !strings.Contains(s, "/signin/") && !strings.Contains(s, "/r/") && !strings.Contains(s, "/v/") {
		return s
	}
	return deskLinkRe.ReplaceAllStringFunc(s, func(m string) string {
		sub := deskLinkRe.FindStringSubmatch(m)
		kind, token := sub[1], sub[2]
		switch kind {
		case "signin":
			n, ok := signInNonce(token)
			if !ok {
				return m
			}
			in.spend = append(in.spend, n)
		default:
			if _, err := d.Signer.VerifyLink(token, time.Now()); err == ErrBadLink {
				return m // Not the desk's: another site's path.
			}
		}
		return "/" + kind + "/…"
	})
}

// spendSignIns spends the sign-in links of these nonces, unused so far: a link that came back in
// a mail works for nobody.
func (t *Tx) spendSignIns(nonces []string) error {
	for _, n := range nonces {
		if _, err := t.exec(`UPDATE signins SET used_at = ? WHERE nonce = ? AND used_at IS NULL`, t.Now.Unix(), n); err != nil {
			return fmt.Errorf("spend a sign-in link: %w", err)
		}
	}
	return nil
}
