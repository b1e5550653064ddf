package mailin

import (
	"math/rand/v2"
	"regexp/syntax"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/deskd/deskd/internal/underrace"
)

// TestAnchoredPrefixesAgree: each anchored expression of the package, its first runes tested
// before it runs, gives the expression's answer on texts drawn from the expression itself (its
// matches, their case changed rune by rune along the folding orbits, cut short, a rune
// changed, behind a leading run and before more text).
func TestAnchoredPrefixesAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(20, 14))
	for name, a := range anchoredAll {
		tables := a.compiled()
		re, err := syntax.Parse(a.expr, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		matched := 0
		for range underrace.Rounds(4000) {
			var b strings.Builder
			genMatch(&b, re, r)
			s := mutate(b.String(), r)
			got, want := a.MatchString(s), tables.re.MatchString(s)
			if got != want {
				t.Fatalf("%s.MatchString(%q) = %v, the expression says %v", name, s, got, want)
			}
			if want {
				matched++
			}
		}
		if matched == 0 {
			t.Errorf("%s: no text drawn matched", name)
		}
	}
}

// TestAnchoredPrefixesTurnAway: the first runes turn away what the first character lets
// through: subjects and names that begin with the letters of the expressions' words.
func TestAnchoredPrefixesTurnAway(t *testing.T) {
	tests := []struct {
		name string
		text string
	}{
		{"bounceSubjectRe", "Écran qui clignote"},
		{"bounceSubjectRe", "Internet très lent"},
		{"autoReplySubjectRe", "Outlook ne synchronise plus"},
		{"autoReplySubjectRe", "Account locked"},
		{"daemonNameRe", "Mathieu Faure"},
		{"daemonNameRe", "Rémi Moreau"},
		{"daemonLocalRe", "mathieu.girard"},
		{"attrLeadRe", "Tél. 01 23 45 67 89"},
		{"attrLeadRe", "Élodie"},
		{"originalBareRe", "Procurement, east wing"},
	}
	for _, tt := range tests {
		a := anchoredAll[tt.name].compiled()
		if a.prefixes == nil {
			t.Errorf("%s has no prefixes", tt.name)
			continue
		}
		if a.mayMatch(tt.text) {
			t.Errorf("%s lets %q through", tt.name, tt.text)
		}
	}
	// And let through what begins like a match, in any case.
	for _, s := range []string{"undeliverable: x", "ÉCHEC DE LA REMISE", "Out of office: x", "mailer-daemon",
		"MAIL DELIVERY SUBSYSTEM", "Le lun. 30 nov.", "ſun, 29 Nov", "  -- On Mon"} {
		ok := false
		for _, a := range anchoredAll {
			ok = ok || a.compiled().re.MatchString(s) && a.compiled().mayMatch(s)
		}
		if !ok {
			t.Errorf("no expression lets %q through", s)
		}
	}
}

