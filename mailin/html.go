package mailin

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/deskd/deskd/tickets"
)

// HTML to text with a small walker over golang.org/x/net/html: the parser is
// the WHATWG one (it copes with any tag soup and decodes entities), and the
// walker knows the few things mail needs (quotes as "> ", links as
// "text (url)", lists, tables) without pulling in html2text's dependencies.

// Limits on the work one HTML body can cause.
const (
	// maxHTMLDepth bounds the recursion on pathological nesting.
	maxHTMLDepth = 512
	// htmlChunk is the most HTML parsed into one tree: the tree takes some 40 times its
	// source in memory (24 MB of HTML took 1 GB). A longer body is converted to text a
	// chunk at a time, cut before a block tag (see splitHTML).
	htmlChunk = 1 << 20
	// maxHTMLText is how much of an HTML body is converted to text at all, and the most text
	// it gives (nested quotes prefix every line with "> ", a 4-byte <br> could give a line of
	// 1 KB): converting 24 MB took 1.6 s of CPU even a chunk at a time. The raw mail keeps the
	// rest.
	maxHTMLText = 4 << 20
	// peekText and peekNodes bound what quote detection reads of one node to decide whether
	// it starts a quoted header block or a forward: the first lines of its text, within a
	// number of nodes. Rendering each divider's whole subtree made nested Outlook dividers
	// quadratic (2 MB took 14 s).
	peekText  = 2 << 10
	peekNodes = 4096
)

// HTMLToText converts an HTML body to readable plain text: paragraphs, br,
// div and li become line breaks, list items start with "- " (or "1. " in an
// ordered list), links read "text (url)" when the two differ, table rows go
// on their own line with " | " between cells, blockquotes are prefixed with
// "> ", script and style are dropped, entities are decoded and white space is
// collapsed. The result is valid UTF-8.
//
// A body longer than htmlChunk is converted a chunk at a time: structure that spans two
// chunks (a table, a quote) is rendered as if closed at the cut and reopened after it. Only the
// first maxHTMLText bytes of a body are converted.
func HTMLToText(s string) string {
	full, _ := convertHTML(s, false)
	return full
}

// convertHTML converts an HTML body to its whole text (HTMLToText) and, when visible is set, to
// its new text (VisibleHTML), parsing the first chunk once for both.
func convertHTML(s string, visible bool) (full, vis string) {
	var b strings.Builder
	for read := 0; len(s) > 0 && read < maxHTMLText && b.Len() < maxHTMLText; {
		end, next := cutHTML(s, min(htmlChunk, maxHTMLText-read))
		var t string
		doc, err := html.Parse(strings.NewReader(toValidUTF8(s[:end], "\uFFFD")))
		if err != nil {
			// Elements nested deeper than the parser goes: the source as text.
			t = tidy(strings.Split(normalizeText(head(s[:end], maxHTMLText-b.Len())), "\n"))
		} else {
			t = renderLimited(doc, maxHTMLText-b.Len())
		}
		if visible && read == 0 {
			if err == nil {
				removeQuotedHTML(doc)
				vis = VisibleText(renderLimited(doc, tickets.MaxText))
			}
			if vis == "" {
				vis = VisibleText(t) // Everything looked quoted: the whole text, as VisibleText does.
			}
		}
		if t != "" {
			if b.Len() > 0 {
				b.WriteString("\n\n")
			}
			b.WriteString(t)
		}
		s, read = s[next:], read+end
	}
	return head(b.String(), maxHTMLText), vis
}

// blockTagRe finds where a block of HTML starts: a good place to cut a long body.
var blockTagRe = lazyCompile(`(?i)<(?:p|div|br|tr|li|table|h[1-6]|blockquote|hr)[\s/>]`)

// cutHTML returns where the first piece of s of about size bytes ends, and where the next
// starts: before a block tag in the piece's second half, else before any tag, else at size (not
// inside a UTF-8 character). A piece cut inside a tag (a tag longer than a piece: a million
// attributes) leaves the rest of that tag out.
func cutHTML(s string, size int) (end, next int) {
	if len(s) <= size {
		return len(s), len(s)
	}
	window := s[size/2 : size]
	if loc := lastMatch(blockTagRe, window); loc >= 0 {
		return size/2 + loc, size/2 + loc
	}
	if i := strings.LastIndexByte(window, '<'); i >= 0 {
		return size/2 + i, size/2 + i
	}
	end = size
	for end > 0 && !utf8.RuneStart(s[end]) {
		end--
	}
	if strings.LastIndexByte(s[:end], '<') > strings.LastIndexByte(s[:end], '>') { // In a tag.
		if i := strings.IndexByte(s[end:], '>'); i >= 0 {
			return end, end + i + 1
		}
		return end, len(s)
	}
	return end, end
}

