package templates

import (
	"fmt"
	"strings"
	"testing"

	"github.com/deskd/deskd/tickets"
)

// TestRequesterMailsEndWithTheirLink: every mail to a requester that has a follow-up link shows
// it, in the text and in the HTML, whatever its kind or event (an incident's progress too).
func TestRequesterMailsEndWithTheirLink(t *testing.T) {
	s := load(t, "")
	const page = "https://desk.corp.example/r/THIS-RECIPIENT"
	for _, lang := range s.Languages() {
		for _, kind := range tickets.MailKinds {
			for i, n := range Samples(kind, lang) {
				if n.Audience != "requester" || kind == tickets.KindSignIn {
					continue
				}
				n.Links.Page = page
				_, text, html, err := s.Render(kind, lang, n)
				if err != nil {
					t.Fatal(err)
				}
				name := fmt.Sprintf("%s/%s-%d (%s)", lang, kind, i+1, n.Event)
				if !strings.Contains(text, page) {
					t.Errorf("%s: the text has no follow-up link:\n%s", name, text)
				}
				if !strings.Contains(html, page) {
					t.Errorf("%s: the HTML has no follow-up link", name)
				}
			}
		}
	}
}
