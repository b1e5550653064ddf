package mailin

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/mail"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message"
	gomail "github.com/emersion/go-message/mail"
	"github.com/jhillyerd/enmime/v2"
)

// The parse corpora are scored field by field for three parsers: ours,
// jhillyerd/enmime, and go-message's own mail.Reader walker. Each parser is
// reduced to the same parsedMail, and each corpus to the same caseTruth; the
// score of a field is the number of messages whose field is right over the
// number of messages where the truth of that field is known.

// parsedMail is what a parser made of one message.
type parsedMail struct {
	Subject string       // Decoded subject.
	From    string       // Address of the first From mailbox, lower-case.
	Text    string       // Plain-text body.
	HTML    string       // HTML body.
	Files   []parsedFile // Attachments and inline files.
	Failed  string       // A panic or an error that lost the message.
}

// parsedFile is one file of a parsed message.
type parsedFile struct {
	Name string
	Data []byte
}

// mailParser is one parser under comparison.
type mailParser struct {
	name  string
	parse func(raw []byte) parsedMail
}

func mailParsers() []mailParser {
	return []mailParser{
		{"deskd", parseOurs},
		{"enmime", parseEnmime},
		{"go-message", parseGoMessage},
	}
}

func parseOurs(raw []byte) (pm parsedMail) {
	m, err := Parse(raw, ParseOptions{})
	if err != nil {
		pm.Failed = err.Error()
		return pm
	}
	for _, p := range m.Problems {
		if strings.HasPrefix(p, "parser panic") {
			pm.Failed = p
		}
	}
	// The "[image: name]" that marks where an inline image was is an
	// addition, not the sender's text.
	pm.Subject, pm.From = m.Subject, m.From.Email
	pm.Text, pm.HTML = imageMarkRe.ReplaceAllString(m.Text, ""), imageMarkRe.ReplaceAllString(m.HTML, "")
	for _, a := range m.Attachments {
		pm.Files = append(pm.Files, parsedFile{a.Name, a.Data})
	}
	return pm
}

var imageMarkRe = regexp.MustCompile(`(?:\n\n|<p>)?\[image: [^\]\n]*\](?:</p>)?`)

func parseEnmime(raw []byte) (pm parsedMail) {
	defer func() {
		if r := recover(); r != nil {
			pm = parsedMail{Failed: fmt.Sprintf("panic: %v", r)}
		}
	}()
	e, err := enmime.ReadEnvelope(bytes.NewReader(raw))
	if err != nil {
		pm.Failed = err.Error()
		return pm
	}
	pm.Subject = e.GetHeader("Subject")
	if l, err := e.AddressList("From"); err == nil && len(l) > 0 {
		pm.From = strings.ToLower(l[0].Address)
	}
	// enmime joins the text parts of a multipart/mixed with "\n--\n";
	// undo that so that only the text is compared.
	pm.Text = strings.ReplaceAll(e.Text, "\n--\n", "\n")
	pm.HTML = e.HTML
	for _, l := range [][]*enmime.Part{e.Attachments, e.Inlines, e.OtherParts} {
		for _, p := range l {
			pm.Files = append(pm.Files, parsedFile{p.FileName, p.Content})
		}
	}
	return pm
}

func parseGoMessage(raw []byte) (pm parsedMail) {
	defer func() {
		if r := recover(); r != nil {
			pm = parsedMail{Failed: fmt.Sprintf("panic: %v", r)}
		}
	}()
	mr, err := gomail.CreateReader(bytes.NewReader(raw))
	if mr == nil {
		pm.Failed = err.Error()
		return pm
	}
	pm.Subject, _ = mr.Header.Subject()
	if l, err := mr.Header.AddressList("From"); err == nil && len(l) > 0 {
		pm.From = strings.ToLower(l[0].Address)
	}
	var texts, htmls []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
			break
		}
		if p == nil {
			break
		}
		data, _ := io.ReadAll(p.Body)
		switch h := p.Header.(type) {
		case *gomail.InlineHeader:
			ct, params, _ := h.ContentType()
			switch ct {
			case "text/plain":
				texts = append(texts, string(data))
			case "text/html":
				htmls = append(htmls, string(data))
			default:
				pm.Files = append(pm.Files, parsedFile{params["name"], data})
			}
		case *gomail.AttachmentHeader:
			name, _ := h.Filename()
			pm.Files = append(pm.Files, parsedFile{name, data})
		}
	}
	pm.Text, pm.HTML = strings.Join(texts, "\n"), strings.Join(htmls, "\n")
	return pm
}

