package mailin

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gogs/chardet"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// Text of unknown or doubtful charset (raw 8-bit header bytes, a body whose
// declared charset is missing or wrong) is read in this order: valid UTF-8;
// the charset the message declares for its text part (the hint); mostly
// UTF-8 with a few stray 8-bit bytes; then the charset detected. Windows-1252
// is only the last resort.

// candidate is a charset detection may answer.
type candidate struct {
	label string
	enc   encoding.Encoding
	score func(s string) float64 // plausibility of the decoded text, per 8-bit character
}

var candidates = []candidate{
	{"windows-1252", charmap.Windows1252, scoreLatin},
	{"gb18030", simplifiedchinese.GB18030, scoreCJK(simplifiedchinese.GBK, gbkWeight)},
	{"big5", traditionalchinese.Big5, scoreCJK(traditionalchinese.Big5, big5Weight)},
	{"shift_jis", japanese.ShiftJIS, scoreCJK(japanese.ShiftJIS, sjisWeight)},
	{"euc-jp", japanese.EUCJP, scoreCJK(japanese.EUCJP, eucjpWeight)},
	{"euc-kr", korean.EUCKR, scoreCJK(korean.EUCKR, euckrWeight)},
	{"windows-1251", charmap.Windows1251, scoreCyrillic},
	{"koi8-r", charmap.KOI8R, scoreCyrillic},
}

var multiByte = map[string]bool{"gb18030": true, "big5": true, "shift_jis": true, "euc-jp": true, "euc-kr": true}

// chardetLabels maps the answers of the detector library to our candidates.
var chardetLabels = map[string]string{
	"ISO-8859-1": "windows-1252", "windows-1252": "windows-1252", "GB18030": "gb18030", "Big5": "big5",
	"Shift_JIS": "shift_jis", "EUC-JP": "euc-jp", "EUC-KR": "euc-kr", "windows-1251": "windows-1251",
	"KOI8-R": "koi8-r", "ISO-2022-JP": "iso-2022-jp",
}

func candidateByLabel(label string) *candidate {
	for i := range candidates {
		if candidates[i].label == label {
			return &candidates[i]
		}
	}
	return nil
}

// decodeStrict decodes b with enc and reports whether every byte sequence
// was valid in it.
func decodeStrict(enc encoding.Encoding, b []byte) (string, bool) {
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return "", false
	}
	s := string(out)
	return s, strings.Count(s, "\uFFFD") == bytes.Count(b, []byte("\uFFFD"))
}

// decode8bit returns b, text of unknown or doubtful charset, as valid UTF-8.
// hint is the charset the message declares for its text ("" if none).
func decode8bit(b []byte, hint string) string {
	hint = strings.ToLower(strings.Trim(hint, "\" '"))
	if utf8.Valid(b) {
		if isUTF7Label(hint) && bytes.IndexByte(b, '+') >= 0 && bytes.IndexByte(b, '\x1b') < 0 {
			return decodeUTF7(b)
		}
		if bytes.IndexByte(b, '\x1b') < 0 {
			return string(b)
		}
	}
	switch hint {
	case "", "us-ascii", "ascii", "utf-8", "utf8", "utf-7":
	default:
		if r, err := charsetReader(hint, bytes.NewReader(b)); err == nil {
			var out bytes.Buffer
			if _, err := out.ReadFrom(r); err == nil && utf8.Valid(out.Bytes()) && bytes.Count(out.Bytes(), []byte("\uFFFD")) == bytes.Count(b, []byte("\uFFFD")) {
				return out.String()
			}
		}
	}
	if bytes.IndexByte(b, '\x1b') >= 0 {
		if s, ok := decodeStrict(japanese.ISO2022JP, b); ok {
			return s
		}
	}
	if s, ok := repairUTF8(b); ok {
		return s
	}
	if c := candidateByLabel(detectCharset(sample(b))); c != nil {
		if s, ok := decodeStrict(c.enc, b); ok {
			return s
		}
	}
	s, _ := decodeStrict(charmap.Windows1252, b)
	return toValidUTF8(s, "\uFFFD")
}

// isPlainText reports whether s is valid UTF-8 without the escape sequences
// of ISO-2022 charsets, that is, text to take as it is.
func isPlainText(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, '\x1b') < 0
}

