package mailin

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deskd/deskd/internal/underrace"
)

// hasStemLower and ackStatementLines are mayAcknowledge's test and ackStatement as they were
// before nextStem: the text lower-cased into a buffer, each stem looked for in the head and
// then in every line.
func hasStemLower(low []byte) bool {
	for _, w := range ackStems {
		if bytes.Contains(low, []byte(w)) {
			return true
		}
	}
	return false
}

func ackStatementLines(top string) bool {
	var buf [maxNotice]byte
	if len(top) > len(buf) {
		return hasStemLower(lowerASCII(make([]byte, len(top)), top)) && ackStartRe.MatchString(top)
	}
	low := lowerASCII(buf[:], top)
	if !hasStemLower(low) {
		return false
	}
	for len(top) > 0 {
		n := strings.IndexByte(top, '\n') + 1
		if n == 0 {
			n = len(top)
		}
		line := top[:n]
		if (hasStemLower(low[:n]) || hasFoldedLetter(line)) && ackStartsIn(line) {
			return true
		}
		top, low = top[n:], low[n:]
	}
	return false
}

// TestAckStatementSameAsLines: ackStatement and mayAcknowledge answer as they did with the
// stems looked for in a lower-cased copy, in every line, on the heads of the corpora's files
// (when present) and of the generated mails' texts, and on random texts of lines built from
// the stems, the statements' words, their case changed, and bytes the case folding must not
// take for letters.
func TestAckStatementSameAsLines(t *testing.T) {
	var texts []string
	if root := corporaRoot(); root != "" {
		filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				if b, err := os.ReadFile(p); err == nil && len(b) < 1<<20 {
					s := string(b)
					texts = append(texts, head(s, maxNotice))
					if _, body, ok := strings.Cut(s, "\n\n"); ok {
						texts = append(texts, head(body, maxNotice))
					}
				}
			}
			return nil
		})
	}
	raws, _ := generatedMail()
	for _, raw := range raws {
		if m, err := Parse(raw, ParseOptions{}); err == nil {
			texts = append(texts, head(m.Text, maxNotice))
		}
	}
	words := append([]string{"this", "is", "an", "automated", "automatic", "reply", "response", "message",
		"we", "have", "received", "your", "request", "ticket", "has", "been", "created", "opened", "logged",
		"registered", "votre", "demande", "a", "été", "enregistrée", "reçu", "bien", "accusé", "de", "réception",
		"ouvert", "créé", "nous", "avons", "RECEIVED", "Créé", "ſ", "\u212a", "É", "Ç", "ç", "#", "123", ".",
		",", "\n", "\n", "\n\n", "\r\n", "a\x01", "A@", "r[", "o\xc3", "aU", "rE", "ReÇu", "R\x05"}, ackStems...)
	r := rand.New(rand.NewPCG(9, 10))
	for range underrace.Rounds(50000) {
		var b strings.Builder
		for j := range 1 + r.IntN(8) {
			if j > 0 && r.IntN(4) > 0 {
				b.WriteByte(' ')
			}
			w := words[r.IntN(len(words))]
			switch r.IntN(5) {
			case 0:
				w = strings.ToUpper(w)
			case 1:
				if len(w) > 2 { // a stem cut short, or with a letter changed
					w = w[:len(w)-1] + string(rune('a'+r.IntN(26)))
				}
			}
			b.WriteString(w)
			if r.IntN(20) == 0 { // a statement among the words
				b.WriteString([]string{" This is an automated response.", "\nWe have received your request.",
					"\nVotre demande a bien été enregistrée", " Ticket #123 has been created", " accusé de réception",
					"\nNous avons bien reçu votre message"}[r.IntN(6)])
			}
		}
		texts = append(texts, head(b.String(), maxNotice+r.IntN(2)))
	}
	statements, stems := 0, 0
	for _, s := range texts {
		want := ackStatementLines(s)
		if got := ackStatement(s); got != want {
			t.Errorf("ackStatement(%q) = %v, with the stems looked for in every line %v", s, got, want)
		}
		wantStem := hasStemLower(lowerASCII(make([]byte, len(s)), s))
		if got := mayAcknowledge(s); got != wantStem {
			t.Errorf("mayAcknowledge(%q) = %v, with the stems looked for in a lower-cased copy %v", s, got, wantStem)
		}
		if want {
			statements++
		}
		if wantStem {
			stems++
		}
	}
	if few := underrace.Rounds(5000); statements < few/10 || stems < few || stems > len(texts)-few {
		t.Errorf("%d of %d texts hold a statement, %d a stem: the test does not reach ackStatement's lines", statements, len(texts), stems)
	}
	t.Logf("%d texts, %d statements, %d with a stem", len(texts), statements, stems)
}
