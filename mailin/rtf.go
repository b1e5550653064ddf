package mailin

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
)

// Compressed RTF, the PR_RTF_COMPRESSED body of Outlook messages
// ([MS-OXRTFCP]).
const (
	rtfMagicCompressed   = 0x75465a4c // "LZFu"
	rtfMagicUncompressed = 0x414c454d // "MELA"
	maxRTFSize           = 32 << 20
	rtfDictSize          = 4096
)

// rtfPrebuf is the initial content of the dictionary ([MS-OXRTFCP] 2.1.2.1),
// 207 bytes.
const rtfPrebuf = "{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}" +
	"{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier" +
	"{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx"

// decompressRTF decompresses a PR_RTF_COMPRESSED value ([MS-OXRTFCP] 2.2.3).
// It checks the CRC of compressed data and every length against the data,
// and never writes more than the raw size in the header (at most 32 MB).
// For a stream that ends without its end marker it returns what it
// decompressed together with an error.
func decompressRTF(b []byte) ([]byte, error) {
	if len(b) < 16 {
		return nil, errors.New("compressed rtf: header truncated")
	}
	compSize := binary.LittleEndian.Uint32(b)
	rawSize := binary.LittleEndian.Uint32(b[4:])
	magic := binary.LittleEndian.Uint32(b[8:])
	crc := binary.LittleEndian.Uint32(b[12:])
	if compSize < 12 {
		return nil, fmt.Errorf("compressed rtf: compressed size %d too small", compSize)
	}
	if uint64(compSize) > uint64(len(b)-4) {
		return nil, fmt.Errorf("compressed rtf: truncated, %d of %d bytes", len(b)-4, compSize)
	}
	if rawSize > maxRTFSize {
		return nil, fmt.Errorf("compressed rtf: raw size %d too large", rawSize)
	}
	data := b[16 : 4+compSize]
	switch magic {
	case rtfMagicUncompressed:
		if uint64(rawSize) > uint64(len(data)) {
			return nil, fmt.Errorf("compressed rtf: uncompressed data truncated, %d of %d bytes", len(data), rawSize)
		}
		return bytes.Clone(data[:rawSize]), nil
	case rtfMagicCompressed:
	default:
		return nil, fmt.Errorf("compressed rtf: unknown type %#x", magic)
	}
	if c := rtfCRC(data); c != crc {
		return nil, fmt.Errorf("compressed rtf: crc %#08x, header says %#08x", c, crc)
	}

	var dict [rtfDictSize]byte
	copy(dict[:], rtfPrebuf)
	w := len(rtfPrebuf) // write offset in dict
	// Each control byte and its 8 tokens (at most 16 bytes) give at most
	// 8*17 bytes, so the input bounds the output as well.
	out := make([]byte, 0, min(int(rawSize), 9*len(data)+16))
	in := 0
	for in < len(data) {
		control := data[in]
		in++
		for bit := 0; bit < 8; bit++ {
			if control&(1<<bit) == 0 {
				if in >= len(data) {
					break
				}
				c := data[in]
				in++
				if len(out) >= int(rawSize) {
					return out, errors.New("compressed rtf: longer than its raw size")
				}
				out = append(out, c)
				dict[w] = c
				w = (w + 1) % rtfDictSize
				continue
			}
			if len(data)-in < 2 {
				in = len(data)
				break
			}
			ref := int(data[in])<<8 | int(data[in+1])
			in += 2
			off, n := ref>>4, ref&0xF+2
			if off == w {
				return out, nil // end marker
			}
			if len(out)+n > int(rawSize) {
				return out, errors.New("compressed rtf: longer than its raw size")
			}
			for i := range n {
				c := dict[(off+i)%rtfDictSize]
				out = append(out, c)
				dict[w] = c
				w = (w + 1) % rtfDictSize
			}
		}
	}
	if len(out) == int(rawSize) {
		return out, nil
	}
	return out, fmt.Errorf("compressed rtf: ends without end marker after %d of %d bytes", len(out), rawSize)
}

// rtfCRC is the CRC of [MS-OXRTFCP] 3.1.3.2: the CRC-32 table of IEEE 802.3,
// but starting from 0 and without the final inversion.
func rtfCRC(b []byte) uint32 {
	return ^crc32.Update(^uint32(0), crc32.IEEETable, b)
}

