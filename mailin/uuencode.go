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
	text  string
	files []uuFile
}

var uuBeginRe = regexp.MustCompile(`^begin(?:-base64)? +[0-7]{3,4} +(.+?)\s*$`)

// uudecode finds "begin MODE NAME" … "end" blocks in s (the traditional
// uuencoding, as sent by old mailers in a plain body) and decodes them.
// Lines that do not decode are skipped; a block without "end" runs to the end.
func uudecode(s string) uuResult {
	lines := strings.Split(s, "\n")
	var res uuResult
	var text []string
	for i := 0; i < len(lines); i++ {
		mm := uuBeginRe.FindStringSubmatch(strings.TrimRight(lines[i], "\r"))
		if mm == nil {
			text = append(text, lines[i])
			continue
		}
		b64 := strings.HasPrefix(lines[i], "begin-base64")
		var data []byte
		var b64buf []byte
		j := i + 1
		for ; j < len(lines); j++ {
			l := strings.TrimRight(lines[j], "\r")
			if l == "end" || (b64 && l == "====") {
				break
			}
			if b64 {
				b64buf = append(b64buf, l...)
				continue
			}
			data = append(data, uudecodeLine(l)...)
		}
		if b64 {
			data = decodeBase64(b64buf)
		}
		res.files = append(res.files, uuFile{Name: cleanFilename(mm[1]), Data: data})
		i = j
	}
	res.text = strings.Join(text, "\n")
	return res
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
	if res := uudecode(string(body)); len(res.files) > 0 {
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
