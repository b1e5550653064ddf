package mailin

import (
	"regexp"
	"regexp/syntax"
	"slices"
	"sync"
	"unicode"
	"unicode/utf8"
)

// anchoredRegexp is a regular expression anchored at the start of the text ("^", then perhaps a
// run of a class such as "\s*", then the rest) that tells, from the first character past that
// run, most texts it cannot match without running. Go's backtracker clears one bit per
// instruction and byte of the text before it starts: the expressions that classify every line
// of a mail and judge every subject took a third of the parsing, and nearly every line is
// turned away by its first character ("Bonjour", "Thanks") before any of that.
//
// What may follow the run is read from the expression's syntax when it is compiled (so an
// edit of the expression cannot leave the test behind): the ASCII characters a match may begin
// with there, case-folded as the expression folds them; then its first runes, up to
// prefixRunes, folded. The first character alone let through every subject and name that
// begins with a letter of one of the expression's words, or with a letter beyond ASCII ("Écran
// qui clignote", "Rémi Moreau"), and the expressions ran at 24k instructions a generated mail
// (callgrind of BenchmarkParseGenerated). Every text is let through when the expression is not of
// that shape.
type anchoredRegexp struct {
	expr     string
	compiled func() *anchoredTables // Compiled at first use, as lazyRegexp is.
}

// anchoredTables is an anchoredRegexp compiled.
type anchoredTables struct {
	re    *regexp.Regexp
	skip  [128]bool // ASCII characters of the leading run.
	first [128]bool // ASCII characters that may follow the run.

	// The first runes a match may have past the leading run, up to prefixRunes of them, each
	// folded (foldRune): a text whose runes past the run begin with none of them is turned away.
	// prefixes is nil when the expression is not of a shape that tells them.
	prefixes   map[string]bool
	prefixLens []int          // The lengths, in runes, of the prefixes, shortest first.
	skipRun    *syntax.Regexp // The leading run's character (nil: no run).
}

// mustAnchored returns expr to be compiled, as regexp.MustCompile does, at its first use.
func mustAnchored(expr string) *anchoredRegexp {
	a := &anchoredRegexp{expr: expr, compiled: sync.OnceValue(func() *anchoredTables { return compileAnchored(expr) })}
	anchoredRegexps = append(anchoredRegexps, a)
	return a
}

// anchoredRegexps lists every anchoredRegexp of the package, so that a test compiles them all.
var anchoredRegexps []*anchoredRegexp

// compileAnchored compiles expr and reads the characters its matches may begin with.
func compileAnchored(expr string) *anchoredTables {
	a := &anchoredTables{re: regexp.MustCompile(expr)}
	for c := range a.first {
		a.first[c] = true
	}
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil || re.Op != syntax.OpConcat || len(re.Sub) < 2 || re.Sub[0].Op != syntax.OpBeginText {
		return a
	}
	rest := re.Sub[1:]
	var skip [128]bool
	if rest[0].Op == syntax.OpStar && len(rest) > 1 && oneChar(rest[0].Sub[0]) {
		skip, _ = asciiFirst(rest[0].Sub[0])
		rest = rest[1:]
	}
	first, nullable := asciiFirst(&syntax.Regexp{Op: syntax.OpConcat, Sub: rest})
	if nullable {
		return a // The rest may match nothing: any text may match.
	}
	for c := range first {
		if first[c] && skip[c] {
			return a // The run may give back what the rest begins with.
		}
	}
	a.skip, a.first = skip, first
	var run *syntax.Regexp
	if len(rest) < len(re.Sub)-1 {
		run = re.Sub[1].Sub[0]
	}
	a.prefixes, a.prefixLens = runPrefixes(&syntax.Regexp{Op: syntax.OpConcat, Sub: rest}, run)
	if a.prefixes != nil {
		a.skipRun = run
	}
	return a
}

// String returns the expression.
func (a *anchoredRegexp) String() string { return a.expr }

// MatchString reports whether s contains a match of the expression.
func (a *anchoredRegexp) MatchString(s string) bool {
	t := a.compiled()
	return t.mayMatch(s) && t.re.MatchString(s)
}

// FindStringSubmatch is regexp.Regexp's FindStringSubmatch.
func (a *anchoredRegexp) FindStringSubmatch(s string) []string {
	t := a.compiled()
	if !t.mayMatch(s) {
		return nil
	}
	return t.re.FindStringSubmatch(s)
}

// mayMatch reports whether the text of s past the leading run may begin a match: its first
// character, then its first runes.
func (a *anchoredTables) mayMatch(s string) bool {
	i := 0
	for i < len(s) && s[i] < 128 && a.skip[s[i]] {
		i++
	}
	if i < len(s) && s[i] < 128 && !a.first[s[i]] {
		return false
	}
	return a.prefixes == nil || a.prefixMayMatch(s, i)
}

