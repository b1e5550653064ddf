package mailin

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// The two compressed examples of [MS-OXRTFCP] section 3.1.
var (
	rtfSpecHello = mustHex("2d0000002b0000004c5a4675f1c5c7a7" +
		"03000a0072637067313235423" + "20af32068656c0900206277" + "05b06c647d0a800fa0")
	rtfSpecWXYZ = mustHex("1a0000001c0000004c5a4675e2d44b51" + "410004205758595a0d6e7d010eb0")
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func TestRTFPrebuf(t *testing.T) {
	if len(rtfPrebuf) != 207 {
		t.Fatalf("initial dictionary is %d bytes, want 207", len(rtfPrebuf))
	}
}

func TestDecompressRTFSpec(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   []byte
		want string
	}{
		{"hello", rtfSpecHello, "{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n"},
		{"overlapping reference", rtfSpecWXYZ, "{\\rtf1 WXYZWXYZWXYZWXYZWXYZ}"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decompressRTF(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// rtfToken is a literal byte (ref false) or a dictionary reference.
type rtfToken struct {
	ref    bool
	lit    byte
	off, n int
}

// encodeRTF writes tokens as an LZFu stream with its header, the end marker
// after the tokens when end is set, and a correct CRC.
func encodeRTF(tokens []rtfToken, rawSize int, end bool) []byte {
	var data []byte
	w := len(rtfPrebuf)
	var group []byte
	control, nbits := byte(0), 0
	put := func() {
		data = append(data, control)
		data = append(data, group...)
		control, nbits, group = 0, 0, nil
	}
	for _, tk := range tokens {
		if tk.ref {
			control |= 1 << nbits
			v := tk.off<<4 | (tk.n - 2)
			group = append(group, byte(v>>8), byte(v))
			w = (w + tk.n) % rtfDictSize
		} else {
			group = append(group, tk.lit)
			w = (w + 1) % rtfDictSize
		}
		if nbits++; nbits == 8 {
			put()
		}
	}
	if end {
		control |= 1 << nbits
		group = append(group, byte(w>>4), byte(w<<4))
		nbits++
	}
	if nbits > 0 {
		put()
	}
	h := make([]byte, 16)
	binary.LittleEndian.PutUint32(h, uint32(12+len(data)))
	binary.LittleEndian.PutUint32(h[4:], uint32(rawSize))
	binary.LittleEndian.PutUint32(h[8:], rtfMagicCompressed)
	binary.LittleEndian.PutUint32(h[12:], rtfCRC(data))
	return append(h, data...)
}

// compressRTF is a naive greedy compressor for the tests: it looks for the
// longest match in the dictionary and emits a reference or a literal.
func compressRTF(raw []byte) []byte {
	var dict [rtfDictSize]byte
	copy(dict[:], rtfPrebuf)
	w := len(rtfPrebuf)
	var tokens []rtfToken
	for i := 0; i < len(raw); {
		bestOff, bestN := 0, 0
		for off := range rtfDictSize {
			if off == w {
				continue
			}
			// Simulate the copy, which may overlap the bytes it writes.
			tmp := dict
			tw := w
			n := 0
			for n < 17 && i+n < len(raw) {
				c := tmp[(off+n)%rtfDictSize]
				if c != raw[i+n] {
					break
				}
				tmp[tw] = c
				tw = (tw + 1) % rtfDictSize
				n++
			}
			if n > bestN {
				bestOff, bestN = off, n
			}
		}
		if bestN >= 2 {
			tokens = append(tokens, rtfToken{ref: true, off: bestOff, n: bestN})
		} else {
			bestN = 1
			tokens = append(tokens, rtfToken{lit: raw[i]})
		}
		for k := range bestN {
			dict[w] = raw[i+k]
			w = (w + 1) % rtfDictSize
		}
		i += bestN
	}
	return encodeRTF(tokens, len(raw), true)
}

func TestDecompressRTFRoundTrip(t *testing.T) {
	long := strings.Repeat("{\\rtf1\\ansi Bonjour, l\\'e9cran reste noir. ", 150) // > 4096: the dictionary wraps
	for _, raw := range []string{
		"",
		"{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n",
		"{\\rtf1 WXYZWXYZWXYZWXYZWXYZ}",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		long,
	} {
		c := compressRTF([]byte(raw))
		got, err := decompressRTF(c)
		if err != nil {
			t.Fatalf("%.40q: %v", raw, err)
		}
		if string(got) != raw {
			t.Fatalf("round trip of %d bytes gave %d bytes: %.60q", len(raw), len(got), got)
		}
	}
	if len(compressRTF([]byte(long))) >= len(long)/2 {
		t.Errorf("compressor does not compress: test references are not exercised")
	}
}

func TestDecompressRTFErrors(t *testing.T) {
	badCRC := bytes.Clone(rtfSpecHello)
	badCRC[20] ^= 1
	badMagic := bytes.Clone(rtfSpecHello)
	copy(badMagic[8:], "ABCD")
	huge := bytes.Clone(rtfSpecHello)
	binary.LittleEndian.PutUint32(huge[4:], 1<<30)
	short := bytes.Clone(rtfSpecHello)
	binary.LittleEndian.PutUint32(short[4:], 10) // raw size smaller than the output
	noEnd := encodeRTF([]rtfToken{{lit: 'a'}, {lit: 'b'}}, 5, false)
	for _, tt := range []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"header only", rtfSpecHello[:15]},
		{"truncated", rtfSpecHello[:len(rtfSpecHello)-1]},
		{"truncated data", rtfSpecHello[:30]},
		{"crc mismatch", badCRC},
		{"unknown type", badMagic},
		{"raw size too large", huge},
		{"raw size too small", short},
		{"no end marker", noEnd},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, err := decompressRTF(tt.in)
			if err == nil {
				t.Fatalf("no error, got %q", out)
			}
		})
	}
	// Without an end marker but with the whole raw size: accepted.
	full := encodeRTF([]rtfToken{{lit: 'a'}, {lit: 'b'}}, 2, false)
	if out, err := decompressRTF(full); err != nil || string(out) != "ab" {
		t.Fatalf("got %q, %v", out, err)
	}
}