// caseTruth is what a message should give. A nil field is not known.
type caseTruth struct {
	ID      string
	Raw     []byte
	Subject *string
	From    *string
	Text    *string     // The plain-text body, compared without white space.
	HTML    *string     // The HTML body when there is no plain text, compared without white space.
	TextSum string      // Or the hex SHA-256 of the text without white space.
	HTMLSum string      // Or that of the HTML body.
	Files   []truthFile // Nil with FilesKnown false: not known.

	FilesKnown bool
}

// truthFile is one expected file: a name ("" when the sender gave none), and
// the bytes when known. An unnamed file is matched by its bytes, or, for an
// attached message, by its subject; never by its name alone.
type truthFile struct {
	Name    string
	Data    []byte  // Nil when not known.
	Sum     string  // Else the hex SHA-256 of the bytes, when known.
	Text    *string // For a text file: its text, compared without white space.
	Subject string  // For an attached message: its subject.
	Message bool
}

// fieldScore counts right answers over known truths for one field.
type fieldScore struct{ ok, n int }

func (f fieldScore) String() string {
	if f.n == 0 {
		return "-"
	}
	return fmt.Sprintf("%d/%d", f.ok, f.n)
}

func (f *fieldScore) add(ok bool) {
	f.n++
	if ok {
		f.ok++
	}
}

// corpusScore is one parser's score on one corpus.
type corpusScore struct {
	Subject, From, Text, Names, Bytes fieldScore
	Broken                            fieldScore // ok = messages without crash, lost message or invalid UTF-8
	failures                          []string
}

func (s *corpusScore) fail(id, field, detail string) {
	s.failures = append(s.failures, fmt.Sprintf("%s: %s: %s", id, field, detail))
}

// scoreCorpus parses every case with p and scores it against its truth.
func scoreCorpus(cases []caseTruth, p mailParser) *corpusScore {
	s := &corpusScore{}
	for _, c := range cases {
		pm := p.parse(c.Raw)
		sound := pm.Failed == "" && validParsed(pm)
		s.Broken.add(sound)
		if !sound {
			s.fail(c.ID, "broken", pm.Failed)
		}
		if c.Subject != nil {
			ok := strings.TrimSpace(pm.Subject) == strings.TrimSpace(*c.Subject)
			s.Subject.add(ok)
			if !ok {
				s.fail(c.ID, "subject", fmt.Sprintf("%q, want %q", pm.Subject, *c.Subject))
			}
		}
		if c.From != nil {
			ok := pm.From == *c.From
			s.From.add(ok)
			if !ok {
				s.fail(c.ID, "from", fmt.Sprintf("%q, want %q", pm.From, *c.From))
			}
		}
		if c.Text != nil || c.HTML != nil || c.TextSum != "" || c.HTMLSum != "" {
			ok := true
			if c.Text != nil && noSpace(pm.Text) != noSpace(*c.Text) {
				ok = false
				s.fail(c.ID, "text", fmt.Sprintf("%.300q, want %.300q", pm.Text, *c.Text))
			}
			if c.HTML != nil && noSpace(pm.HTML) != noSpace(*c.HTML) {
				ok = false
				s.fail(c.ID, "html", fmt.Sprintf("%.300q, want %.300q", pm.HTML, *c.HTML))
			}
			if c.TextSum != "" && textSum(pm.Text) != c.TextSum {
				ok = false
				s.fail(c.ID, "text", fmt.Sprintf("%.300q", pm.Text))
			}
			if c.HTMLSum != "" && textSum(pm.HTML) != c.HTMLSum {
				ok = false
				s.fail(c.ID, "html", fmt.Sprintf("%.300q", pm.HTML))
			}
			s.Text.add(ok)
		}
		if c.FilesKnown {
			namesOK, bytesOK, withBytes := matchFiles(c.Files, pm.Files)
			s.Names.add(namesOK)
			if !namesOK {
				s.fail(c.ID, "names", fmt.Sprintf("%q, want %q", fileNames(pm.Files), truthNames(c.Files)))
			}
			if withBytes {
				s.Bytes.add(bytesOK)
				if !bytesOK {
					s.fail(c.ID, "bytes", "a file with known bytes is missing or differs")
				}
			}
		}
	}
	return s
}

