package mailin

import (
	"regexp"
	"strings"
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

var uuBeginRe = regexp.MustCompile(`^begin(?:-base64)? +[0-7]{3,4} +(.+?)\s*$`)

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
		mm := uuBeginRe.FindStringSubmatch(strings.TrimRight(line, "\r"))
		if mm == nil {
			pos = next
			continue
		}
		b64 := strings.HasPrefix(line, "begin-base64")
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
		res.files = append(res.files, uuFile{Name: cleanFilename(mm[1]), Data: data})
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