// Limits for rtfToText against hostile input.
const (
	maxRTFGroupDepth = 200 // deeper groups share the state of this depth
	maxRTFWordLen    = 32  // control word letters; longer ones are cut
	// maxRTFText is the most text (or encapsulated HTML) read from one RTF body. Compressed
	// RTF expands up to eight-fold: 5.5 MB of it in a winmail.dat gave 23 MB of text. Longer
	// text is cut (the winmail.dat stays in the raw mail).
	maxRTFText = 2 << 20
	maxPending = 4 << 10 // \'hh bytes decoded at a time
)

// rtfDestinations are groups whose text is not document text: tables,
// metadata, pictures, embedded objects, page headers and footers, field
// instructions (the field result is kept), notes.
var rtfDestinations = map[string]bool{
	"fonttbl": true, "colortbl": true, "stylesheet": true, "info": true, "pict": true,
	"object": true, "objdata": true, "header": true, "headerl": true, "headerr": true,
	"headerf": true, "footer": true, "footerl": true, "footerr": true, "footerf": true,
	"fldinst": true, "listtable": true, "listoverridetable": true, "revtbl": true,
	"rsidtbl": true, "filetbl": true, "generator": true, "xmlnstbl": true, "themedata": true,
	"colorschememapping": true, "latentstyles": true, "datastore": true, "footnote": true,
	"annotation": true, "atnid": true, "atnauthor": true, "private": true, "pgdsctbl": true,
	"mmathPr": true, "docvar": true, "nonshppict": true, "shppict": true, "sp": true,
}

// rtfSpecials are control words that stand for text.
var rtfSpecials = map[string]string{
	"par": "\n", "line": "\n", "sect": "\n", "page": "\n", "row": "\n", "tab": "\t", "cell": "\t",
	"emdash": "\u2014", "endash": "\u2013", "bullet": "\u2022", "lquote": "\u2018", "rquote": "\u2019",
	"ldblquote": "\u201C", "rdblquote": "\u201D", "emspace": " ", "enspace": " ", "qmspace": " ",
}

// rtfState is the part of the RTF state saved and restored with groups.
type rtfState struct {
	skip    bool // in a destination that is not document text
	htmltag bool // in {\*\htmltag}: HTML, also where \htmlrtf is on
	htmlrtf bool // \htmlrtf: RTF-only text of encapsulated HTML
	uc      int  // \ucN: characters to skip after \uN
}

type rtfConv struct {
	in       []byte
	pos      int
	out      strings.Builder
	pending  []byte // \'hh bytes not decoded yet
	codepage int
	dec      *encoding.Decoder // for codepage, made on first use
	html     bool              // \fromhtml1: the RTF encapsulates HTML
	st       rtfState
	stack    []rtfState
	deep     int  // groups opened beyond maxRTFGroupDepth
	skipN    int  // characters still to skip after \uN
	high     rune // a high surrogate from \uN waiting for its low half
}

// rtfToText converts an RTF document to text. RTF that encapsulates HTML
// ([MS-OXRTFEX], \fromhtml1) is de-encapsulated and returned as html, with
// text ""; other RTF is returned as plain text, with html "". Both are
// valid UTF-8.
// todo: follow the \fcharset of fonts; the document's \ansicpg is used for
// all \'hh bytes.
func rtfToText(rtf []byte) (text string, html string) {
	c := &rtfConv{in: rtf, codepage: 1252, st: rtfState{uc: 1}}
	c.run()
	c.flush()
	s := toValidUTF8(c.out.String(), "\uFFFD")
	if c.html {
		return "", s
	}
	return strings.TrimSpace(s), ""
}

// emitting says whether text at this point is output.
func (c *rtfConv) emitting() bool {
	if c.st.skip {
		return false
	}
	if c.html {
		return c.st.htmltag || !c.st.htmlrtf
	}
	return true
}

