package mailin

import "strings"

// unflow joins the lines of a format=flowed text/plain body (RFC 3676), as Thunderbird and Apple
// Mail send it: a line that ends in a space goes on in the next line of the same quote depth, so
// that a paragraph is one line again. Read with its soft breaks as hard ones, a technician's
// "#resolve" that wraps would lose the end of its note to the next line (or, beside a "#note",
// to the internal note). With delsp=yes the space before a soft break was added by the sender and
// goes. Quote marks are written back one per depth, "> " before the text; space-stuffing (a space
// the sender put before a line starting with ">", " " or "From ") is removed; the signature
// separator "-- " is never joined.
func unflow(s string, delsp bool) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	out := make([]string, 0, len(lines))
	var para strings.Builder // the paragraph being joined
	depth := -1              // its quote depth, -1 when none
	end := func() {
		if depth < 0 {
			return
		}
		text := para.String()
		if text != "-- " {
			text = strings.TrimRight(text, " ")
		}
		if depth > 0 {
			text = strings.Repeat(">", depth) + " " + text
		}
		out = append(out, text)
		para.Reset()
		depth = -1
	}
	for i, line := range lines {
		d := 0
		for d < len(line) && line[d] == '>' {
			d++
		}
		text := strings.TrimPrefix(line[d:], " ") // space-stuffing, or the space after quote marks
		if d != depth || text == "-- " {
			end() // a change of quote depth, or a signature, ends a paragraph whatever its last line said
		}
		depth = d
		flowed := strings.HasSuffix(text, " ") && text != "-- " && i < len(lines)-1
		if flowed && delsp {
			text = text[:len(text)-1]
		}
		para.WriteString(text)
		if !flowed {
			end()
		}
	}
	end()
	return strings.Join(out, "\n")
}