// headerCharset detects the charset of the raw 8-bit text of a header and
// of the file names of a message (see scanPartFields), taken together: one
// mailer wrote them all, and detection is surer on more text. It is the
// hint of a message that declares no charset for its text.
func headerCharset(values []string) string {
	var b []byte
	for _, v := range values {
		if !isPlainText(v) && len(b) < 4096 {
			b = append(append(b, v...), ' ')
		}
	}
	if len(b) == 0 {
		return ""
	}
	b = bytes.TrimSuffix(b, []byte(" "))
	if bytes.IndexByte(b, '\x1b') >= 0 {
		if _, ok := decodeStrict(japanese.ISO2022JP, b); ok {
			return "iso-2022-jp"
		}
	}
	if utf8.Valid(b) {
		return ""
	}
	if _, ok := repairUTF8(b); ok {
		return ""
	}
	return detectCharset(sample(b))
}

func has8bit(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 || c == 0x1b {
			return true
		}
	}
	return false
}

var fileNameRe = lazyCompile(`(?i)\bfile(?:name)?=("[^"\r\n]*"|[^;\s]*)|\bname=("[^"\r\n]*"|[^;\s]*)`)

// maxSample is how much of a text detection looks at.
const maxSample = 16 << 10

// sample returns the start of b for detection, cut before a byte that may
// begin a multi-byte character.
func sample(b []byte) []byte {
	if len(b) <= maxSample {
		return b
	}
	cut := maxSample
	for i := maxSample; i > maxSample-64; i-- {
		if b[i-1] < 0x80 {
			cut = i
			break
		}
	}
	return b[:cut]
}

func isUTF7Label(l string) bool {
	return l == "utf-7" || l == "unicode-1-1-utf-7" || l == "csunicode11utf7"
}

// repairUTF8 reads b as UTF-8 with a few stray 8-bit bytes (a Latin-1
// character pasted into UTF-8 text), each read as Windows-1252. It declines
// when b holds no valid multi-byte sequence or too many stray bytes.
func repairUTF8(b []byte) (string, bool) {
	var valid, stray int
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			stray++
		case n > 1:
			valid++
		}
		i += n
	}
	if valid == 0 || stray*4 > valid {
		return "", false
	}
	var sb strings.Builder
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			s, _ := decodeStrict(charmap.Windows1252, b[i:i+1])
			sb.WriteString(s)
		} else {
			sb.Write(b[i : i+n])
		}
		i += n
	}
	return sb.String(), true
}

// The detector library's answer is taken as it is for texts of
// minLibraryLength bytes or more, from minLibraryConfidence.
const (
	minLibraryLength     = 100
	minLibraryConfidence = 50
)

// detectCharset guesses the charset of b, which is not valid UTF-8. The
// detector library (gogs/chardet, a port of ICU's) is right on a body, but
// on a subject, a name or a file name of a few characters it mostly answers
// with a tie at confidence 10. On short text, each candidate charset that
// decodes b without error is scored by how plausible the text it gives is
// (common characters of the language, well-formed words), and the library
// arbitrates between CJK charsets. TestCharsetDetection measures both, on
// short subjects, names and file names in ten charsets: the library alone
// reads 76 to 80 of 145 right (its ties are broken in no fixed order), this
// 138/145; on 66 strings written after the tuning, 36-38/66 and 63/66. Its
// weak spot is EUC-JP text without kana, which is also valid GB2312.
func detectCharset(b []byte) string {
	if len(b) >= minLibraryLength {
		if r, err := chardet.NewTextDetector().DetectBest(b); err == nil && r.Confidence >= minLibraryConfidence {
			if l, ok := chardetLabels[r.Charset]; ok {
				return l
			}
		}
	}
	scores := map[string]float64{}
	best, bestScore := "windows-1252", -1e9
	for _, c := range candidates {
		s, ok := decodeStrict(c.enc, b)
		if !ok {
			continue
		}
		sc := c.score(s)
		scores[c.label] = sc
		if sc > bestScore {
			best, bestScore = c.label, sc
		}
	}
	if !multiByte[best] || len(b) >= minLibraryLength {
		return best
	}
	// Between CJK charsets, the library decides if it can: it does not
	// judge fewer than ten double-byte characters, but repeated they let
	// its tables of each language's most common characters speak. Among
	// its best answers (ties included), the best scored wins.
	rep := bytes.Repeat(append(append([]byte(nil), b...), ' '), 200/len(b)+1)
	rs, err := chardet.NewTextDetector().DetectAll(rep)
	if err != nil {
		return best
	}
	top, pick, pickScore := 10, "", -1e9
	for _, r := range rs {
		l := chardetLabels[r.Charset]
		sc, decodes := scores[l]
		if !multiByte[l] || !decodes || r.Confidence < top {
			continue
		}
		if r.Confidence > top {
			top, pick, pickScore = r.Confidence, "", -1e9
		}
		// The library lists tied answers in no fixed order: ties go to the
		// lower label, so the answer is the same on every run.
		if sc > pickScore || (sc == pickScore && l < pick) {
			pick, pickScore = l, sc
		}
	}
	if pick != "" {
		return pick
	}
	return best
}

