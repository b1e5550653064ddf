package mailin

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp/syntax"
	"strings"
	"testing"

	"github.com/deskd/deskd/internal/underrace"
)

// mobileSigWritten is mobileSigRe as it was written in one piece.
const mobileSigWritten = `(?i)^(` +
	`sent (from|with|via|by|using) .{1,80}` +
	`|envoy[ée] (de|depuis|à partir de|a partir de|avec|via) .{1,80}` +
	`|(von meinem|diese nachricht wurde von meinem) .{1,80} gesendet\.?` +
	`|gesendet (von|mit) .{1,60}` +
	`|(sendt fra|skickat från|verzonden (met|vanaf|van)|enviado (desde|do|de|con)|inviato da|wysłane z|отправлено (с|из)|lähetetty) .{1,60}` +
	`|(get|obtenir|obtenez|télécharger|telecharger|téléchargez|telechargez|holen sie sich|descargar|scarica|baixe o) \[?outlook (for|pour|für|para|per) .{1,80}` +
	`|從我的 .{1,30} 傳送|发自我的.{1,30}` +
	`|[\w ]{0,20}\bfrom (my )?(mobile|phone|iphone|ipad|android|cell|smartphone)\b.{0,20}` +
	`)$`

// TestMobileSigMay: mobileSigRe is the expression as written, and mobileSigMay lets through
// every text it matches: texts drawn from the expression (cut, case folded, a rune changed,
// leading runs), the samples and the corpora's lines.
func TestMobileSigMay(t *testing.T) {
	if mobileSigRe.String() != mobileSigWritten {
		t.Fatalf("mobileSigRe is %q", mobileSigRe.String())
	}
	re, err := syntax.Parse(mobileSigWritten, syntax.Perl)
	if err != nil {
		t.Fatal(err)
	}
	texts := strings.Split(anchoredSamples, "\n")
	texts = append(texts, "Sent from my iPhone", "Fröm my phone", "FROM MY PHONE", "Bonjour,", "Hello,",
		// The most [\w ]{0,20} takes before "from": 20 ASCII bytes, 20 long s (2 bytes each),
		// 20 Kelvin signs (3 bytes each).
		strings.Repeat("w", 20)+"from my phone", strings.Repeat("\u017f", 20)+"from my phone",
		strings.Repeat("\u212a", 20)+"from my phone", strings.Repeat("\u212a", 9)+"from my iPhone",
		strings.Repeat("\u212a", 21)+"from my phone")
	r := rand.New(rand.NewPCG(20, 1019))
	for range underrace.Rounds(20000) {
		var b strings.Builder
		genMatch(&b, re, r)
		texts = append(texts, mutate(b.String(), r))
	}
	texts = append(texts, corpusLines()...)
	texts = underrace.Sample(texts)
	matched, turned := 0, 0
	for _, s := range texts {
		want := mobileSigRe.compiled().re.MatchString(s)
		may := mobileSigMay(s)
		if want && !may {
			t.Fatalf("mobileSigMay(%q) = false; the expression matches", s)
		}
		if got := may && mobileSigRe.MatchString(s); got != want {
			t.Fatalf("%q: %v, the expression says %v", s, got, want)
		}
		if want {
			matched++
		}
		if !may {
			turned++
		}
	}
	if matched < len(texts)/20 || turned < len(texts)/20 {
		t.Errorf("of %d texts %d match and %d are turned away", len(texts), matched, turned)
	}
}

// corpusLines are the lines of the reply corpora, up to 300 bytes each; none without them.
func corpusLines() []string {
	var lines []string
	root := corporaRoot()
	for _, dir := range []string{"reply_talon", "reply_discourse_trimmer", "reply_github_zapier"} {
		filepath.WalkDir(filepath.Join(root, dir), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				if b, err := os.ReadFile(p); err == nil && len(b) < 1<<20 {
					for _, l := range strings.Split(string(b), "\n") {
						lines = append(lines, head(strings.TrimSpace(l), 300))
					}
				}
			}
			return nil
		})
	}
	return lines
}
