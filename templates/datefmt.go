package templates

import (
	"bytes"
	"strconv"
	tparse "text/template/parse"
	"time"

	texttemplate "text/template"
)

// A date format of words.toml ("{{.Weekday}} {{.Day}} {{.Month}} à {{.Time}}") is a template
// over dateParts, and a mail says two or three dates: executing the template is half the cost of
// a date. A format made only of text and plain fields ({{.Day}}) is therefore read once into its
// pieces and written from them, the same bytes text/template writes; any other format (a
// condition, a function) is executed as the template it is.

// datePiece is a piece of a date format: text as it is, or one field of dateParts.
type datePiece struct {
	text  string
	field string // "" for text.
}

// datePieces returns the pieces of a date format; false when it is more than text and fields.
func datePieces(t *texttemplate.Template) ([]datePiece, bool) {
	if t == nil || t.Tree == nil || t.Tree.Root == nil || len(t.Templates()) != 1 {
		return nil, false
	}
	var out []datePiece
	for _, n := range t.Tree.Root.Nodes {
		switch n := n.(type) {
		case *tparse.TextNode:
			out = append(out, datePiece{text: string(n.Text)})
		case *tparse.ActionNode:
			p := n.Pipe
			if p == nil || p.IsAssign || len(p.Decl) > 0 || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
				return nil, false
			}
			f, ok := p.Cmds[0].Args[0].(*tparse.FieldNode)
			if !ok || len(f.Ident) != 1 {
				return nil, false
			}
			switch f.Ident[0] {
			case "Weekday", "Month", "ShortMonth", "Time", "Day":
				out = append(out, datePiece{field: f.Ident[0]})
			default:
				return nil, false
			}
		default:
			return nil, false
		}
	}
	return out, true
}

// writeDate writes t's parts by the pieces of a format.
func writeDate(b *bytes.Buffer, pieces []datePiece, p dateParts) {
	for _, x := range pieces {
		switch x.field {
		case "":
			b.WriteString(x.text)
		case "Weekday":
			b.WriteString(p.Weekday)
		case "Month":
			b.WriteString(p.Month)
		case "ShortMonth":
			b.WriteString(p.ShortMonth)
		case "Time":
			b.WriteString(p.Time)
		case "Day":
			b.WriteString(strconv.Itoa(p.Day))
		}
	}
}

// partsOf are a time's dateParts in the catalogue's words.
func (c *catalogue) partsOf(t time.Time) dateParts {
	return dateParts{Weekday: c.Date.Days[t.Weekday()], Day: t.Day(), Month: c.Date.Months[t.Month()-1],
		ShortMonth: c.Date.ShortMonths[t.Month()-1], Time: t.Format("15:04")}
}
