package mailin

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/deskd/deskd/internal/underrace"
)

// sameParse fails unless parseWhole of raw after the header pass head reads what Parse of raw
// reads.
func sameParse(t *testing.T, name string, raw []byte, head *Message, opt ParseOptions) {
	t.Helper()
	want, werr := Parse(raw, opt)
	got, gerr := parseWhole(raw, head, opt)
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("%s: errors %v and %v", name, werr, gerr)
	}
	if want == nil || got == nil {
		return
	}
	want.hdr, got.hdr = nil, nil
	if !reflect.DeepEqual(want, got) {
		t.Errorf("%s: parseWhole after the header pass reads otherwise than Parse:\n%+v\n%+v", name, got, want)
	}
}

// TestParseWholeReadsAsParse: the whole mail parsed after its header pass, taking the header's
// fields from it, reads exactly as Parse reads it: the generated mail of the benchmark, tricky
// headers (8-bit fields whose charset only the body tells, no blank line, CR line ends, no
// Message-ID, an mbox From line, a header pass of another mail), and every mail of the corpora.
func TestParseWholeReadsAsParse(t *testing.T) {
	opt := ParseOptions{MaxAttachment: 1 << 20, DeskAddresses: []string{"helpdesk@corp.example"}}
	raws, _ := generatedMail()
	generated := len(raws)
	tricky := []string{
		"From: Ren\xe9 <rene@corp.example>\nSubject: \xc9cran noir\nMessage-ID: <l1@x>\nContent-Type: text/plain; charset=iso-8859-1\n\nL'\xe9cran est noir.\n",
		"From: Ren\xe9 <rene@corp.example>\nSubject: \xc9cran\nMessage-ID: <l2@x>\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain; charset=windows-1252\n\n\x93oui\x94\n--b--\n",
		"From: a@corp.example\nSubject: no blank line\nMessage-ID: <n1@x>\nthis is not a field\nand the body goes on\n",
		"From: a@corp.example\rSubject: old mac\rMessage-ID: <cr@x>\r\rbody\r",
		"From: a@corp.example\nSubject: no id\n\nbody\n",
		"From a@corp.example Thu Nov 26 09:00:00 2026\nFrom: a@corp.example\nSubject: mbox\nMessage-ID: <mb@x>\n\nbody\n",
		"From: Auto <auto@corp.example>\nSubject: Absent\nAuto-Submitted: auto-replied\nMessage-ID: <ooo@x>\n\nI am away\n",
	}
	for _, s := range tricky {
		raws = append(raws, []byte(s), []byte(strings.ReplaceAll(s, "\n", "\r\n")))
	}
	for i, raw := range raws {
		head, err := Parse(headerOf(raw), opt)
		if err != nil {
			t.Fatal(err)
		}
		if i < generated && head.hdr == nil {
			t.Fatalf("the header pass of generated mail %d keeps nothing for parseWhole", i)
		}
		sameParse(t, fmt.Sprintf("mail %d", i), raw, head, opt)
		sameParse(t, "another's header", raw, headOther(t, raws, i, opt), opt)
	}
	n := 0
	for _, c := range []struct{ corpus, glob string }{
		{"parse_enmime", "*/*.raw"}, {"parse_enmime", "*/*/*.raw"}, {"parse_cpython_email", "msg_*.txt"},
		{"parse_stalwart_mailparser", "resources/eml/*/*.eml"}, {"bounce_sisimai", "maildir/*/*.eml"},
		{"autoreply_zammad_cases", "*"}, {"reply_discourse_trimmer", "*/*"},
	} {
		if corporaRoot() == "" {
			break
		}
		files, _ := filepath.Glob(filepath.Join(corpusDir(t, c.corpus), c.glob))
		for _, f := range underrace.Sample(files) {
			raw, err := os.ReadFile(f)
			if err != nil || len(raw) == 0 {
				continue
			}
			head, err := Parse(headerOf(raw), opt)
			if err != nil {
				continue
			}
			sameParse(t, f, raw, head, opt)
			n++
		}
	}
	t.Logf("%d corpus mails", n)
}

func headOther(t *testing.T, raws [][]byte, i int, opt ParseOptions) *Message {
	m, err := Parse(headerOf(raws[(i+1)%len(raws)]), opt)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