func TestDecompressRTFUncompressed(t *testing.T) {
	body := "{\\rtf1 plain}"
	b := make([]byte, 16)
	binary.LittleEndian.PutUint32(b, uint32(12+len(body)))
	binary.LittleEndian.PutUint32(b[4:], uint32(len(body)))
	copy(b[8:], "MELA")
	b = append(b, body...)
	got, err := decompressRTF(b)
	if err != nil || string(got) != body {
		t.Fatalf("got %q, %v", got, err)
	}
	binary.LittleEndian.PutUint32(b[4:], uint32(len(body)+1))
	if _, err := decompressRTF(b); err == nil {
		t.Fatal("raw size beyond the data: no error")
	}
}

const rtfHTMLSample = `{\rtf1\ansi\ansicpg1252\fromhtml1 \fbidis \deff0{\fonttbl
{\f0\fswiss\fcharset0 Arial;}}
{\colortbl\red0\green0\blue0;}
\uc1\pard\plain\deftab360 \f0\fs24
{\*\htmltag19 <html>}
{\*\htmltag34 <head>}
{\*\htmltag161 <style>}
{\*\htmltag241 p \{ margin: 0 \}}
{\*\htmltag169 </style>}
{\*\htmltag41 </head>}
{\*\htmltag50 <body>}\htmlrtf {\htmlrtf0
{\*\htmltag64 <p>}\htmlrtf {\htmlrtf0 L\'e9cran de Ren\u233?e est noir\htmlrtf\par\htmlrtf0
{\*\htmltag244 <o:p>}{\*\htmltag252 </o:p>}{\*\htmltag72 </p>}
\htmlrtf }\htmlrtf0
{\*\htmltag58 </body>}
{\*\htmltag27 </html>}}`