// prefixMayMatch reports whether the runes of s from byte i on, past the rest of the leading
// run, begin with one of the prefixes, folded.
func (a *anchoredTables) prefixMayMatch(s string, i int) bool {
	if a.skipRun != nil {
		for i < len(s) {
			r, n := utf8.DecodeRuneInString(s[i:])
			if !matchesRune(a.skipRun, r) {
				break
			}
			i += n
		}
	}
	var buf [prefixRunes * utf8.UTFMax]byte
	var ends [prefixRunes]int
	b, runes := buf[:0], 0
	for ; runes < prefixRunes && i < len(s); runes++ {
		var r rune
		if c := s[i]; c < utf8.RuneSelf {
			r = rune(asciiFold[c])
			i++
		} else {
			var n int
			r, n = utf8.DecodeRuneInString(s[i:])
			r = foldRune(r)
			i += n
		}
		b = utf8.AppendRune(b, r)
		ends[runes] = len(b)
	}
	for _, l := range a.prefixLens {
		if l > runes {
			return false
		}
		if a.prefixes[string(b[:ends[l-1]])] {
			return true
		}
	}
	return false
}

// prefixRunes is how many runes of a text past the leading run prefixMayMatch reads.
const prefixRunes = 4

// prefixesMax is the most prefixes an expression's test holds; one with more has none.
const prefixesMax = 1024

// classMax is the most runes, folded, of a character class that runPrefixes branches on; a
// prefix ends before a larger class.
const classMax = 24

// foldRune is the least rune of r's case-folding orbit (unicode.SimpleFold): two runes an
// expression's (?i) takes for each other fold to the same one.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		return rune(asciiFold[r])
	}
	m := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		m = min(m, f)
	}
	return m
}

// asciiFold is foldRune of the ASCII characters.
var asciiFold = func() (t [utf8.RuneSelf]byte) {
	for c := range t {
		m := rune(c)
		for f := unicode.SimpleFold(m); f != rune(c); f = unicode.SimpleFold(f) {
			m = min(m, f)
		}
		t[c] = byte(m)
	}
	return t
}()

// matchesRune reports whether the one-character expression re matches r.
func matchesRune(re *syntax.Regexp, r rune) bool {
	switch re.Op {
	case syntax.OpAnyChar:
		return true
	case syntax.OpAnyCharNotNL:
		return r != '\n'
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return foldRune(re.Rune[0]) == foldRune(r)
		}
		return re.Rune[0] == r
	}
	for i := 0; i+1 < len(re.Rune); i += 2 {
		if re.Rune[i] <= r && r <= re.Rune[i+1] {
			return true
		}
	}
	return false
}

// prefix is a beginning of the matches of an expression, its runes folded; done when nothing
// after it is read (it has prefixRunes runes, or what followed was not read).
type prefix struct {
	runes []rune
	done  bool
}

// runPrefixes returns the beginnings, folded, that every match of re has, up to prefixRunes
// runes, and their lengths; nil when re may match the empty string, a rune its beginnings may
// start with is one run matches, or they are too many to keep.
func runPrefixes(re, run *syntax.Regexp) (map[string]bool, []int) {
	ps, ok := extendPrefixes(re, []prefix{{}})
	if !ok {
		return nil, nil
	}
	set := map[string]bool{}
	var lens []int
	for _, p := range ps {
		if len(p.runes) == 0 {
			return nil, nil
		}
		if run != nil {
			for _, r := range foldOrbit(p.runes[0]) {
				if matchesRune(run, r) {
					return nil, nil
				}
			}
		}
		set[string(p.runes)] = true
		if !slices.Contains(lens, len(p.runes)) {
			lens = append(lens, len(p.runes))
		}
	}
	slices.Sort(lens)
	return set, lens
}

// foldOrbit is r's case-folding orbit: the runes that fold to foldRune(r).
func foldOrbit(r rune) []rune {
	orbit := []rune{r}
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		orbit = append(orbit, f)
	}
	return orbit
}

