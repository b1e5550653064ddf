package mailin

import (
	"strings"
	"unicode"
)

// uuFile is one file found in a uuencoded block.
type uuFile struct {
	Name string
	Data []byte
}

// uuResult is the text around uuencoded blocks and the files in them.
type uuResult struct {
	text    string
	files   []uuFile
	omitted int // blocks past the room given, removed from the text but not decoded
}

// beginLine reads a "begin MODE NAME" or "begin-base64 MODE NAME" line (what
// `^begin(?:-base64)? +[0-7]{3,4} +(.+?)\s*$` matches, without a regular
// expression: a text of a million such lines took a second).
func beginLine(l string) (name string, b64, ok bool) {
	rest, found := strings.CutPrefix(l, "begin")
	if !found {
		return "", false, false
	}
	rest, b64 = strings.CutPrefix(rest, "-base64")
	spaces := func() bool {
		n := len(rest)
		rest = strings.TrimLeft(rest, " ")
		return len(rest) < n
	}
	if !spaces() {
		return "", false, false
	}
	digits := 0
	for digits < len(rest) && rest[digits] >= '0' && rest[digits] <= '7' {
		digits++
	}
	if digits < 3 || digits > 4 {
		return "", false, false
	}
	rest = rest[digits:]
	if !spaces() || rest == "" {
		return "", false, false
	}
	return strings.TrimRightFunc(rest, unicode.IsSpace), b64, true
}

// uudecode finds "begin MODE NAME" … "end" blocks in s (the traditional
// uuencoding, as sent by old mailers in a plain body) and decodes the first
// room of them; the others are only counted. Lines that do not decode are
// skipped; a block without "end" runs to the end. The text is s without the
// blocks.
func uudecode(s string, room int) uuResult {
	var res uuResult
	var text strings.Builder
	copied := 0 // s[:copied] is in text or in a block
	for pos := 0; pos < len(s); {
		i := strings.Index(s[pos:], "begin")
		if i < 0 {
			break
		}
		i += pos
		line, next := lineAt(s, i)
		if i > 0 && s[i-1] != '\n' {
			pos = i + len("begin")
			continue
		}
		name, b64, ok := beginLine(strings.TrimRight(line, "\r"))
		if !ok {
			pos = next
			continue
		}
		decode := len(res.files) < room
		var data, b64buf []byte
		j := next
		for j < len(s) {
			l, after := lineAt(s, j)
			j = after
			l = strings.TrimRight(l, "\r")
			if l == "end" || (b64 && l == "====") {
				break
			}
			switch {
			case !decode:
			case b64:
				b64buf = append(b64buf, l...)
			default:
				data = append(data, uudecodeLine(l)...)
			}
		}
		text.WriteString(s[copied:i])
		copied, pos = j, j
		if !decode {
			res.omitted++
			continue
		}
		if b64 {
			data = decodeBase64(b64buf)
		}
		res.files = append(res.files, uuFile{Name: cleanFilename(name), Data: data})
	}
	if copied == 0 {
		res.text = s
		return res
	}
	if copied < len(s) {
		text.WriteString(s[copied:])
	}
	res.text = text.String()
	if copied >= len(s) {
		// The last block ended the text: no line end after what came before it.
		res.text = strings.TrimSuffix(res.text, "\n")
	}
	return res
}

// lineAt returns the line of s that starts at i, without its "\n", and where the next one
// starts.
func lineAt(s string, i int) (line string, next int) {
	if j := strings.IndexByte(s[i:], '\n'); j >= 0 {
		return s[i : i+j], i + j + 1
	}
	return s[i:], len(s)
}

// uudecodeLine decodes one uuencoded line: a length character, then groups
// of four characters each holding three bytes.
func uudecodeLine(l string) []byte {
	if l == "" {
		return nil
	}
	n := int((l[0] - ' ') & 63)
	if n == 0 {
		return nil
	}
	out := make([]byte, 0, n+3)
	for i := 1; i+3 < len(l)+3 && len(out) < n; i += 4 {
		var c [4]byte
		for k := 0; k < 4; k++ {
			if i+k < len(l) {
				c[k] = (l[i+k] - ' ') & 63
			}
		}
		out = append(out, c[0]<<2|c[1]>>4, c[1]<<4|c[2]>>2, c[2]<<6|c[3])
	}
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// uudecodePart decodes the body of a part whose Content-Transfer-Encoding
// is uuencode: a begin … end block, or the encoded lines alone.
func uudecodePart(body []byte) uuFile {
	if res := uudecode(string(body), 1); len(res.files) > 0 {
		return res.files[0]
	}
	var data []byte
	for _, l := range strings.Split(string(body), "\n") {
		l = strings.TrimRight(l, "\r")
		if l == "end" {
			break
		}
		data = append(data, uudecodeLine(l)...)
	}
	return uuFile{Data: data}
}