func TestRTFToText(t *testing.T) {
	for _, tt := range []struct {
		name, in, want string
	}{
		{"spec example", "{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n", "hello world"},
		{"accents", `{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\fswiss Arial;}}{\colortbl ;\red255\green0\blue0;}` +
			`{\*\generator Riched20 10.0;}\viewkind4\uc1\pard\f0\fs20 L'\'e9cran de Ren\u233?e\par` +
			"\r\n" + `Merci d\u8217'avance\tab fin\line \{x\} \\ ok\par}`,
			"L'écran de Renée\nMerci d’avance\tfin\n{x} \\ ok"},
		{"negative \\u and \\uc2", `{\rtf1\uc2 a\u-3913\'83\'41b}`, "a\uF0B7b"},
		{"surrogate pair", `{\rtf1\uc1 \u-10179?\u-8704?!}`, "😀!"},
		{"code page 1251", `{\rtf1\ansi\ansicpg1251 \'cf\'f0\'e8\'e2\'e5\'f2}`, "Привет"},
		{"shift_jis", `{\rtf1\ansi\ansicpg932 \'93\'fa\'96\'7b}`, "日本"},
		{"skipped destinations", `{\rtf1{\info{\title T}{\author A}}{\header H}{\*\unknown x}` +
			`{\pict\pngblip 89504e47}{\field{\*\fldinst HYPERLINK "u"}{\fldrslt link}} text}`, "link text"},
		{"bin", `{\rtf1 a{\*\blob\bin3 }}}}b}`, "ab"},
		{"unclosed", `{\rtf1 a{{b}`, "ab"},
		{"after the document", "{\\rtf1 a}\r\nb\x00", "a"},
		{"nul", "{\\rtf1 a\x00b}", "ab"},
		{"invalid bytes", "{\\rtf1\\ansicpg65001 \\'ff\xff}", "\uFFFD\uFFFD"},
		{"big5 trail byte escaped", `{\rtf1\ansi\ansicpg950 \'b3\\ ok}`, "\u8a31 ok"},
		{"gbk trail byte in ascii", `{\rtf1\ansi\ansicpg936 \'81@}`, "\u4e02"},
		{"code page 437", `{\rtf1\pc \'82t\'82}`, "été"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			text, html := rtfToText([]byte(tt.in))
			if html != "" {
				t.Fatalf("html %q for plain rtf", html)
			}
			if text != tt.want {
				t.Fatalf("got %q, want %q", text, tt.want)
			}
		})
	}
}

func TestRTFToTextHTML(t *testing.T) {
	text, html := rtfToText([]byte(rtfHTMLSample))
	if text != "" {
		t.Errorf("text %q for encapsulated html", text)
	}
	want := "<html><head><style>p { margin: 0 }</style></head><body>" +
		"<p>Lécran de Renée est noir<o:p></o:p></p></body></html>"
	if got := strings.Join(strings.Fields(html), ""); got != strings.Join(strings.Fields(want), "") {
		t.Fatalf("got\n%q\nwant\n%q", html, want)
	}
	if got := HTMLToText(html); !strings.Contains(got, "Lécran de Renée est noir") {
		t.Fatalf("HTMLToText: %q", got)
	}
}

