package mailin

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestCorpusRobust parses every message of the robustness corpora: no panic
// (Parse recovers, but a recovered panic is recorded as a problem and fails
// here), and valid UTF-8 in the subject, the text and attachment names.
func TestCorpusRobust(t *testing.T) {
	for _, c := range []struct{ corpus, glob string }{
		{"parse_enmime", "*/*.raw"},
		{"parse_enmime", "*/*/*.raw"},
		{"parse_enmime", "*/*/*/*.raw"},
		{"parse_cpython_email", "msg_*.txt"},
		{"parse_stalwart_mailparser", "resources/eml/*/*.eml"},
		{"bounce_sisimai", "maildir/*/*.eml"},
		{"bounce_sisimai", "to-be-debugged-because/*/*"},
	} {
		dir := corpusDir(t, c.corpus)
		files, err := filepath.Glob(filepath.Join(dir, c.glob))
		if err != nil {
			t.Fatal(err)
		}
		bad := 0
		for _, f := range files {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			m, err := Parse(raw, ParseOptions{MaxAttachment: 1 << 20})
			if err != nil {
				if len(strings.TrimSpace(string(raw))) > 0 {
					t.Errorf("%s: %v", f, err)
					bad++
				}
				continue
			}
			for _, p := range m.Problems {
				if strings.HasPrefix(p, "parser panic") {
					t.Errorf("%s: %s", f, p)
					bad++
				}
			}
			if !validUTF8(m) {
				t.Errorf("%s: invalid UTF-8 or a path in a name", f)
				bad++
			}
		}
		t.Logf("%s %s: %d files, %d bad", c.corpus, c.glob, len(files), bad)
	}
}

// stalwartPart is the part of mail-parser's expected JSON that we compare.
type stalwartPart struct {
	Body    json.RawMessage `json:"body"`
	Headers []struct {
		Name  any             `json:"name"`
		Value json.RawMessage `json:"value"`
	} `json:"headers"`
}

type stalwartMessage struct {
	Attachments []int          `json:"attachments"`
	TextBody    []int          `json:"text_body"`
	Parts       []stalwartPart `json:"parts"`
}

// header returns the value of a standard header of the part.
func (p stalwartPart) header(name string) json.RawMessage {
	for _, h := range p.Headers {
		if s, ok := h.Name.(string); ok && s == name {
			return h.Value
		}
	}
	return nil
}

// attachmentName is the name mail-parser gives a part: the
// Content-Disposition filename, else the Content-Type name.
func (p stalwartPart) attachmentName() string {
	for _, k := range []string{"content_disposition", "content_type"} {
		var v struct {
			ContentType struct {
				Attributes []struct{ Name, Value string } `json:"attributes"`
			} `json:"ContentType"`
		}
		if raw := p.header(k); raw != nil && json.Unmarshal(raw, &v) == nil {
			for _, a := range v.ContentType.Attributes {
				if (k == "content_disposition" && a.Name == "filename") || (k == "content_type" && a.Name == "name") {
					return a.Value
				}
			}
		}
	}
	return ""
}

// TestCorpusStalwart scores our parse of mail-parser's MIME torture tests
// against its expected parse trees, field by field (stalwartCases says how
// the truth is read): subject, From address, body text (compared without
// white space; the HTML body when there is no plain text), attachment
// names (an unnamed file is matched by its bytes, text or subject, never by
// its name), attachment bytes where known, and soundness (no panic, valid
// UTF-8). Each field has a bar at today's score: a regression fails.
func TestCorpusStalwart(t *testing.T) {
	cases := stalwartCases(t)
	s := scoreCorpus(cases, mailParser{"deskd", parseOurs})
	for _, f := range s.failures {
		t.Log(f)
	}
	for _, f := range []struct {
		name  string
		score fieldScore
		bar   int
	}{
		{"subject", s.Subject, 107},
		{"from", s.From, 107},
		{"text body", s.Text, 90},
		{"attachment names", s.Names, 102},
		{"attachment bytes", s.Bytes, 40},
		{"sound", s.Broken, 107},
	} {
		t.Logf("stalwart %s: %s (bar %d)", f.name, f.score, f.bar)
		if f.score.ok < f.bar {
			t.Errorf("stalwart %s: %s is below the bar of %d", f.name, f.score, f.bar)
		}
	}
}

