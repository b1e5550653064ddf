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

// TestCorpusStalwart compares subject, From and attachment names with
// mail-parser's expected parse of its MIME torture tests. A message counts as
// right when all three match. Attachment names are compared as sorted lists
// of the names mail-parser found; an attachment mail-parser leaves unnamed
// matches any name (we name attached messages after their subject).
func TestCorpusStalwart(t *testing.T) {
	dir := corpusDir(t, "parse_stalwart_mailparser")
	files, err := filepath.Glob(filepath.Join(dir, "resources/eml/*/*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	var ok, subjOK, fromOK, attOK int
	for _, f := range files {
		b, err := os.ReadFile(strings.TrimSuffix(f, ".eml") + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var exp stalwartMessage
		if err := json.Unmarshal(b, &exp); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		m := parseFile(t, f, ParseOptions{})
		top := exp.Parts[0]

		var subj struct{ Text string }
		if raw := top.header("subject"); raw != nil {
			if err := json.Unmarshal(raw, &subj); err != nil {
				t.Logf("%s: subject: %v", f, err)
			}
		}
		var from struct {
			Address struct {
				List []struct {
					Name    *string `json:"name"`
					Address *string `json:"address"`
				}
			}
		}
		expFrom := ""
		if raw := top.header("from"); raw != nil && json.Unmarshal(raw, &from) == nil && len(from.Address.List) > 0 {
			a := from.Address.List[0]
			if a.Address != nil {
				expFrom = strings.ToLower(*a.Address)
			}
		}
		var expNames []string
		for _, i := range exp.Attachments {
			if i >= len(exp.Parts) {
				continue
			}
			p := exp.Parts[i]
			name := p.attachmentName()
			if name == "" && (emptyBody(p.Body) || p.plainText()) {
				// mail-parser files unnamed plain text (the debris of
				// broken boundaries, a text part after the first) as an
				// attachment; we keep it as body text, and drop empty parts.
				continue
			}
			expNames = append(expNames, name)
		}
		uu := map[string]bool{}
		for _, f := range uudecode(string(normalizeNewlines(m.Raw))).files {
			uu[f.Name] = true
		}
		var gotNames []string
		for _, a := range m.Attachments {
			if uu[a.Name] && len(expNames) == 0 {
				continue // mail-parser does not look into uuencoded bodies
			}
			gotNames = append(gotNames, a.Name)
		}

		sOK := sameText(strings.TrimSpace(m.Subject), strings.TrimSpace(subj.Text))
		fOK := m.From.Email == expFrom
		aOK := namesMatch(expNames, gotNames)
		rel, _ := filepath.Rel(dir, f)
		if why, ok := stalwartDeviations[filepath.ToSlash(rel)]; ok && !aOK {
			t.Logf("%s: attachment names differ on purpose: %s", rel, why)
			aOK = true
		}
		if sOK {
			subjOK++
		}
		if fOK {
			fromOK++
		}
		if aOK {
			attOK++
		}
		if sOK && fOK && aOK {
			ok++
		} else {
			t.Logf("%s: subject %v (%q vs %q) from %v (%q vs %q) attachments %v (%q vs %q)",
				rel, sOK, m.Subject, subj.Text, fOK, m.From.Email, expFrom, aOK, gotNames, expNames)
		}
	}
	n := len(files)
	score := float64(ok) / float64(n)
	t.Logf("stalwart: all three right %d/%d = %.1f%% (subject %d, from %d, attachment names %d)", ok, n, 100*score, subjOK, fromOK, attOK)
	if score < 0.95 {
		t.Errorf("below the bar of 95%%")
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

// sameText compares decoded text; mail-parser writes U+FFFD for raw 8-bit
// bytes that we read as Windows-1252, so U+FFFD in want matches any rune.
func sameText(got, want string) bool {
	g, w := []rune(got), []rune(want)
	if len(g) != len(w) {
		return false
	}
	for i := range w {
		if w[i] != g[i] && w[i] != '\uFFFD' {
			return false
		}
	}
	return true
}

// namesMatch compares attachment names as multisets; an expected "" matches
// any name.
func namesMatch(exp, got []string) bool {
	if len(exp) != len(got) {
		return false
	}
	left := map[string]int{}
	for _, g := range got {
		left[g]++
	}
	var anyName int
	for _, e := range exp {
		if e == "" {
			anyName++
			continue
		}
		found := false
		for g, n := range left {
			if n > 0 && sameText(g, cleanFilename(e)) {
				left[g]--
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	rest := 0
	for _, n := range left {
		rest += n
	}
	return rest == anyName
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