// TestTNEFRTFBody checks that a winmail.dat whose only body is compressed
// RTF gives the mail its text.
func TestTNEFRTFBody(t *testing.T) {
	for _, tt := range []struct {
		name, rtf, want string
	}{
		{"plain", `{\rtf1\ansi\ansicpg1252 Mon \'e9cran est noir.\par Merci}`, "Mon écran est noir.\nMerci"},
		{"html", rtfHTMLSample, "Lécran de Renée est noir"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			blob := tnefWithProps(mapiBinaryProp(prRTFCompressed, compressRTF([]byte(tt.rtf))))
			tn, err := DecodeTNEF(blob)
			if err != nil {
				t.Fatal(err)
			}
			if got := tn.Text + HTMLToText(tn.HTML); !strings.Contains(got, tt.want) {
				t.Fatalf("tnef body %q, want %q", got, tt.want)
			}
			raw := "From: a@example.com\r\nSubject: x\r\nMIME-Version: 1.0\r\n" +
				"Content-Type: application/ms-tnef; name=winmail.dat\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
				base64Std(blob) + "\r\n"
			m, err := Parse([]byte(raw), ParseOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(m.Text, tt.want) {
				t.Fatalf("mail text %q, want %q (problems %q)", m.Text, tt.want, m.Problems)
			}
		})
	}
}

// tnefWithProps builds a TNEF blob with one attMAPIProps attribute.
func tnefWithProps(props ...[]byte) []byte {
	val := binary.LittleEndian.AppendUint32(nil, uint32(len(props)))
	for _, p := range props {
		val = append(val, p...)
	}
	b := binary.LittleEndian.AppendUint32(nil, tnefSignature)
	b = append(b, 0x01, 0x00) // legacy key
	b = append(b, 1)          // message level
	b = binary.LittleEndian.AppendUint32(b, 0x00060000|attMAPIProps)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(val)))
	b = append(b, val...)
	var sum uint16
	for _, c := range val {
		sum += uint16(c)
	}
	return binary.LittleEndian.AppendUint16(b, sum)
}

// mapiBinaryProp encodes one PT_BINARY property.
func mapiBinaryProp(id uint16, v []byte) []byte {
	b := binary.LittleEndian.AppendUint32(nil, uint32(id)<<16|ptBinary)
	b = binary.LittleEndian.AppendUint32(b, 1)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(v)))
	b = append(b, v...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// TestCorpusTNEFRTF decompresses the RTF body of every blob of
// verdammelt/tnef that has one and converts it to text.
func TestCorpusTNEFRTF(t *testing.T) {
	dir := corpusDir(t, "parse_tnef_winmail")
	files, err := filepath.Glob(filepath.Join(dir, "*.tnef"))
	if err != nil {
		t.Fatal(err)
	}
	withRTF, htmls := 0, 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		tn, _ := DecodeTNEF(data)
		if tn == nil || tn.rtf == nil {
			continue
		}
		withRTF++
		rtf, err := decompressRTF(tn.rtf)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		text, html := rtfToText(rtf)
		if html != "" {
			htmls++
			text = HTMLToText(html)
		}
		if strings.TrimSpace(text) == "" || !utf8.ValidString(text) || !utf8.ValidString(html) {
			t.Errorf("%s: empty or invalid text %q", filepath.Base(f), text)
		}
	}
	if withRTF == 0 {
		t.Fatal("no blob with an RTF body")
	}
	t.Logf("tnef: %d/%d blobs have an RTF body, all decompressed to text (%d encapsulate HTML)", withRTF, len(files), htmls)
}

func FuzzRTF(f *testing.F) {
	f.Add(rtfSpecHello)
	f.Add(rtfSpecWXYZ)
	f.Add(compressRTF([]byte(rtfHTMLSample)))
	f.Add([]byte(rtfHTMLSample))
	f.Add([]byte(`{\rtf1\ansi\ansicpg1252 L'\'e9cran de Ren\u233?e\par{\*\x y}\bin2 ab\uc0\u-3913}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		rtf, _ := decompressRTF(in)
		if len(rtf) > maxRTFSize {
			t.Fatalf("output of %d bytes", len(rtf))
		}
		for _, r := range [][]byte{rtf, in} {
			text, html := rtfToText(r)
			if !utf8.ValidString(text) || !utf8.ValidString(html) {
				t.Fatalf("invalid UTF-8 out: %q %q", text, html)
			}
		}
	})
}