// matchFiles pairs expected files with parsed ones. Names are right when
// there are as many files as expected and each expected file has its own
// parsed file: a named one by its name, an unnamed one by its bytes or its
// subject. Bytes are right when every expected file whose bytes are known
// has a parsed file with those exact bytes.
func matchFiles(want []truthFile, got []parsedFile) (namesOK, bytesOK, withBytes bool) {
	used := make([]bool, len(got))
	namesOK = len(want) == len(got)
	bytesOK = true
	for _, w := range want {
		found := -1
		for i, g := range got {
			if used[i] {
				continue
			}
			switch {
			case w.Name != "":
				if baseName(g.Name) == baseName(w.Name) {
					found = i
				}
			case w.Data != nil || w.Sum != "":
				if w.sameBytes(g.Data) {
					found = i
				}
			case w.Text != nil:
				if noSpace(string(g.Data)) == noSpace(*w.Text) {
					found = i
				}
			case w.Message:
				if msgSubject(g.Data) == w.Subject {
					found = i
				}
			}
			if found >= 0 {
				break
			}
		}
		if found < 0 {
			namesOK = false
		} else {
			used[found] = true
		}
		if w.Data != nil || w.Sum != "" {
			withBytes = true
			has := false
			for _, g := range got {
				if w.sameBytes(g.Data) && (w.Name == "" || baseName(g.Name) == baseName(w.Name)) {
					has = true
				}
			}
			bytesOK = bytesOK && has
		}
	}
	return namesOK, bytesOK, withBytes
}

func (w truthFile) sameBytes(b []byte) bool {
	if w.Sum != "" {
		s := sha256.Sum256(b)
		return hex.EncodeToString(s[:]) == w.Sum
	}
	return bytes.Equal(b, w.Data)
}

// baseName is the last element of a file name, for every parser alike.
func baseName(s string) string {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\\", "/"))
	if s == "" {
		return ""
	}
	return path.Base(s)
}

func msgSubject(b []byte) string {
	m, err := mail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		return "\x00"
	}
	return strings.TrimSpace(decodeHeaderText(m.Header.Get("Subject")))
}

func fileNames(l []parsedFile) []string {
	var out []string
	for _, f := range l {
		out = append(out, f.Name)
	}
	sort.Strings(out)
	return out
}