// lastMatch returns where the last match of re in s starts, -1 for none.
func lastMatch(re *lazyRegexp, s string) int {
	// Search from the end in growing windows: the last match is usually near it.
	for w := 4 << 10; ; w *= 4 {
		start := max(len(s)-w, 0)
		if locs := re.FindAllStringIndex(s[start:], -1); len(locs) > 0 {
			return start + locs[len(locs)-1][0]
		}
		if start == 0 {
			return -1
		}
	}
}

// VisibleHTML returns the new text of an HTML reply. It removes the quoted
// parts in the HTML tree first (blockquote type=cite, div.gmail_quote,
// Outlook's divRplyFwdMsg or "border-top:solid" divider and everything after
// it, Yahoo's and Thunderbird's quote markers), then converts the rest to
// text and applies VisibleText.
//
// Only the first htmlChunk bytes of a longer body are read: the new text of a reply comes
// first, and HTMLToText converts the whole.
func VisibleHTML(s string) string {
	if len(s) > htmlChunk {
		end, _ := cutHTML(s, htmlChunk)
		s = s[:end]
	}
	_, vis := convertHTML(s, true)
	return vis
}

// renderLimited renders a tree as text, at most limit bytes of it (0: all).
func renderLimited(doc *html.Node, limit int) string {
	w := &textWriter{limit: limit}
	w.walk(doc, 0)
	w.flushLine()
	if limit > 0 {
		return head(tidy(w.lines), limit)
	}
	return tidy(w.lines)
}

// peek returns the beginning of a node's text: about peekText bytes, read from at most
// peekNodes nodes.
func peek(n *html.Node) string {
	w := &textWriter{limit: peekText, nodes: peekNodes, countNodes: true}
	w.walk(n, 0)
	w.flushLine()
	return tidy(w.lines)
}

// textWriter accumulates lines. Inline text is collected into cur with white
// space collapsed; block boundaries end the line.
type textWriter struct {
	lines []string
	cur   strings.Builder
	space bool  // A space is pending before the next word.
	pre   int   // Depth of <pre>.
	quote int   // Depth of <blockquote>.
	lists []int // Per open list: -1 for <ul>, else the next number.
	cells int   // Cells written in the current table row.
	tiny  bool  // The text here is set in a font too small to read (font-size:0): left out.

	limit      int  // Stop once the text has this many bytes; 0: no limit.
	nodes      int  // Stop after visiting this many more nodes, when countNodes.
	countNodes bool // The nodes are counted.
	size       int  // Bytes in lines.
}

// done reports whether a limited writer has written or read enough.
func (w *textWriter) done() bool {
	return w.limit > 0 && w.size+w.cur.Len() >= w.limit || w.countNodes && w.nodes <= 0
}

func (w *textWriter) linePrefix() string {
	return strings.Repeat("> ", w.quote)
}

// newline ends the current line (an empty one too, when forced).
func (w *textWriter) newline() {
	w.lines = append(w.lines, w.linePrefix()+w.cur.String())
	w.size += len(w.lines[len(w.lines)-1]) + 1
	w.cur.Reset()
	w.space = false
}

// flushLine ends the current line if it has text.
func (w *textWriter) flushLine() {
	if w.cur.Len() > 0 {
		w.newline()
	}
	w.space = false
}

// blank ends the paragraph: the current line, and one blank line.
func (w *textWriter) blank() {
	w.flushLine()
	if n := len(w.lines); n > 0 && strings.TrimSpace(strings.TrimLeft(w.lines[n-1], "> ")) != "" {
		w.lines = append(w.lines, "")
	}
}