func (c *rtfConv) run() {
	groupStart := false // just after {, where a destination word may come
	starred := false    // {\* seen: an ignorable destination
	for c.pos < len(c.in) && c.out.Len() < maxRTFText {
		ch := c.in[c.pos]
		c.pos++
		switch ch {
		case '{':
			c.skipN = 0
			if len(c.stack) < maxRTFGroupDepth {
				c.stack = append(c.stack, c.st)
			} else {
				c.deep++
			}
			groupStart, starred = true, false
		case '}':
			c.skipN = 0
			if c.deep > 0 {
				c.deep--
			} else if len(c.stack) > 0 {
				c.st = c.stack[len(c.stack)-1]
				c.stack = c.stack[:len(c.stack)-1]
				if len(c.stack) == 0 {
					return // the end of the document
				}
			}
			groupStart, starred = false, false
		case '\\':
			if c.pos >= len(c.in) {
				return
			}
			next := c.in[c.pos]
			if isASCIILetter(next) {
				word, param, hasParam := c.controlWord()
				if groupStart {
					c.destination(word, starred)
				}
				groupStart, starred = false, false
				c.word(word, param, hasParam)
				continue
			}
			c.pos++
			if next == '*' && groupStart {
				starred = true
				continue
			}
			groupStart, starred = false, false
			c.symbol(next)
		case '\r', '\n', 0:
			// Line breaks in the source are not text, nor is a NUL.
		default:
			groupStart, starred = false, false
			if c.skipN > 0 {
				c.skipN--
				continue
			}
			if !c.emitting() {
				continue
			}
			if ch >= 0x80 || len(c.pending) > 0 {
				// With bytes pending, ASCII is decoded with them: in
				// double-byte code pages it may be the trail byte.
				c.pending = append(c.pending, ch)
				if len(c.pending) >= maxPending {
					c.flush()
				}
				continue
			}
			c.flush()
			c.out.WriteByte(ch)
		}
	}
}

// controlWord reads a control word after its backslash: letters, an optional
// signed decimal parameter, and the space that may end it.
func (c *rtfConv) controlWord() (word string, param int, hasParam bool) {
	start := c.pos
	for c.pos < len(c.in) && isASCIILetter(c.in[c.pos]) {
		c.pos++
	}
	word = string(c.in[start:min(c.pos, start+maxRTFWordLen)])
	neg := false
	if c.pos < len(c.in) && c.in[c.pos] == '-' && c.pos+1 < len(c.in) && isASCIIDigit(c.in[c.pos+1]) {
		neg = true
		c.pos++
	}
	digits := 0
	for c.pos < len(c.in) && isASCIIDigit(c.in[c.pos]) {
		if digits < 10 { // RTF parameters are 16 or 32 bits; more digits are cut
			param = param*10 + int(c.in[c.pos]-'0')
		}
		digits++
		c.pos++
	}
	hasParam = digits > 0
	if neg {
		param = -param
	}
	if c.pos < len(c.in) && c.in[c.pos] == ' ' {
		c.pos++
	}
	return word, param, hasParam
}

// destination applies the first control word of a group.
func (c *rtfConv) destination(word string, starred bool) {
	switch {
	case starred && c.html && word == "htmltag":
		c.st.htmltag = true
		c.st.skip = false
	case starred || rtfDestinations[word]:
		c.st.skip = true
	}
}

// word handles a control word.
func (c *rtfConv) word(word string, param int, hasParam bool) {
	if word == "bin" {
		// Binary data: param bytes, not text, one character for \uc.
		n := max(param, 0)
		c.pos += min(n, len(c.in)-c.pos)
		if c.skipN > 0 {
			c.skipN--
		}
		return
	}
	if c.skipN > 0 {
		c.skipN--
		return
	}
	switch word {
	case "fromhtml":
		if !hasParam || param == 1 {
			c.html = true
		}
	case "ansicpg":
		if hasParam && param > 0 {
			c.setCodepage(param)
		}
	case "mac":
		c.setCodepage(10000)
	case "pc":
		c.setCodepage(437)
	case "pca":
		c.setCodepage(850)
	case "uc":
		if hasParam && param >= 0 && param <= 10 {
			c.st.uc = param
		}
	case "htmlrtf":
		c.st.htmlrtf = !hasParam || param != 0
	case "u":
		if !hasParam {
			return
		}
		if c.emitting() {
			c.unicode(param)
		}
		c.skipN = c.st.uc
	default:
		if s, ok := rtfSpecials[word]; ok && c.emitting() {
			if c.html && s == "\n" {
				s = "\r\n"
			}
			c.writeString(s)
		}
	}
}