// detectByLibrary is the detector library's best answer alone, for the
// measurement.
func detectByLibrary(b []byte) string {
	r, err := chardet.NewTextDetector().DetectBest(b)
	if err != nil {
		return ""
	}
	return chardetLabels[r.Charset]
}

// scoreLatin rewards letters inside words (the é of "problème") and
// penalises the runs of symbols that CJK or Cyrillic bytes make when read as
// Windows-1252 ("ÃC¬O®a°V"). It is the reference: ties go to it.
func scoreLatin(s string) float64 {
	rs := []rune(s)
	var sum float64
	n := 0
	for i, r := range rs {
		if r < 0x80 {
			continue
		}
		n++
		prevASCII := i > 0 && rs[i-1] < 0x80 && unicode.IsLetter(rs[i-1])
		nextASCII := i+1 < len(rs) && rs[i+1] < 0x80 && unicode.IsLetter(rs[i+1])
		switch {
		case unicode.IsLetter(r) && (prevASCII || nextASCII):
			sum += 1
		case unicode.IsLetter(r) && (i == 0 || !unicode.IsLetter(rs[i-1])) && (i+1 == len(rs) || !unicode.IsLetter(rs[i+1])):
			sum += 0.6 // a word of its own: "à"
		case unicode.IsLetter(r):
			sum += 0.2
		case r == '€' || r == '°' || r == '«' || r == '»' || r == '’' || r == '–' || r == '—' || r == '…' || r == '\u00a0':
			sum += 0.5
		default:
			sum -= 1
		}
	}
	if n == 0 {
		return 0
	}
	return sum/float64(n) + 0.01
}

// russianFreq is the frequency of the letters of Russian text, in percent.
var russianFreq = map[rune]float64{
	'о': 10.97, 'е': 8.45, 'а': 8.01, 'и': 7.35, 'н': 6.70, 'т': 6.26, 'с': 5.47, 'р': 4.73, 'в': 4.54, 'л': 4.40,
	'к': 3.49, 'м': 3.21, 'д': 2.98, 'п': 2.81, 'у': 2.62, 'я': 2.01, 'ы': 1.90, 'ь': 1.74, 'г': 1.70, 'з': 1.65,
	'б': 1.59, 'ч': 1.44, 'й': 1.21, 'х': 0.97, 'ж': 0.94, 'ш': 0.73, 'ю': 0.64, 'ц': 0.48, 'щ': 0.36, 'э': 0.32,
	'ф': 0.26, 'ъ': 0.04, 'ё': 0.04,
}

// scoreCyrillic rewards Russian words written as words are written (all
// lower-case, capitalised, or all upper-case: KOI8-R read as Windows-1251,
// and the reverse, swaps the cases: "пРОБЛЕМА") and made of frequent
// letters. Fewer than two Cyrillic letters is no evidence.
func scoreCyrillic(s string) float64 {
	var sum float64
	n := 0
	for _, r := range s {
		if r >= 0x80 && !unicode.IsLetter(r) && !strings.ContainsRune("«»–—…№€\u00a0", r) {
			sum -= 1 // box drawing and symbols: CJK bytes read as a Cyrillic charset
			n++
		}
	}
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }) {
		var upper, lower, other, ascii int
		var freq float64
		firstUpper := false
		for i, r := range w {
			f, russian := russianFreq[unicode.ToLower(r)]
			switch {
			case r < 0x80:
				ascii++
			case !russian:
				other++
			case unicode.IsUpper(r):
				upper++
				if i == 0 {
					firstUpper = true
				}
			default:
				lower++
			}
			freq += f
		}
		k := upper + lower + other
		if k == 0 {
			continue
		}
		n += k
		bonus := min(freq/float64(k)/8, 1) / 2
		switch {
		case other > 0, ascii > 0: // a Cyrillic letter inside a Latin word
			sum -= float64(k)
		case upper == 0, upper == 1 && firstUpper:
			sum += float64(k) * (0.5 + bonus)
		case lower == 0:
			sum += float64(k) * (0.45 + bonus)
		default:
			sum -= float64(k)
		}
	}
	if n < 2 {
		return -1
	}
	return sum / float64(n)
}

