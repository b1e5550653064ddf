package web

import (
	"fmt"
	"html"
	"strings"
)

// Charts are inline SVG drawn by the server: no script, no external file, readable without
// style sheets. Every text put in them is escaped here; the page inserts the result as it is.

// series is one row of values of a chart, with its class (its colour in desk.css) and its name.
type series struct {
	Class, Name string
	Values      []int
}

// columnsSVG draws grouped columns: one group per label, one column per series.
func columnsSVG(title string, labels []string, ss []series, labelEvery int) string {
	const width, height, left, bottom, top = 720, 220, 34, 28, 10
	maxV := 1
	for _, s := range ss {
		for _, v := range s.Values {
			maxV = max(maxV, v)
		}
	}
	n := max(1, len(labels))
	group := float64(width-left) / float64(n)
	col := group * 0.8 / float64(max(1, len(ss)))
	plot := float64(height - bottom - top)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s"><title>%s</title>`, width, height, esc(title), esc(title))
	// Grid: zero, half and the maximum.
	for _, f := range []float64{0, 0.5, 1} {
		y := float64(top) + plot*(1-f)
		fmt.Fprintf(&b, `<line class="grid" x1="%d" y1="%.1f" x2="%d" y2="%.1f"/>`, left, y, width, y)
		fmt.Fprintf(&b, `<text class="axis" x="%d" y="%.1f" text-anchor="end">%d</text>`, left-4, y+4, int(float64(maxV)*f+0.5))
	}
	for i, l := range labels {
		x0 := float64(left) + group*float64(i) + group*0.1
		for j, s := range ss {
			v := 0
			if i < len(s.Values) {
				v = s.Values[i]
			}
			h := plot * float64(v) / float64(maxV)
			fmt.Fprintf(&b, `<rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s %s: %d</title></rect>`,
				esc(s.Class), x0+col*float64(j), float64(top)+plot-h, col, h, esc(l), esc(s.Name), v)
		}
		if labelEvery > 0 && i%labelEvery == 0 {
			fmt.Fprintf(&b, `<text class="axis" x="%.1f" y="%d" text-anchor="middle">%s</text>`, x0+group*0.4, height-8, esc(l))
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// barsSVG draws horizontal bars, one per label; a series of two values per label stacks them.
func barsSVG(title string, labels []string, ss []series) string {
	const width, row, labelW, numW = 720, 26, 190, 60
	maxV := 1
	for i := range labels {
		sum := 0
		for _, s := range ss {
			if i < len(s.Values) {
				sum += s.Values[i]
			}
		}
		maxV = max(maxV, sum)
	}
	height := row*len(labels) + 4
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-label="%s"><title>%s</title>`, width, height, esc(title), esc(title))
	span := float64(width - labelW - numW)
	for i, l := range labels {
		y := i*row + 4
		fmt.Fprintf(&b, `<text class="label" x="%d" y="%d" text-anchor="end">%s</text>`, labelW-8, y+15, esc(clipRunes(l, 28)))
		x := float64(labelW)
		sum := 0
		for _, s := range ss {
			v := 0
			if i < len(s.Values) {
				v = s.Values[i]
			}
			w := span * float64(v) / float64(maxV)
			fmt.Fprintf(&b, `<rect class="%s" x="%.1f" y="%d" width="%.1f" height="18"><title>%s %s: %d</title></rect>`,
				esc(s.Class), x, y+2, w, esc(l), esc(s.Name), v)
			x += w
			sum += v
		}
		fmt.Fprintf(&b, `<text class="axis" x="%.1f" y="%d">%d</text>`, x+6, y+15, sum)
	}
	b.WriteString(`</svg>`)
	return b.String()
}

func esc(s string) string { return html.EscapeString(s) }

func clipRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
