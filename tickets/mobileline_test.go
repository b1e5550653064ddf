package tickets

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/deskd/deskd/internal/underrace"
)

// mayBeMobileLineFirst is mayBeMobileLine as it was: the first letter alone.
func mayBeMobileLineFirst(l string) bool {
	l = strings.TrimLeft(l, "(<[* ")
	if len(l) < 3 {
		return false
	}
	switch l[0] | 0x20 {
	case 's', 'e', 'g', 'o', 't':
		return true
	}
	return strings.Contains(l, "from") || strings.Contains(l, "From")
}

// TestMayBeMobileLine: isMobileLine answers as it did with the first letter's test alone, on
// mail apps' lines cut and changed, random lines of their words and the samples' lines; and
// it turns lines away.
func TestMayBeMobileLine(t *testing.T) {
	lines := []string{"Sent from my iPhone", "SENT FROM MY IPHONE", "Envoyé de mon iPhone", "Expédié de mon Samsung",
		"Get Outlook for iOS", "Obtenir Outlook pour Android", "Télécharger Outlook pour Android", "Typed FROM my mobile",
		"Typed fröm my phone", "(Sent from my iPad)", "[*Sent with Proton*]", "Thanks, Bob", "Tél. 01 23 45 67 89", "Objet : x"}
	for _, texts := range requestTextSamples.texts {
		lines = append(lines, strings.Split(texts, "\n")...)
	}
	words := []string{"sent", "Sent", "SENT", "envoye", "Envoyé", "expedie", "Expédié", "get", "Get", "obtenir", "télécharger",
		"telecharger", "Telechargez", "from", "FROM", "fröm", "Fr", "om", "my", "mon", "iPhone", "mobile", "phone", "Outlook",
		"outlook", "for", "pour", "de", "with", "via", "typed", "t", "s", "(", "<", "[", "*", " ", "É", "\xff", "thanks", "objet"}
	r := rand.New(rand.NewPCG(20, 566))
	for range underrace.Rounds(50000) {
		var b strings.Builder
		for range 1 + r.IntN(6) {
			if b.Len() > 0 && r.IntN(3) > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(words[r.IntN(len(words))])
		}
		lines = append(lines, b.String())
	}
	turned, mobile := 0, 0
	for _, l := range lines {
		want := len(l) <= 100 && mayBeMobileLineFirst(l) && mobileLine(l)
		if got := isMobileLine(l); got != want {
			t.Fatalf("isMobileLine(%q) = %v, with the first letter's test %v", l, got, want)
		}
		if mayBeMobileLineFirst(l) && !mayBeMobileLine(l) {
			turned++
		}
		if want {
			mobile++
		}
	}
	if turned == 0 || mobile == 0 {
		t.Errorf("of %d lines %d turned away, %d mail apps' lines", len(lines), turned, mobile)
	}
}