// scoreCJK scores a decoded text by the code of each character in enc: the
// common characters of a language sit in known ranges of its national
// charset (GB2312 level 1, Big5 frequent characters, JIS level 1 and kana,
// KS X 1001 Hangul), while bytes of another language land on rare
// characters. Characters that are not letters of the script count against.
func scoreCJK(enc encoding.Encoding, weight func(code []byte) float64) func(string) float64 {
	return func(s string) float64 {
		var sum float64
		n := 0
		e := enc.NewEncoder()
		for _, r := range s {
			if r < 0x80 {
				continue
			}
			n++
			code, err := e.Bytes([]byte(string(r)))
			if err != nil {
				sum -= 1
				continue
			}
			sum += weight(code)
		}
		if n == 0 {
			return -1
		}
		return sum / float64(n)
	}
}

func inRange(code []byte, lo, hi uint16) bool {
	if len(code) != 2 {
		return false
	}
	c := uint16(code[0])<<8 | uint16(code[1])
	return c >= lo && c <= hi
}

func gbkWeight(c []byte) float64 {
	switch {
	case len(c) != 2:
		return -1
	case c[0] >= 0xB0 && c[0] <= 0xD7 && c[1] >= 0xA1: // GB2312 level 1
		return 1
	case c[0] >= 0xA1 && c[0] <= 0xA9 && c[1] >= 0xA1: // punctuation, full-width forms
		return 0.5
	case c[0] >= 0xD8 && c[0] <= 0xF7 && c[1] >= 0xA1: // GB2312 level 2
		return 0.2
	}
	return -0.5 // GBK extensions
}

func big5Weight(c []byte) float64 {
	switch {
	case inRange(c, 0xA440, 0xC67E): // frequent characters
		return 1
	case inRange(c, 0xA140, 0xA3BF): // punctuation and symbols
		return 0.5
	case inRange(c, 0xC940, 0xF9D5): // less frequent characters
		return 0.2
	}
	return -0.5
}

func sjisWeight(c []byte) float64 {
	switch {
	case len(c) == 1: // half-width katakana: what other charsets' bytes become
		return -0.5
	case inRange(c, 0x829F, 0x82F1), inRange(c, 0x8340, 0x8396): // hiragana, katakana
		return 1
	case inRange(c, 0x889F, 0x9872): // JIS level 1 kanji
		return 1
	case inRange(c, 0x8140, 0x81FC): // punctuation
		return 0.5
	case inRange(c, 0x989F, 0xEAA4): // JIS level 2 kanji
		return 0.2
	}
	return -0.5
}

func eucjpWeight(c []byte) float64 {
	switch {
	case len(c) != 2:
		return -0.5
	case c[0] == 0xA4 || c[0] == 0xA5: // hiragana, katakana
		return 1
	case c[0] >= 0xB0 && c[0] <= 0xCF: // JIS level 1 kanji
		return 1
	case c[0] == 0xA1: // punctuation
		return 0.5
	case c[0] >= 0xD0 && c[0] <= 0xF4: // JIS level 2 kanji
		return 0.2
	}
	return -0.5
}

func euckrWeight(c []byte) float64 {
	switch {
	case len(c) != 2:
		return -1
	case c[0] >= 0xB0 && c[0] <= 0xC8 && c[1] >= 0xA1: // Hangul syllables
		return 1
	case c[0] >= 0xA1 && c[0] <= 0xAC && c[1] >= 0xA1: // symbols, jamo
		return 0.2
	case c[0] >= 0xCA && c[0] <= 0xFD && c[1] >= 0xA1: // Hanja
		return 0.1
	}
	return -0.5 // CP949 extensions
}

// toValidUTF8 is strings.ToValidUTF8(s, replacement): s itself when it is valid UTF-8, told by
// utf8.ValidString, which reads ASCII eight bytes at a time where ToValidUTF8 decodes every
// rune (8,000 of a generated mail's 274,000 instructions, BenchmarkParseGenerated).
func toValidUTF8(s, replacement string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, replacement)
}
