package tickets

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// The desk's own links come back in the mail it receives: a staff member answers a sign-in mail
// they did not ask for ("is this phishing?"), a requester forwards a desk mail to a colleague or
// answers it quoting it whole. Kept in the ticket, such a link would be shown to every technician
// and quoted in their notices: a sign-in link signs its reader in as the person it was made for,
// a requester's page or vote link acts as the requester. So the desk keeps none of them: before
// anything reads a mail (Prepare, prepareBatch), its texts lose the token of every genuine link of
// the desk ("…" in its place), and a sign-in link that came back is spent (ingestOne), whoever
// had it.

// deskLinkRe finds a link path of the desk and its token (base64url, link.go).
var deskLinkRe = regexp.MustCompile(`/(signin|r|v)/([A-Za-z0-9_-]{40,})`)

// scrubLinks removes the desk's live link tokens from a mail's texts and its text files, and
// notes the sign-in nonces to spend. It runs once per mail.
func (d *Desk) scrubLinks(in *Incoming) {
	if in.scrubbed {
		return
	}
	in.scrubbed = true
	for _, s := range []*string{&in.Text, &in.Signature, &in.Forwarded, &in.History} {
		*s = d.scrubText(*s, in)
	}
	for i, a := range in.Attachments {
		if strings.HasPrefix(strings.ToLower(a.ContentType), "text/plain") && len(a.Data) > 0 {
			if s := d.scrubText(string(a.Data), in); s != string(a.Data) {
				in.Attachments[i].Data = []byte(s)
				in.Attachments[i].Size = int64(len(s))
			}
		}
	}
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
			b, err := linkEncoding.DecodeString(token)
			if err != nil || len(b) != 32 {
				return m
			}
			in.spend = append(in.spend, linkEncoding.EncodeToString(b[:16]))
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
