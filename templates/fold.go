package templates

import (
	htmltemplate "html/template"
	texttemplate "text/template"
	tparse "text/template/parse"
)

// A word of the layouts ({{word "priority"}}) is the same in every mail of a language, yet
// text/template looks the function up, calls it through reflection and, in HTML, passes its
// result through html/template's escaper, each time: a fifth of the actions of an assignment
// notice. Once a kind's templates are loaded and checked, each such action is replaced by the
// word itself, as template text. In HTML only where html/template (its escaping done by the
// check's first render) gives the word to its text escaper alone, which returns a word typed as
// HTML as it is; a word in an attribute, a URL or a title keeps its action. TestFoldedWords holds
// every sample to the bytes the unfolded templates write.

// htmlTextEscaper is the escaper html/template adds to an action in HTML text.
const htmlTextEscaper = "_html_template_htmlescaper"

// foldText folds the words of a kind's text templates (all the trees of its namespace).
func foldText(tt *texttemplate.Template, c *catalogue) {
	for _, t := range tt.Templates() {
		if t.Tree != nil {
			foldList(t.Tree.Root, c, false)
		}
	}
}

// foldHTML folds the words of a kind's HTML templates, once escaped (executed once).
func foldHTML(ht *htmltemplate.Template, c *catalogue) {
	for _, t := range ht.Templates() {
		if t.Tree != nil {
			foldList(t.Tree.Root, c, true)
		}
	}
}

func foldList(l *tparse.ListNode, c *catalogue, html bool) {
	if l == nil {
		return
	}
	for i, n := range l.Nodes {
		switch n := n.(type) {
		case *tparse.ActionNode:
			if w, ok := constantWord(n, c, html); ok {
				l.Nodes[i] = &tparse.TextNode{NodeType: tparse.NodeText, Pos: n.Pos, Text: []byte(w)}
			}
		case *tparse.IfNode:
			foldList(n.List, c, html)
			foldList(n.ElseList, c, html)
		case *tparse.RangeNode:
			foldList(n.List, c, html)
			foldList(n.ElseList, c, html)
		case *tparse.WithNode:
			foldList(n.List, c, html)
			foldList(n.ElseList, c, html)
		case *tparse.ListNode:
			foldList(n, c, html)
		}
	}
}

// constantWord returns the word an action writes when it is {{word "key"}} alone (followed, in
// HTML, by the text escaper alone) and the catalogue has the key.
func constantWord(a *tparse.ActionNode, c *catalogue, html bool) (string, bool) {
	p := a.Pipe
	if p == nil || len(p.Decl) > 0 || p.IsAssign {
		return "", false
	}
	cmds := p.Cmds
	if html {
		if len(cmds) != 2 || len(cmds[1].Args) != 1 {
			return "", false
		}
		if id, ok := cmds[1].Args[0].(*tparse.IdentifierNode); !ok || id.Ident != htmlTextEscaper {
			return "", false
		}
	} else if len(cmds) != 1 {
		return "", false
	}
	args := cmds[0].Args
	if len(args) != 2 {
		return "", false
	}
	fn, ok := args[0].(*tparse.IdentifierNode)
	key, ok2 := args[1].(*tparse.StringNode)
	if !ok || !ok2 || fn.Ident != "word" {
		return "", false
	}
	w, ok := c.Layout[key.Text]
	return w, ok
}
