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

// TestDelaySubject: delaySubject answers as delaySubjectRe does, on texts drawn from the
// expression (its matches, their case changed along the folding orbits, Kelvin signs and long
// s's among them, cut, a rune changed, more text around), on the corpora's subjects and on
// the samples.
func TestDelaySubject(t *testing.T) {
	re, err := syntax.Parse(delaySubjectRe.String(), syntax.Perl)
	if err != nil {
		t.Fatal(err)
	}
	subjects := strings.Split(anchoredSamples, "\n")
	subjects = append(subjects, "Delayed Mail (still being retried)", "Warning: message 1abc-00 delayed 24 hours",
		"Zustellung verzögert", "remiſe différée", "could not ſend message for paſt 4 hours", "(DELAY)", "")
	r := rand.New(rand.NewPCG(20, 108))
	for range underrace.Rounds(20000) {
		var b strings.Builder
		if r.IntN(2) == 0 {
			b.WriteString("Re: ")
		}
		genMatch(&b, re, r)
		subjects = append(subjects, mutate(b.String(), r))
	}
	if root := corporaRoot(); root != "" {
		filepath.WalkDir(filepath.Join(root, "bounce_sisimai"), func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			if b, err := os.ReadFile(p); err == nil && len(b) < 1<<20 {
				for _, l := range strings.Split(string(b), "\n") {
					if s, ok := strings.CutPrefix(l, "Subject:"); ok {
						subjects = append(subjects, s, decodeSubject(s, ""))
					}
				}
			}
			return nil
		})
	}
	subjects = underrace.Sample(subjects)
	matched := 0
	for _, s := range subjects {
		want := delaySubjectRe.MatchString(s)
		if got := delaySubject(s); got != want {
			t.Fatalf("delaySubject(%q) = %v, the expression says %v", s, got, want)
		}
		if want {
			matched++
		}
	}
	if matched < len(subjects)/10 {
		t.Errorf("only %d of %d subjects match", matched, len(subjects))
	}
	t.Logf("%d subjects, %d delays", len(subjects), matched)
}
