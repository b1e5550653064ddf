package tickets

import (
	"testing"
	"time"
)

// TestSignerPinned: the desk's signatures stay what they were for a fixed secret: reply, bounce
// and legacy tokens, copy Message-IDs, plus-addresses, link and sign-in tokens. Tokens already
// sent must keep verifying, so any change here breaks the desks' mail in flight.
func TestSignerPinned(t *testing.T) {
	s := NewSigner([]byte("pinned desk secret, 32 bytes ...."))
	exp := time.Date(2026, 12, 24, 18, 0, 0, 0, time.UTC)
	for _, c := range []struct{ name, got, want string }{
		{"ticket token", s.TicketToken(42, "Zoe.Martin+x@Corp.example"), "aivcoc6ousf5mtfsmxjpgf5uq5ddk"},
		{"legacy token", s.LegacyToken(42), "aeaaaaaaaaaaakqgtwgnh5j2gepokei"},
		{"copy ID", s.CopyID("dkm.abcdefgh@deskd.corp.example", 1<<40, "a@corp.example"), "dk.akaibaeaqaqj3wyequhrpactvl3tck7754pyi.abcdefgh@deskd.corp.example"},
		{"plus address", s.PlusAddress("helpdesk@corp.example", 7, "b@corp.example"), "helpdesk+aid7ptpm7rcyb2ascvacyxehri6hw@corp.example"},
		{"bounce address", s.BounceAddress("helpdesk@corp.example", 123456, "b@corp.example"), "helpdesk+b-apamibzw25kixchewafebul4z6vtf4ct@corp.example"},
		{"link", s.Link(LinkClaim{Purpose: LinkPage, TicketID: 42, Recipient: "A@corp.example", Expires: exp}), "AXAAAAAAAAAAKgAAAABrLV2gYUBjb3JwLmV4YW1wbGX_Wf5BZZAn5FWTCaGIIjKw"},
		{"sign-in", s.SignInToken("AAECAwQFBgcICQoLDA0ODw", "Zoe@corp.example"), "AAECAwQFBgcICQoLDA0OD2RtIVSnopLmEvvtCAJ_7ow"},
	} {
		if c.got != c.want {
			t.Errorf("%s: %q, want %q", c.name, c.got, c.want)
		}
	}
}
