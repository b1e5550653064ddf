package templates

import (
	"strings"
	"testing"

	"github.com/deskd/deskd/tickets"
)

// TestCategoryLabelsBuiltIn: a usual category the desk gives no label is named in the mail's
// language; a label of the desk's own, and a category the catalogue does not know, are kept.
func TestCategoryLabelsBuiltIn(t *testing.T) {
	s := load(t, "")
	ack := Samples(tickets.KindAck, "fr")[0]
	for _, tt := range []struct {
		lang, category, label, want string
	}{
		{"fr", "network", "network", "Catégorie : réseau"},
		{"fr", "hardware", "", "Catégorie : matériel"},
		{"en", "network", "network", "Category: network"},
		{"fr", "network", "Réseau / VPN", "Catégorie : Réseau / VPN"},
		{"fr", "printers-3rd", "printers-3rd", "Catégorie : printers-3rd"},
	} {
		n := ack
		n.Ticket.Category, n.Ticket.CategoryLabel = tt.category, tt.label
		_, text, html, err := s.Render(tickets.KindAck, tt.lang, n)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(strings.ReplaceAll(text, "\u00a0", " "), tt.want) {
			t.Errorf("%s ack of a %q ticket labelled %q: want %q in\n%s", tt.lang, tt.category, tt.label, tt.want, text)
		}
		if label := tt.want[strings.Index(tt.want, ": ")+2:]; !strings.Contains(html, label) {
			t.Errorf("%s ack's HTML lacks %q", tt.lang, label)
		}
	}
}