// extendPrefixes extends each of ps that is not done by what re matches first; ok false when
// they grow past prefixesMax.
func extendPrefixes(re *syntax.Regexp, ps []prefix) ([]prefix, bool) {
	if len(ps) > prefixesMax {
		return nil, false
	}
	open := false
	for _, p := range ps {
		open = open || !p.done
	}
	if !open {
		return ps, true
	}
	switch re.Op {
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			ps = appendRunes(ps, []rune{foldRune(r)})
		}
		return ps, true
	case syntax.OpCharClass:
		var runes []rune
		for i := 0; i+1 < len(re.Rune) && len(runes) <= classMax; i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1] && len(runes) <= classMax; r++ {
				if f := foldRune(r); !slices.Contains(runes, f) {
					runes = append(runes, f)
				}
			}
		}
		if len(runes) > classMax {
			return finish(ps), true
		}
		return appendRunes(ps, runes), true
	case syntax.OpCapture:
		return extendPrefixes(re.Sub[0], ps)
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			var ok bool
			if ps, ok = extendPrefixes(sub, ps); !ok {
				return nil, false
			}
		}
		return ps, true
	case syntax.OpAlternate:
		var out []prefix
		for _, sub := range re.Sub {
			alt, ok := extendPrefixes(sub, slices.Clone(ps))
			if !ok {
				return nil, false
			}
			out = append(out, alt...)
		}
		return dedupePrefixes(out), len(out) <= prefixesMax
	case syntax.OpQuest, syntax.OpStar, syntax.OpPlus, syntax.OpRepeat:
		once, ok := extendPrefixes(re.Sub[0], slices.Clone(ps))
		if !ok {
			return nil, false
		}
		if !(re.Op == syntax.OpQuest || re.Op == syntax.OpRepeat && re.Max == 1) {
			once = finish(once) // What more rounds match is not read.
		}
		if re.Op == syntax.OpPlus || re.Op == syntax.OpRepeat && re.Min > 0 {
			return once, true
		}
		out := append(ps, once...)
		return dedupePrefixes(out), len(out) <= prefixesMax
	case syntax.OpEmptyMatch, syntax.OpWordBoundary, syntax.OpNoWordBoundary,
		syntax.OpBeginLine, syntax.OpBeginText:
		return ps, true // Empty: what follows comes next.
	}
	return finish(ps), true // The end of the text, any character, or an operator not known here.
}

// appendRunes extends each open prefix of ps by each of runes.
func appendRunes(ps []prefix, runes []rune) []prefix {
	var out []prefix
	for _, p := range ps {
		if p.done {
			out = append(out, p)
			continue
		}
		for _, r := range runes {
			q := prefix{runes: append(slices.Clip(p.runes), r)}
			q.done = len(q.runes) >= prefixRunes
			out = append(out, q)
		}
	}
	return dedupePrefixes(out)
}

// finish marks every prefix of ps done.
func finish(ps []prefix) []prefix {
	for i := range ps {
		ps[i].done = true
	}
	return ps
}

// dedupePrefixes drops the repeats of ps.
func dedupePrefixes(ps []prefix) []prefix {
	seen := map[string]bool{}
	out := ps[:0]
	for _, p := range ps {
		k := string(p.runes)
		if p.done {
			k += "\x00done"
		}
		if !seen[k] {
			seen[k] = true
			out = append(out, p)
		}
	}
	return out
}

// oneChar reports whether re matches exactly one character.
func oneChar(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return true
	case syntax.OpLiteral:
		return len(re.Rune) == 1
	}
	return false
}

// asciiFirst returns the ASCII characters a match of re may begin with, and whether re matches
// the empty string.
func asciiFirst(re *syntax.Regexp) (set [128]bool, nullable bool) {
	add := func(r rune) {
		if r < 128 {
			set[r] = true
		}
	}
	union := func(s [128]bool) {
		for c := range set {
			set[c] = set[c] || s[c]
		}
	}
	switch re.Op {
	case syntax.OpLiteral:
		if len(re.Rune) == 0 {
			return set, true
		}
		r := re.Rune[0]
		add(r)
		if re.Flags&syntax.FoldCase != 0 {
			for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
				add(f)
			}
		}
	case syntax.OpCharClass:
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1] && r < 128; r++ {
				add(r)
			}
		}
	case syntax.OpCapture, syntax.OpPlus:
		return asciiFirst(re.Sub[0])
	case syntax.OpStar, syntax.OpQuest:
		set, _ = asciiFirst(re.Sub[0])
		return set, true
	case syntax.OpRepeat:
		set, nullable = asciiFirst(re.Sub[0])
		return set, nullable || re.Min == 0
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			s, n := asciiFirst(sub)
			union(s)
			if !n {
				return set, false
			}
		}
		return set, true
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			s, n := asciiFirst(sub)
			union(s)
			nullable = nullable || n
		}
		return set, nullable
	case syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary, syntax.OpEmptyMatch:
		return set, true
	default: // Any character, or an operator not known here: anything may come.
		for c := range set {
			set[c] = true
		}
		return set, true
	}
	return set, false
}
