package mailin

import (
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"strconv"
	"testing"

	"github.com/deskd/deskd/tickets"
)

// header is a reason that cites a header field or a MIME type as the mail writes it: the same
// in every language.
var header = regexp.MustCompile(`^(?:[A-Z][A-Za-z]*(?:-[A-Za-z]+)+(?::|$)|[A-Z][a-z]+: |From $|Return-Path <>$|multipart/|message/)`)

// TestVerdictReasonsWorded: every reason judge gives (its string literals, and the literal
// that opens a reason built from the mail) is in words the desk says in each reader's language
// (tickets.VerdictPhrase), or a header written as it is. A reason added here without words
// would land in English on a French ticket page.
func TestVerdictReasonsWorded(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "verdict.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	ast.Inspect(f, func(n ast.Node) bool {
		fn, ok := n.(*ast.FuncDecl)
		if !ok || fn.Name.Name != "judge" {
			return true
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			ret, ok := n.(*ast.ReturnStmt)
			if !ok || len(ret.Results) != 2 {
				return true
			}
			reason, tail := ret.Results[1], ""
			if b, ok := reason.(*ast.BinaryExpr); ok && b.Op == token.ADD {
				reason, tail = b.X, "the subject"
			}
			lit, ok := reason.(*ast.BasicLit)
			if !ok {
				return true // A header's name from a list (X-Autoreply, X-List…).
			}
			text, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatal(err)
			}
			seen++
			p := tickets.VerdictPhrase(text + tail)
			if p.Code == tickets.WhyEvidence && !header.MatchString(text) {
				t.Errorf("%s: reason %q has no words", fset.Position(lit.Pos()), text)
			}
			return true
		})
		return false
	})
	if seen < 20 {
		t.Fatalf("%d reasons found in judge", seen)
	}
}
