package mailin

import (
	"regexp"
	"regexp/syntax"
	"sync"
	"unicode"
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
// with there, case-folded as the expression folds them. A non-ASCII character is always let
// through; so is every text when the expression is not of that shape.
type anchoredRegexp struct {
	expr     string
	compiled func() *anchoredTables // Compiled at first use, as lazyRegexp is.
}

// anchoredTables is an anchoredRegexp compiled.
type anchoredTables struct {
	re    *regexp.Regexp
	skip  [128]bool // ASCII characters of the leading run.
	first [128]bool // ASCII characters that may follow the run.
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

// mayMatch reports whether the first character of s past the leading run may begin a match.
func (a *anchoredTables) mayMatch(s string) bool {
	i := 0
	for i < len(s) && s[i] < 128 && a.skip[s[i]] {
		i++
	}
	return i == len(s) || s[i] >= 128 || a.first[s[i]]
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