func truthNames(l []truthFile) []string {
	var out []string
	for _, f := range l {
		n := f.Name
		if n == "" && f.Message {
			n = "<message " + f.Subject + ">"
		} else if n == "" {
			n = fmt.Sprintf("<%d bytes>", len(f.Data))
		}
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func textSum(s string) string {
	sum := sha256.Sum256([]byte(noSpace(s)))
	return hex.EncodeToString(sum[:])
}

func noSpace(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func validParsed(pm parsedMail) bool {
	if !utf8.ValidString(pm.Subject) || !utf8.ValidString(pm.Text) || !utf8.ValidString(pm.HTML) || !utf8.ValidString(pm.From) {
		return false
	}
	for _, f := range pm.Files {
		if !utf8.ValidString(f.Name) {
			return false
		}
	}
	return true
}

func strp(s string) *string { return &s }

// stalwartCases reads mail-parser's expected parse trees. Where mail-parser
// wrote U+FFFD for raw 8-bit bytes, stalwartFixes holds the text the sender
// wrote (no wildcard): a parser that writes U+FFFD there is wrong.
func stalwartCases(t testing.TB) []caseTruth {
	dir := corpusDir(t, "parse_stalwart_mailparser")
	files, err := filepath.Glob(filepath.Join(dir, "resources/eml/*/*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []caseTruth
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		rel = filepath.ToSlash(rel)
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		// mail-parser parses each message with LF and with CRLF line
		// ends; take the parse of the line ends the file has.
		js := strings.TrimSuffix(f, ".eml") + ".json"
		if bytes.Contains(raw, []byte("\r\n")) {
			js = strings.TrimSuffix(f, ".eml") + ".crlf.json"
		}
		b, err := os.ReadFile(js)
		if err != nil {
			t.Fatal(err)
		}
		for _, fix := range stalwartFixes[rel] {
			b = bytes.ReplaceAll(b, []byte(fix[0]), []byte(fix[1]))
		}
		if bytes.Contains(b, []byte("\uFFFD")) || bytes.Contains(b, []byte(`\ufffd`)) {
			t.Errorf("%s: the truth holds U+FFFD: list the text the sender wrote in stalwartFixes", rel)
		}
		var exp stalwartMessage
		if err := json.Unmarshal(b, &exp); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		c := caseTruth{ID: "stalwart/" + strings.TrimPrefix(rel, "resources/eml/"), Raw: raw, FilesKnown: true}
		top := exp.Parts[0]
		var subj struct{ Text string }
		if raw := top.header("subject"); raw != nil {
			if err := json.Unmarshal(raw, &subj); err != nil {
				t.Fatalf("%s: subject: %v", f, err)
			}
		}
		c.Subject = strp(subj.Text)
		var from struct {
			Address struct {
				List []struct {
					Address *string `json:"address"`
				}
			}
		}
		c.From = strp("")
		if raw := top.header("from"); raw != nil && json.Unmarshal(raw, &from) == nil && len(from.Address.List) > 0 && from.Address.List[0].Address != nil {
			c.From = strp(strings.ToLower(*from.Address.List[0].Address))
		}
		var texts, htmls []string
		for _, i := range exp.TextBody {
			var body struct {
				Text *string
				HTML *string `json:"Html"`
			}
			if i < len(exp.Parts) && json.Unmarshal(exp.Parts[i].Body, &body) == nil {
				if body.Text != nil {
					texts = append(texts, *body.Text)
				}
				if body.HTML != nil {
					htmls = append(htmls, *body.HTML)
				}
			}
		}
		for _, i := range exp.Attachments {
			if i >= len(exp.Parts) {
				continue
			}
			p := exp.Parts[i]
			name := p.attachmentName()
			if name == "" && (emptyBody(p.Body) || p.plainText()) {
				// mail-parser files unnamed plain text (the debris of
				// broken boundaries, a text part after the first) as an
				// attachment; it is body text, and an empty part is
				// nothing.
				var body struct{ Text *string }
				if json.Unmarshal(p.Body, &body) == nil && body.Text != nil {
					texts = append(texts, *body.Text)
				}
				continue
			}
			tf := truthFile{Name: name}
			var body struct {
				Binary       []byte
				InlineBinary []byte
				Message      *stalwartMessage
			}
			var rawBody map[string]json.RawMessage
			if json.Unmarshal(p.Body, &rawBody) == nil {
				for k, v := range rawBody {
					switch k {
					case "Binary", "InlineBinary":
						var ints []int
						if json.Unmarshal(v, &ints) == nil {
							tf.Data = make([]byte, len(ints))
							for j, n := range ints {
								tf.Data[j] = byte(n)
							}
						}
					case "Text":
						var text string
						if json.Unmarshal(v, &text) == nil {
							tf.Text = &text
						}
					case "Message":
						var inner stalwartMessage
						if json.Unmarshal(v, &inner) == nil && len(inner.Parts) > 0 {
							var s struct{ Text string }
							if raw := inner.Parts[0].header("subject"); raw != nil {
								_ = json.Unmarshal(raw, &s)
							}
							tf.Message, tf.Subject = true, s.Text
						}
					}
				}
			}
			_ = body
			c.Files = append(c.Files, tf)
		}
		switch {
		case len(texts) > 0:
			c.Text = strp(strings.Join(texts, "\n"))
		case len(htmls) > 0:
			c.HTML = strp(strings.Join(htmls, "\n"))
		default:
			c.Text = strp("")
		}
		if sums, ok := stalwartUU[rel]; ok {
			// mail-parser leaves uuencoded files encoded.
			uu := maps.Clone(sums)
			for i, f := range c.Files {
				if sum, ok := uu[f.Name]; ok {
					c.Files[i].Data, c.Files[i].Sum = nil, sum
					delete(uu, f.Name)
				}
			}
			for name, sum := range uu {
				c.Files = append(c.Files, truthFile{Name: name, Sum: sum})
			}
			*c.Text = uuBlockRe.ReplaceAllString(*c.Text, "")
		}
		if why, ok := stalwartDeviations[rel]; ok {
			_ = why
			c.FilesKnown = false
		}
		cases = append(cases, c)
	}
	return cases
}

// stalwartFixes replace, in mail-parser's expected output, the U+FFFD it
// writes for raw ISO-8859-1 bytes by the letters the sender wrote, drop
// what it decodes from garbage after base64 padding, and decode a raw UTF-7
// subject.
var stalwartFixes = map[string][][2]string{
	"resources/eml/legacy/010.eml":     {{"Fr\uFFFDsche", "Frösche"}, {"M\uFFFDller", "Müller"}},
	"resources/eml/legacy/016.eml":     {{"Fr\uFFFDsche", "Frösche"}},
	"resources/eml/legacy/017.eml":     {{"J\uFFFDrgen Schm\uFFFDrgen", "Jürgen Schmürgen"}},
	"resources/eml/legacy/020.eml":     {{"Fr\uFFFDsche", "Frösche"}, {"J\uFFFDrgen Schm\uFFFDrgen", "Jürgen Schmürgen"}},
	"resources/eml/legacy/022.eml":     {{"Fr\uFFFDsche", "Frösche"}, {"J\uFFFDrgen Schm\uFFFDrgen", "Jürgen Schmürgen"}},
	"resources/eml/legacy/023.eml":     {{"Fr\uFFFDsche", "Frösche"}},
	"resources/eml/legacy/026.eml":     {{"Fr\uFFFDsche", "Frösche"}},
	"resources/eml/legacy/027.eml":     {{"Fr\uFFFDsche", "Frösche"}, {"J\uFFFDrgen Schm\uFFFDrgen", "Jürgen Schmürgen"}},
	"resources/eml/legacy/033.eml":     latin1Fable,
	"resources/eml/legacy/052.eml":     append(latin1Fable, [2]string{"M\uFFFDller", "Müller"}),
	"resources/eml/thirdparty/002.eml": {{"vaan.\\n\uFFFD\\t\uFFFD", "vaan.\\n"}},
	// The text part declares UTF-7, and the mailer wrote the subject in it.
	"resources/eml/legacy/034.eml": {{"Die Hasen und die Fr+APY-sche", "Die Hasen und die Frösche"}},
}

// stalwartUU are the uuencoded files of the corpus, which mail-parser leaves
// encoded, with the SHA-256 of their content as decoded by Python's
// binascii.a2b_uu, line by line.
var stalwartUU = map[string]map[string]string{
	"resources/eml/legacy/017.eml": {"greenball.png": greenBall, "blueball.png": blueBall},
	"resources/eml/legacy/048.eml": {"redball.png": redBall, "greenball.png": greenBall, "blueball.png": blueBall},
	"resources/eml/legacy/049.eml": {"redball.png": redBall, "greenball.png": greenBall, "blueball.png": blueBall},
}

const (
	redBall   = "63aa82493459d1a5ac267e20109d380ba995788f7fa13ed43021ebb37ead6fc5"
	greenBall = "258bcdd418e60b1f2dd911c83133e7aa07dd3d87ff09708384aba85e06f80e34"
	blueBall  = "68aa843030f8c6ad625450054732fe0f3a680496d98f957d578192fa4469cec2"
)

var uuBlockRe = regexp.MustCompile(`(?s)\nbegin [0-7]{3} [^\n]*\n.*?\nend\r?\n`)

// latin1Fable is the German fable of the legacy messages, in ISO-8859-1.
var latin1Fable = [][2]string{
	{"Fr\uFFFDsche", "Frösche"}, {"\uFFFDber", "über"}, {"mi\uFFFDliche", "mißliche"}, {"\uFFFDrger", "ärger"},
	{"la\uFFFDt", "laßt"}, {"f\uFFFDr", "für"}, {"rs\uFFFDufen", "rsäufen"}, {"au\uFFFDerord", "außerord"},
	{"Get\uFFFDse", "Getöse"}, {"sa\uFFFDen", "saßen"}, {"da\uFFFD ", "daß "}, {"ungl\uFFFDck", "unglück"}, {"m\uFFFDssen", "müssen"},
}

// tnefCases wraps each winmail.dat of verdammelt/tnef in a mail; the truth is
// the list of file names (TestCorpusTNEF explains the list).
func tnefCases(t testing.TB) []caseTruth {
	dir := corpusDir(t, "parse_tnef_winmail")
	files, err := filepath.Glob(filepath.Join(dir, "*.tnef"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []caseTruth
	for _, f := range files {
		base := strings.TrimSuffix(filepath.Base(f), ".tnef")
		list, err := os.ReadFile(strings.TrimSuffix(f, ".tnef") + ".list")
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, l := range strings.Split(string(list), "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, base+"-body.") {
				want = append(want, l)
			}
		}
		if w, ok := tnefListGaps[base]; ok {
			want = w
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c := caseTruth{ID: "tnef/" + base, Raw: tnefMail(data), FilesKnown: true}
		for _, n := range want {
			c.Files = append(c.Files, truthFile{Name: n})
		}
		cases = append(cases, c)
	}
	return cases
}

// truthCases reads testdata/parse_truth.json, the expected parse of the
// enmime and cpython corpora, which ship no expected output. It was built
// from the parses of the three parsers compared here: where at least two of
// them agree, their answer; every disagreement was read by hand and decided
// (or left unknown, with the reason, where both readings are fair: text
// parts with a file name, two text alternatives, delivery reports, torture
// tests of nested boundaries). Texts are kept as the SHA-256 of the text
// without white space, with its first characters for the reader.
func truthCases(t testing.TB) map[string][]caseTruth {
	b, err := os.ReadFile(filepath.Join("testdata", "parse_truth.json"))
	if err != nil {
		t.Fatal(err)
	}
	var truth map[string]struct {
		Subject, From *string
		Text, HTML    *struct{ Sum string }
		Files         *[]struct {
			Name, Sum string
			Message   *string
		}
	}
	if err := json.Unmarshal(b, &truth); err != nil {
		t.Fatal(err)
	}
	out := map[string][]caseTruth{}
	for rel, tr := range truth {
		corpus, file, _ := strings.Cut(rel, "/")
		raw, err := os.ReadFile(filepath.Join(corpusDir(t, corpus), file))
		if err != nil {
			t.Fatal(err)
		}
		c := caseTruth{ID: rel, Raw: raw, Subject: tr.Subject, From: tr.From}
		if tr.Text != nil {
			c.TextSum = tr.Text.Sum
		}
		if tr.HTML != nil {
			c.HTMLSum = tr.HTML.Sum
		}
		if tr.Files != nil {
			c.FilesKnown = true
			for _, f := range *tr.Files {
				tf := truthFile{Name: f.Name, Sum: f.Sum}
				if f.Message != nil {
					tf.Message, tf.Subject = true, *f.Message
				}
				c.Files = append(c.Files, tf)
			}
		}
		out[corpus] = append(out[corpus], c)
	}
	for _, l := range out {
		sort.Slice(l, func(i, j int) bool { return l[i].ID < l[j].ID })
	}
	return out
}

// TestCompareParsers prints, for every parse corpus, the score of each parser
// field by field (go test ./mailin -run CompareParsers -v), and fails if a
// library beats our parser on a field of a corpus: then the library should
// be adopted for it.
func TestCompareParsers(t *testing.T) {
	corpora := []struct {
		name  string
		cases []caseTruth
	}{
		{"stalwart", stalwartCases(t)},
		{"enmime", truthCases(t)["parse_enmime"]},
		{"cpython", truthCases(t)["parse_cpython_email"]},
		{"tnef", tnefCases(t)},
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n| corpus | parser | subject | from | text body | file names | file bytes | sound (no crash, valid UTF-8) |\n|---|---|---|---|---|---|---|---|\n")
	for _, c := range corpora {
		var ours *corpusScore
		for _, p := range mailParsers() {
			s := scoreCorpus(c.cases, p)
			fmt.Fprintf(&b, "| %s (%d) | %s | %s | %s | %s | %s | %s | %s |\n", c.name, len(c.cases), p.name, s.Subject, s.From, s.Text, s.Names, s.Bytes, s.Broken)
			if ours == nil {
				ours = s
			} else {
				for _, f := range []struct {
					name      string
					ours, lib fieldScore
				}{
					{"subject", ours.Subject, s.Subject}, {"from", ours.From, s.From}, {"text", ours.Text, s.Text},
					{"names", ours.Names, s.Names}, {"bytes", ours.Bytes, s.Bytes}, {"sound", ours.Broken, s.Broken},
				} {
					if f.lib.ok > f.ours.ok {
						t.Errorf("%s: %s beats us on %s: %s against %s", c.name, p.name, f.name, f.lib, f.ours)
					}
				}
			}
			if testing.Verbose() && os.Getenv("DESKD_COMPARE_DETAIL") != "" {
				for _, f := range s.failures {
					t.Logf("%s %s", p.name, f)
				}
			}
		}
	}
	t.Log(b.String())
}
