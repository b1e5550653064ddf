package mailin

// This file is a placeholder: the real HTML-to-text converter is written in
// parallel and replaces this file at merge. Keep the signature.

import (
	"strings"

	"golang.org/x/net/html"
)

// HTMLToText returns the visible text of an HTML document: block elements
// become line breaks, scripts and styles are dropped.
func HTMLToText(s string) string {
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		return s
	}
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
			return
		case html.ElementNode:
			switch n.Data {
			case "script", "style", "head", "title":
				return
			case "br":
				b.WriteString("\n")
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if n.Type == html.ElementNode {
			switch n.Data {
			case "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol":
				b.WriteString("\n")
			}
		}
	}
	walk(doc)
	lines := strings.Split(b.String(), "\n")
	out := lines[:0]
	for _, l := range lines {
		out = append(out, strings.TrimRight(strings.Join(strings.Fields(l), " "), " "))
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}