// TestRunPrefixes: the beginnings read from the syntax, folded, and the shapes that have none.
func TestRunPrefixes(t *testing.T) {
	tests := []struct {
		expr string
		want []string // nil: no prefixes
	}{
		{`(?i)^(ab|cd)`, []string{"AB", "CD"}},
		{`(?i)^sun`, []string{"SUN"}},
		{`(?i)^kelvin`, []string{"KELV"}},
		{`^abc`, []string{"ABC"}}, // Folded though the expression does not fold: more let through.
		{`^a[bc]d`, []string{"ABD", "ACD"}},
		{`^ab?c`, []string{"AC", "ABC"}},
		{`^ab*c`, []string{"AC", "AB"}},
		{`^ab+c`, []string{"AB"}},
		{`^a.b`, []string{"A"}},
		{`^a\pLb`, []string{"A"}},
		{`^ab$`, []string{"AB"}},
		{`^\bab`, []string{"AB"}},
		{`^é`, []string{"É"}},
		{`^(a|)`, nil},
		{`^a?`, nil},
		{`^\s*(\sx)`, nil},
	}
	for _, tt := range tests {
		re, err := syntax.Parse(tt.expr, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		var run *syntax.Regexp
		rest := re.Sub[1:]
		if re.Op != syntax.OpConcat {
			rest = []*syntax.Regexp{re}
		}
		if rest[0].Op == syntax.OpStar {
			run, rest = rest[0].Sub[0], rest[1:]
		}
		got, _ := runPrefixes(&syntax.Regexp{Op: syntax.OpConcat, Sub: rest}, run)
		if (got == nil) != (tt.want == nil) || len(got) != len(tt.want) {
			t.Errorf("%s: prefixes %v, want %q", tt.expr, got, tt.want)
			continue
		}
		for _, w := range tt.want {
			if !got[w] {
				t.Errorf("%s: prefixes %v, want %q", tt.expr, got, tt.want)
			}
		}
	}
}

// genMatch writes a text that re matches, but for its assertions (a word boundary, an end),
// which a draw may miss.
func genMatch(b *strings.Builder, re *syntax.Regexp, r *rand.Rand) {
	switch re.Op {
	case syntax.OpLiteral:
		for _, c := range re.Rune {
			if re.Flags&syntax.FoldCase != 0 {
				orbit := foldOrbit(c)
				c = orbit[r.IntN(len(orbit))]
			}
			b.WriteRune(c)
		}
	case syntax.OpCharClass:
		if len(re.Rune) == 0 {
			return
		}
		i := 2 * r.IntN(len(re.Rune)/2)
		lo, hi := re.Rune[i], min(re.Rune[i+1], re.Rune[i]+300)
		b.WriteRune(lo + rune(r.IntN(int(hi-lo)+1)))
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteRune(randomRune(r))
	case syntax.OpCapture:
		genMatch(b, re.Sub[0], r)
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			genMatch(b, sub, r)
		}
	case syntax.OpAlternate:
		genMatch(b, re.Sub[r.IntN(len(re.Sub))], r)
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		lo, hi := 0, 3
		switch re.Op {
		case syntax.OpPlus:
			lo = 1
		case syntax.OpQuest:
			hi = 1
		case syntax.OpRepeat:
			lo, hi = re.Min, re.Min+3
			if re.Max >= 0 {
				hi = min(hi, re.Max)
			}
		}
		for range lo + r.IntN(hi-lo+1) {
			genMatch(b, re.Sub[0], r)
		}
	}
}

// mutate changes a text drawn from an expression, or leaves it as it is.
func mutate(s string, r *rand.Rand) string {
	runes := []rune(s)
	switch r.IntN(8) {
	case 0: // cut short
		if len(runes) > 0 {
			runes = runes[:r.IntN(len(runes))]
		}
	case 1: // a rune changed
		if len(runes) > 0 {
			runes[r.IntN(len(runes))] = randomRune(r)
		}
	case 2: // a rune's case changed
		if len(runes) > 0 {
			i := r.IntN(len(runes))
			if unicode.IsUpper(runes[i]) {
				runes[i] = unicode.ToLower(runes[i])
			} else {
				runes[i] = unicode.ToUpper(runes[i])
			}
		}
	case 3: // a leading run
		lead := []rune(" \t*_->\u00a0\u3000")
		for range 1 + r.IntN(3) {
			runes = append([]rune{lead[r.IntN(len(lead))]}, runes...)
		}
	case 4: // more text
		runes = append(runes, []rune(" suite : rest of it")...)
	case 5: // a rune in front
		runes = append([]rune{randomRune(r)}, runes...)
	case 6: // invalid UTF-8 somewhere
		i := r.IntN(len(s) + 1)
		return s[:i] + "\xff" + s[i:]
	}
	return string(runes)
}

// randomRune is an ASCII character, a Latin letter, one of the runes that fold to ASCII, or
// any rune.
func randomRune(r *rand.Rand) rune {
	switch r.IntN(4) {
	case 0:
		return rune(r.IntN(128))
	case 1:
		return rune(0xc0 + r.IntN(0x100))
	case 2:
		return []rune{'\u017f', '\u212a', 'é', 'É', '\u00a0', utf8.RuneError}[r.IntN(6)]
	}
	return rune(r.IntN(0x3100))
}