func (w *textWriter) text(s string) {
	if w.tiny {
		return
	}
	if w.limit > 0 {
		s = head(s, max(w.limit-w.size-w.cur.Len(), 0))
	}
	if w.pre > 0 {
		for i, part := range strings.Split(s, "\n") {
			if i > 0 {
				w.newline()
			}
			w.cur.WriteString(part)
		}
		return
	}
	for _, r := range s {
		switch {
		case r == '\u00a0':
			// A non-breaking space is a space that does not collapse away.
			if w.space && w.cur.Len() > 0 {
				w.cur.WriteByte(' ')
			}
			w.cur.WriteByte(' ')
			w.space = false
		case r == '\u200b' || r == '\ufeff' || r == '\u00ad' || r == '\u200e' || r == '\u200f':
		case unicode.IsSpace(r):
			w.space = true
		case unicode.IsControl(r):
		default:
			if w.space && w.cur.Len() > 0 {
				w.cur.WriteByte(' ')
			}
			w.space = false
			w.cur.WriteRune(r)
		}
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func (w *textWriter) walk(n *html.Node, depth int) {
	if depth > maxHTMLDepth || w.done() {
		return
	}
	w.nodes--
	switch n.Type {
	case html.TextNode:
		w.text(n.Data)
		return
	case html.CommentNode, html.DoctypeNode:
		return
	case html.ElementNode:
	default:
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			w.walk(c, depth+1)
		}
		return
	}
	if len(n.Attr) > 0 {
		hide, font := hiddenBy(n)
		if hide {
			return
		}
		if font != fontInherit && (font == fontTiny) != w.tiny {
			w.tiny = font == fontTiny
			defer func() { w.tiny = font != fontTiny }()
		}
	}
	w.element(n, depth)
}

// element writes an element the reader sees.
func (w *textWriter) element(n *html.Node, depth int) {
	switch n.DataAtom {
	case atom.Script, atom.Style, atom.Head, atom.Title, atom.Meta, atom.Template, atom.Noscript, atom.Object, atom.Iframe, atom.Svg, atom.Select:
		return
	case atom.Br:
		w.newline()
		return
	case atom.Hr:
		w.blank()
		return
	case atom.Img:
		return
	case atom.A:
		w.link(n, depth)
		return
	case atom.Pre:
		w.blank()
		w.pre++
		w.children(n, depth)
		w.pre--
		w.blank()
		return
	case atom.Blockquote:
		w.blank()
		w.quote++
		w.children(n, depth)
		w.flushLine()
		w.quote--
		w.blank()
		return
	case atom.Ul, atom.Ol, atom.Menu:
		w.flushLine()
		if n.DataAtom == atom.Ol {
			start := 1
			if v, err := strconv.Atoi(attr(n, "start")); err == nil && v > 0 && v < 1e6 {
				start = v
			}
			w.lists = append(w.lists, start)
		} else {
			w.lists = append(w.lists, -1)
		}
		w.children(n, depth)
		w.lists = w.lists[:len(w.lists)-1]
		w.flushLine()
		return
	case atom.Li:
		w.flushLine()
		indent := ""
		if len(w.lists) > 1 {
			indent = strings.Repeat("  ", len(w.lists)-1)
		}
		marker := "- "
		if k := len(w.lists) - 1; k >= 0 && w.lists[k] > 0 {
			marker = strconv.Itoa(w.lists[k]) + ". "
			w.lists[k]++
		}
		w.cur.WriteString(indent + marker)
		w.children(n, depth)
		w.flushLine()
		return
	case atom.Tr:
		w.flushLine()
		w.cells = 0
		w.children(n, depth)
		w.flushLine()
		return
	case atom.Td, atom.Th:
		before := w.cur.Len()
		if w.cells > 0 && before > 0 {
			w.cur.WriteString(" | ")
		}
		mark := w.cur.Len()
		w.space = false
		w.children(n, depth)
		if w.cur.Len() == mark && mark != before {
			// Empty cell: take the separator back.
			s := w.cur.String()[:before]
			w.cur.Reset()
			w.cur.WriteString(s)
		} else if w.cur.Len() > mark {
			w.cells++
		}
		w.space = true
		return
	case atom.P:
		if strings.HasPrefix(attr(n, "class"), "Mso") {
			// Word's paragraphs have no margin: one per line, and an empty
			// one (&nbsp;) is a blank line.
			w.flushLine()
			w.children(n, depth)
			w.newline()
			return
		}
		w.blank()
		w.children(n, depth)
		w.blank()
		return
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Table, atom.Dl, atom.Center, atom.Address, atom.Fieldset, atom.Figure:
		w.blank()
		w.children(n, depth)
		w.blank()
		return
	case atom.Div, atom.Section, atom.Article, atom.Header, atom.Footer, atom.Nav, atom.Aside, atom.Main, atom.Form, atom.Dt, atom.Dd, atom.Caption, atom.Tbody, atom.Thead, atom.Tfoot, atom.Body, atom.Html, atom.Details, atom.Summary, atom.Figcaption:
		w.flushLine()
		w.children(n, depth)
		w.flushLine()
		return
	}
	w.children(n, depth)
}

func (w *textWriter) children(n *html.Node, depth int) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.walk(c, depth+1)
	}
}