func (c *rtfConv) setCodepage(cp int) {
	if cp != c.codepage {
		c.flush()
		c.codepage, c.dec = cp, nil
	}
}

// symbol handles a control symbol: a backslash and one non-letter.
func (c *rtfConv) symbol(ch byte) {
	if ch == '\'' {
		// \'hh: a byte in the code page.
		if len(c.in)-c.pos < 2 {
			c.pos = len(c.in)
			return
		}
		if !isHex(c.in[c.pos]) || !isHex(c.in[c.pos+1]) {
			return
		}
		b := unhex(c.in[c.pos])<<4 | unhex(c.in[c.pos+1])
		c.pos += 2
		if c.skipN > 0 {
			c.skipN--
			return
		}
		if c.emitting() {
			c.pending = append(c.pending, b)
		}
		return
	}
	if c.skipN > 0 {
		c.skipN--
		return
	}
	if !c.emitting() {
		return
	}
	switch ch {
	case '\\', '{', '}':
		if len(c.pending) > 0 {
			c.pending = append(c.pending, ch)
			return
		}
		c.out.WriteByte(ch)
	case '~':
		c.writeString("\u00A0")
	case '_':
		c.writeString("\u2011")
	case '\r', '\n':
		if c.html {
			c.writeString("\r\n")
		} else {
			c.writeString("\n")
		}
	}
}

// unicode writes the character of \uN; N is a signed 16-bit value.
func (c *rtfConv) unicode(n int) {
	if n < 0 {
		n += 0x10000
	}
	r := rune(n)
	if r < 0 || r > 0xFFFF {
		r = utf8.RuneError
	}
	if r >= 0xD800 && r < 0xDC00 {
		c.flush()
		c.high = r
		return
	}
	if r >= 0xDC00 && r < 0xE000 && c.high != 0 {
		r = (c.high-0xD800)<<10 | (r - 0xDC00) + 0x10000
		c.high = 0
		c.out.WriteRune(r)
		return
	}
	c.writeString(string(r))
}

// writeString writes decoded text after any pending bytes.
func (c *rtfConv) writeString(s string) {
	c.flush()
	c.out.WriteString(s)
}

// flush decodes the pending \'hh bytes in the document code page.
func (c *rtfConv) flush() {
	if c.high != 0 {
		c.out.WriteRune(utf8.RuneError) // a lone high surrogate
		c.high = 0
	}
	if len(c.pending) == 0 {
		return
	}
	if c.dec == nil {
		c.dec = codepageEncoding(c.codepage).NewDecoder()
	}
	s, err := c.dec.Bytes(c.pending)
	if err != nil {
		s = c.pending
	}
	c.out.WriteString(toValidUTF8(string(s), "\uFFFD"))
	c.pending = c.pending[:0]
}

// codepageEncoding returns the encoding of a Windows code page, as RTF's
// \ansicpg names it; unknown code pages are read as Windows-1252.
func codepageEncoding(cp int) encoding.Encoding {
	label := ""
	switch {
	case cp >= 1250 && cp <= 1258, cp == 874:
		label = fmt.Sprintf("windows-%d", cp)
	case cp == 932:
		label = "shift_jis"
	case cp == 936:
		label = "gbk"
	case cp == 949:
		label = "euc-kr"
	case cp == 950:
		label = "big5"
	case cp == 866:
		label = "ibm866"
	case cp == 10000:
		label = "macintosh"
	case cp == 20866:
		label = "koi8-r"
	case cp == 21866:
		label = "koi8-u"
	case cp >= 28591 && cp <= 28606:
		label = fmt.Sprintf("iso-8859-%d", cp-28590)
	case cp == 65001:
		label = "utf-8"
	}
	switch cp {
	case 437:
		return charmap.CodePage437
	case 850:
		return charmap.CodePage850
	}
	if label != "" {
		if e, err := htmlindex.Get(label); err == nil {
			return e
		}
	}
	return charmap.Windows1252
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isASCIIDigit(c byte) bool  { return c >= '0' && c <= '9' }