// TestCorpusParseTruth scores our parse of the enmime and cpython corpora
// against testdata/parse_truth.json (see truthCases), field by field, with a
// bar at today's score for each.
func TestCorpusParseTruth(t *testing.T) {
	truth := truthCases(t)
	for _, c := range []struct {
		corpus string
		bars   [6]int // subject, from, text, names, bytes, sound
	}{
		{"parse_enmime", [6]int{92, 92, 84, 80, 35, 92}},
		{"parse_cpython_email", [6]int{47, 47, 37, 37, 5, 47}},
	} {
		s := scoreCorpus(truth[c.corpus], mailParser{"deskd", parseOurs})
		for _, f := range s.failures {
			t.Log(f)
		}
		for i, f := range []fieldScore{s.Subject, s.From, s.Text, s.Names, s.Bytes, s.Broken} {
			name := []string{"subject", "from", "text body", "attachment names", "attachment bytes", "sound"}[i]
			t.Logf("%s %s: %s (bar %d)", c.corpus, name, f, c.bars[i])
			if f.ok < c.bars[i] {
				t.Errorf("%s %s: %s is below the bar of %d", c.corpus, name, f, c.bars[i])
			}
		}
	}
}

// stalwartDeviations are messages where we deliberately read the structure
// differently from mail-parser.
var stalwartDeviations = map[string]string{
	"resources/eml/thirdparty/015.eml": "three attached messages whose headers run into the next boundary; mail-parser swallows the last two into the first",
}

// plainText reports whether the part is text/plain (or untyped) text.
func (p stalwartPart) plainText() bool {
	var b map[string]any
	if json.Unmarshal(p.Body, &b) != nil {
		return false
	}
	if _, ok := b["Text"]; !ok {
		return false
	}
	var v struct {
		ContentType struct {
			Type    string  `json:"c_type"`
			Subtype *string `json:"c_subtype"`
		} `json:"ContentType"`
	}
	raw := p.header("content_type")
	if raw == nil {
		return true
	}
	return json.Unmarshal(raw, &v) == nil && v.ContentType.Type == "text" && v.ContentType.Subtype != nil && *v.ContentType.Subtype == "plain"
}

// emptyBody reports whether a mail-parser body is an empty Text or Binary.
func emptyBody(raw json.RawMessage) bool {
	var b map[string]any
	if json.Unmarshal(raw, &b) != nil {
		return false
	}
	for _, v := range b {
		if s, ok := v.(string); ok && s == "" {
			return true
		}
		if a, ok := v.([]any); ok && len(a) == 0 {
			return true
		}
	}
	return false
}

// TestCorpusTNEF checks the attachment names found in the winmail.dat blobs
// of verdammelt/tnef against its NAME.list. The list's NAME-body.* entries
// are that tool's saved message body, not attachments, and are left out.
func TestCorpusTNEF(t *testing.T) {
	dir := corpusDir(t, "parse_tnef_winmail")
	files, err := filepath.Glob(filepath.Join(dir, "*.tnef"))
	if err != nil {
		t.Fatal(err)
	}
	ok := 0
	for _, f := range files {
		base := strings.TrimSuffix(filepath.Base(f), ".tnef")
		list, err := os.ReadFile(strings.TrimSuffix(f, ".tnef") + ".list")
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, l := range strings.Split(string(list), "\n") {
			l = strings.TrimSpace(l)
			if l == "" || strings.HasPrefix(l, base+"-body.") {
				continue
			}
			want = append(want, l)
		}
		if w, ok := tnefListGaps[base]; ok {
			want = w
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Parse(tnefMail(data), ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range m.Attachments {
			got = append(got, a.Name)
		}
		sort.Strings(want)
		sort.Strings(got)
		if strings.Join(want, "|") == strings.Join(got, "|") {
			ok++
		} else {
			t.Errorf("%s: got %q, want %q (problems %q)", base, got, want, m.Problems)
		}
	}
	t.Logf("tnef: %d/%d blobs with the expected attachment names", ok, len(files))
}

// tnefListGaps are blobs whose NAME.list omits files that the tool itself
// writes: its own baselines (tests/files/baselines/NAME.baseline, "WRITING"
// lines) list these.
var tnefListGaps = map[string][]string{
	"long-filename":     {"allproductsmar2000.dat"},
	"missing-filenames": {"generpts.src", "TechlibDEC99.doc", "TechlibDEC99-JAN00.doc", "TechlibNOV99.doc"},
}

// tnefMail wraps a TNEF blob as the winmail.dat of a mail.
func tnefMail(data []byte) []byte {
	var b strings.Builder
	b.WriteString("From: a@example.com\r\nSubject: tnef\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=xx\r\n\r\n--xx\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n" +
		"--xx\r\nContent-Type: application/ms-tnef; name=winmail.dat\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	enc := base64Std(data)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n--xx--\r\n")
	return []byte(b.String())
}