// link writes an anchor as "text (url)" when the url says something the text
// does not.
func (w *textWriter) link(n *html.Node, depth int) {
	start := w.cur.Len()
	nlines := len(w.lines)
	w.children(n, depth)
	href := strings.TrimSpace(attr(n, "href"))
	if href == "" || strings.HasPrefix(href, "#") || strings.HasPrefix(strings.ToLower(href), "javascript:") || strings.HasPrefix(strings.ToLower(href), "cid:") {
		return
	}
	var text string
	if len(w.lines) == nlines && w.cur.Len() >= start {
		text = strings.TrimSpace(w.cur.String()[start:])
	}
	target := href
	if l := strings.ToLower(href); strings.HasPrefix(l, "mailto:") {
		target = href[len("mailto:"):]
		if i := strings.IndexByte(target, '?'); i >= 0 {
			target = target[:i]
		}
	}
	if text == "" && len(w.lines) == nlines {
		w.text(target)
		return
	}
	if sameLink(text, target) || sameLink(text, href) {
		return
	}
	w.text(" (" + target + ")")
}

// sameLink reports whether a link's text already says where it goes.
func sameLink(text, url string) bool {
	norm := func(s string) string {
		s = strings.ToLower(strings.TrimSpace(s))
		for _, p := range []string{"mailto:", "https://", "http://", "www."} {
			s = strings.TrimPrefix(s, p)
		}
		return strings.TrimRight(s, "/")
	}
	return norm(text) == norm(url) || strings.Contains(text, url)
}

// removeQuotedHTML removes the quoted history from a parsed HTML reply.
func removeQuotedHTML(doc *html.Node) {
	var cuts []*html.Node // Remove the node and everything after it.
	var drops []*html.Node
	var visit func(n *html.Node, depth int)
	visit = func(n *html.Node, depth int) {
		if depth > maxHTMLDepth {
			return
		}
		if n.Type == html.ElementNode {
			class := " " + strings.ToLower(attr(n, "class")) + " "
			id := strings.ToLower(attr(n, "id"))
			style := strings.ToLower(strings.ReplaceAll(attr(n, "style"), " ", ""))
			switch {
			case n.DataAtom == atom.Blockquote && strings.EqualFold(attr(n, "type"), "cite"):
				// Apple Mail quotes a forward too, after "Begin forwarded message:".
				if p := previousContent(n); !isForwardNode(n) && (p == nil || !isForwardNode(p)) {
					drops = append(drops, n)
					return
				}
			case strings.Contains(class, " gmail_quote ") || strings.Contains(class, " gmail_quote_container ") ||
				strings.Contains(class, " yahoo_quoted ") || strings.HasPrefix(id, "yahoo_quoted") ||
				strings.Contains(class, " moz-cite-prefix "):
				if !isForwardNode(n) {
					drops = append(drops, n)
					return
				}
			case id == "divrplyfwdmsg" || id == "olk_src_body_section" || id == "appendonsend" || strings.HasPrefix(id, "mail-editor-reference-message-container"):
				if !isForwardNode(n) {
					cuts = append(cuts, n)
					return
				}
			case (strings.Contains(style, "border-top:solid") || strings.Contains(style, "border-top-style:solid")) && startsWithHeader(n):
				cuts = append(cuts, n)
				return
			case n.DataAtom == atom.Hr && headerFollows(n):
				cuts = append(cuts, n)
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c, depth+1)
		}
	}
	visit(doc, 0)
	for _, n := range drops {
		if p := previousContent(n); p != nil && isAttribution(clean(peek(p))) {
			detach(p)
		}
		detach(n)
	}
	for _, n := range cuts {
		cutFrom(n)
	}
}

// isForwardNode reports whether the node holds a forwarded message.
func isForwardNode(n *html.Node) bool {
	t := peek(n)
	for i, l := range strings.Split(t, "\n") {
		if i > 5 {
			break
		}
		if forwardRe.MatchString(clean(l)) {
			return true
		}
	}
	return false
}

// startsWithHeader reports whether the node's text begins with a header
// block line ("From:", "De :", "От:").
func startsWithHeader(n *html.Node) bool {
	t := strings.TrimSpace(peek(n))
	return headerFirstRe.MatchString(clean(strings.SplitN(t, "\n", 2)[0]))
}

