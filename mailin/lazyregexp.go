package mailin

import (
	"regexp"
	"sync"
)

// lazyRegexp is a regular expression compiled when it is first used, not when the program
// starts. Every `deskd poll --once` (cron runs one a minute) and every other command loads this
// package, and most of them parse no mail: compiling the ~70 expressions here at start-up took
// 22.7M of the 47.7M instructions of `deskd version` (callgrind, GOGC=off, GOMAXPROCS=1).
// The methods are regexp.Regexp's.
type lazyRegexp struct {
	expr string
	re   func() *regexp.Regexp
}

// lazyRegexps lists every lazyRegexp of the package, so that a test compiles them all.
var lazyRegexps []*lazyRegexp

// lazyCompile returns expr to be compiled, as regexp.MustCompile does, at its first use.
func lazyCompile(expr string) *lazyRegexp {
	l := &lazyRegexp{expr: expr, re: sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })}
	lazyRegexps = append(lazyRegexps, l)
	return l
}

// Regexp returns the compiled expression.
func (l *lazyRegexp) Regexp() *regexp.Regexp { return l.re() }

func (l *lazyRegexp) String() string { return l.expr }

func (l *lazyRegexp) MatchString(s string) bool { return l.re().MatchString(s) }

func (l *lazyRegexp) FindString(s string) string { return l.re().FindString(s) }

func (l *lazyRegexp) FindStringIndex(s string) []int { return l.re().FindStringIndex(s) }

func (l *lazyRegexp) FindStringSubmatch(s string) []string { return l.re().FindStringSubmatch(s) }

func (l *lazyRegexp) FindSubmatch(b []byte) [][]byte { return l.re().FindSubmatch(b) }

func (l *lazyRegexp) FindAllString(s string, n int) []string { return l.re().FindAllString(s, n) }

func (l *lazyRegexp) FindAllStringIndex(s string, n int) [][]int {
	return l.re().FindAllStringIndex(s, n)
}

func (l *lazyRegexp) FindAllStringSubmatch(s string, n int) [][]string {
	return l.re().FindAllStringSubmatch(s, n)
}

func (l *lazyRegexp) FindAllStringSubmatchIndex(s string, n int) [][]int {
	return l.re().FindAllStringSubmatchIndex(s, n)
}

func (l *lazyRegexp) ReplaceAllString(src, repl string) string {
	return l.re().ReplaceAllString(src, repl)
}

func (l *lazyRegexp) ReplaceAllStringFunc(src string, repl func(string) string) string {
	return l.re().ReplaceAllStringFunc(src, repl)
}

func (l *lazyRegexp) Split(s string, n int) []string { return l.re().Split(s, n) }