// headerFollows reports whether the text right after an <hr> is a header
// block.
func headerFollows(hr *html.Node) bool {
	var b strings.Builder
	// A few siblings, a little of each: a million <hr> read each other's siblings.
	for s, n := hr.NextSibling, 0; s != nil && b.Len() < 200 && n < 16; s, n = s.NextSibling, n+1 {
		switch {
		case s.Type == html.TextNode:
			b.WriteString(head(s.Data, 200))
		case s.FirstChild == nil: // <br>, <hr>, <img>: no text
		default:
			b.WriteString(peek(s))
		}
		b.WriteString(" ")
	}
	return headerFirstRe.MatchString(clean(b.String()))
}

// previousContent returns the previous sibling with some text, skipping
// blank text and <br>.
func previousContent(n *html.Node) *html.Node {
	for p := n.PrevSibling; p != nil; p = p.PrevSibling {
		if p.Type == html.TextNode && strings.TrimSpace(p.Data) == "" || p.Type == html.ElementNode && p.DataAtom == atom.Br || p.Type == html.CommentNode {
			continue
		}
		return p
	}
	return nil
}

func detach(n *html.Node) {
	if n.Parent != nil {
		n.Parent.RemoveChild(n)
	}
}

// cutFrom removes n and everything after it in document order, up to <body>.
func cutFrom(n *html.Node) {
	p := n.Parent
	if p == nil {
		return
	}
	removeFollowing(n)
	p.RemoveChild(n)
	for p.Parent != nil && p.DataAtom != atom.Body && p.DataAtom != atom.Html {
		removeFollowing(p)
		p = p.Parent
	}
}

// removeFollowing removes the siblings after n.
func removeFollowing(n *html.Node) {
	for s := n.NextSibling; s != nil; {
		next := s.NextSibling
		n.Parent.RemoveChild(s)
		s = next
	}
}

// What an element's style says of its text's font size (hiddenBy).
const (
	fontInherit = iota // No font size: as its parent.
	fontTiny           // font-size under 2px (0, 1px, 1pt): the text cannot be read.
	fontSized          // A font size one can read.
)

// hiddenBy reports whether an element hides itself and all it holds from the reader, by the
// hidden attribute or its inline style: display:none, visibility:hidden, opacity:0, Outlook's
// mso-hide:all, or a height of 0 with overflow:hidden (the preheaders of newsletters and of
// Outlook's templates, text meant for the inbox's preview line). It also says what the style
// sets the font size to: a font-size of 0 hides the element's own text, not a child's that
// sets its size again (layout tables use it against the gaps between inline blocks).
func hiddenBy(n *html.Node) (hide bool, font int) {
	var style string
	for _, a := range n.Attr {
		switch a.Key {
		case "hidden":
			return true, fontInherit
		case "style":
			style = a.Val
		}
	}
	if style == "" {
		return false, fontInherit
	}
	font = fontInherit
	var zeroHeight, clipped bool
	for _, decl := range strings.Split(style, ";") {
		prop, val, ok := strings.Cut(decl, ":")
		if !ok {
			continue
		}
		prop = strings.ToLower(strings.TrimSpace(prop))
		val = strings.ToLower(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(val), "!important")))
		switch prop {
		case "display":
			if val == "none" {
				return true, font
			}
		case "visibility":
			if val == "hidden" || val == "collapse" {
				return true, font
			}
		case "mso-hide":
			if val == "all" {
				return true, font
			}
		case "opacity":
			if f, err := strconv.ParseFloat(val, 64); err == nil && f <= 0 {
				return true, font
			}
		case "max-height", "height":
			zeroHeight = zeroHeight || cssLength(val) == 0
		case "overflow", "overflow-y":
			clipped = clipped || val == "hidden"
		case "font-size":
			switch v := cssLength(val); {
			case v < 0:
			case v < 2:
				font = fontTiny
			default:
				font = fontSized
			}
		}
	}
	return zeroHeight && clipped, font
}

// cssLength is a CSS length in CSS pixels, roughly (pt, em and % taken as the usual 16px
// body), -1 when it is not one (auto, a keyword, a calc()).
func cssLength(v string) float64 {
	unit := strings.TrimLeft(v, "0123456789.+-")
	num, err := strconv.ParseFloat(v[:len(v)-len(unit)], 64)
	if err != nil || num < 0 {
		return -1
	}
	switch strings.TrimSpace(unit) {
	case "", "px":
		return num
	case "pt":
		return num * 4 / 3
	case "em", "rem":
		return num * 16
	case "%":
		return num * 16 / 100
	}
	return -1
}
