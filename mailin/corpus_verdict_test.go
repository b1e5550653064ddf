package mailin

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := f.Close(); err != nil {
			t.Log(err)
		}
	}()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows[1:]
}

func parseFile(t *testing.T, path string, opt ParseOptions) *Message {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse(raw, opt)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

// sisimaiRelabelled are the files of the sisimai set whose class for the desk differs from the
// class its folder or file name gives. Each was read one by one; the reason says what it is.
// Files are named by base name: maildir/dos and maildir/mac hold copies of maildir/bsd.
var sisimaiRelabelled = map[string]struct {
	want Verdict
	why  string
}{
	// Persons.
	"lhost-sendmail-14.eml": {VerdictPerson, `"Fwd: Returned mail" with "Forward the message." above the quoted bounce: a person asking for help`},
	"make-test-36.eml":      {VerdictPerson, `"Fwd: Returned mail", plain text, the bounce quoted with "> ": a person forwarding it`},
	// A list's notices: the list answered, not an MTA. Bulk opens no ticket and suppresses no
	// address, which is right for them.
	"lhost-fml-02.eml": {VerdictBulk, `fml list server (X-MLServer) "you are not member": a list's answer`},
	"lhost-fml-03.eml": {VerdictBulk, `fml list server (X-MLServer) "Loop Alert: Duplicated Message-ID": a list's answer`},
	// Filed under not/ as a parser-crash regression (rb-sisimai issue 368, "a bounce mail has
	// only a text part that contains a quotation of the original headers"): it is a bounce.
	"rb-issue-368-bug.eml": {VerdictBounce, "postmaster, Return-Path <>, \"email bounce notification\": a mailbox-full rejection"},
	// Delay warnings: the mail is still queued, no recipient failed; suppressing the address
	// would be wrong.
	"lhost-exim-38.eml":            {VerdictDelay, `"has not yet been delivered … Delivery attempts will continue"`},
	"lhost-exim-41.eml":            {VerdictDelay, `"has not yet been delivered … Delivery attempts will continue"`},
	"lhost-gmail-06.eml":           {VerdictDelay, `"THIS IS A WARNING MESSAGE ONLY … will be retried"`},
	"lhost-gmail-08.eml":           {VerdictDelay, `"THIS IS A WARNING MESSAGE ONLY … will be retried"`},
	"lhost-gmail-09.eml":           {VerdictDelay, `"THIS IS A WARNING MESSAGE ONLY … will be retried"`},
	"lhost-gmail-17.eml":           {VerdictDelay, `"THIS IS A WARNING MESSAGE ONLY … will be retried"`},
	"lhost-messagingserver-07.eml": {VerdictDelay, `DSN Action: delayed, "Delivery has been delayed"`},
	"lhost-opensmtpd-06.eml":       {VerdictDelay, `DSN Action: delayed, "only a temporary failure report"`},
	"lhost-opensmtpd-12.eml":       {VerdictDelay, `DSN Action: delayed, "only a temporary failure report"`},
	"lhost-opensmtpd-13.eml":       {VerdictDelay, `DSN Action: delayed, "A message is delayed for more than 4 hours"`},
	"lhost-opensmtpd-15.eml":       {VerdictDelay, `DSN Action: delayed, "only a temporary failure report"`},
	"lhost-opensmtpd-16.eml":       {VerdictDelay, `DSN Action: delayed, "only a temporary failure report"`},
	"lhost-outlook-06.eml":         {VerdictDelay, `DSN Action: delayed, "THIS IS A WARNING MESSAGE ONLY"`},
	"lhost-sendmail-29.eml":        {VerdictDelay, `DSN Action: delayed, "THIS IS A WARNING MESSAGE ONLY"`},
	"lhost-sendmail-55.eml":        {VerdictDelay, `DSN Action: delayed, "THIS IS A WARNING MESSAGE ONLY"`},
	"lhost-zoho-04.eml":            {VerdictDelay, `"THIS IS A WARNING MESSAGE ONLY … will be retried"`},
	"rfc3464-07.eml":               {VerdictDelay, `DSN Action: Delayed, "Mail Delivery Delayed"`},
	"rfc3464-09.eml":               {VerdictDelay, `DSN Action: delayed, "THIS IS A WARNING ONLY … will be retried"`},
	"rfc3464-34.eml":               {VerdictDelay, `DSN Action: delayed, "THIS IS A WARNING ONLY … will be retried"`},
	"rfc3464-55.eml":               {VerdictDelay, `DSN Action: delayed, "a temporary problem … Gmail will retry"`},
	"rhost-gsuite-06.eml":          {VerdictDelay, `DSN Action: delayed, "a temporary problem … Gmail will retry"`},
	"rhost-outlook-06.eml":         {VerdictDelay, `DSN Action: delayed, "THIS IS A WARNING MESSAGE ONLY"`},
}

// sisimaiWant is the verdict a sisimai file must get: by its folder and name (labels_coarse.csv),
// feedback where go-sisimai's reason says so, else as relabelled above.
func sisimaiWant(file, class string, feedback map[string]bool) (Verdict, string) {
	if r, ok := sisimaiRelabelled[filepath.Base(file)]; ok {
		return r.want, r.why
	}
	switch class {
	case "auto_reply_vacation":
		return VerdictAutoReply, ""
	case "feedback_report_arf":
		return VerdictFeedback, ""
	case "not_bounce":
		return VerdictPerson, ""
	}
	if feedback[filepath.Base(file)] {
		return VerdictFeedback, "go-sisimai: reason feedback"
	}
	return VerdictBounce, ""
}

// TestCorpusSisimai scores the verdict on sisimai's set of bounces, delay warnings, feedback
// reports, vacation replies and non-bounces, strictly (the verdict must be the expected one, not
// merely "automatic"), on unique files: the CRLF and CR copies and the files found twice under
// two names are counted once. The files whose class differs from their folder's are listed in
// sisimaiRelabelled, each with its reason.
func TestCorpusSisimai(t *testing.T) {
	dir := corpusDir(t, "bounce_sisimai")
	feedback := map[string]bool{}
	for _, row := range readCSV(t, filepath.Join(dir, "labels_from_go-sisimai.csv")) {
		if row[4] == "feedback" {
			feedback[filepath.Base(row[0])] = true
		}
	}
	seen := map[[32]byte]string{}
	type cell struct{ want, got Verdict }
	confusion := map[cell]int{}
	perWant := map[Verdict]*score{}
	dups, relabelled := 0, 0
	for _, row := range readCSV(t, filepath.Join(dir, "labels_coarse.csv")) {
		file, class := row[0], row[1]
		raw, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(bytes.ReplaceAll(bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n")), []byte("\r"), []byte("\n")))
		if first, ok := seen[sum]; ok {
			dups++
			t.Logf("duplicate of %s: %s", first, file)
			continue
		}
		seen[sum] = file
		want, why := sisimaiWant(file, class, feedback)
		if why != "" {
			relabelled++
		}
		m, err := Parse(raw, ParseOptions{})
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		confusion[cell{want, m.Verdict}]++
		s := perWant[want]
		if s == nil {
			s = &score{name: "sisimai " + string(want)}
			perWant[want] = s
		}
		s.add(t, file, m.Verdict == want, fmt.Sprintf("judged %s (%s), want %s %s; subject %q", m.Verdict, m.VerdictReason, want, why, m.Subject))
		if want == VerdictDelay && m.Verdict == VerdictDelay && len(m.FailedRecipients) > 0 {
			t.Errorf("%s: a delay names failed recipients %v", file, m.FailedRecipients)
		}
	}
	verdicts := []Verdict{VerdictBounce, VerdictDelay, VerdictFeedback, VerdictAutoReply, VerdictBulk, VerdictPerson, VerdictLoop}
	var b strings.Builder
	b.WriteString("want \\ got")
	for _, g := range verdicts {
		fmt.Fprintf(&b, " %10s", g)
	}
	total, pass := 0, 0
	for _, w := range verdicts {
		if perWant[w] == nil {
			continue
		}
		fmt.Fprintf(&b, "\n%-10s", w)
		for _, g := range verdicts {
			fmt.Fprintf(&b, " %10d", confusion[cell{w, g}])
		}
		total += perWant[w].total
		pass += perWant[w].pass
	}
	t.Logf("sisimai: %d unique files (%d duplicates not counted, %d relabelled by sisimaiRelabelled); confusion:\n%s", total, dups, relabelled, b.String())
	t.Logf("sisimai strict: %d/%d = %.1f%%", pass, total, 100*float64(pass)/float64(total))
	// Bars at today's score: every bounce, delay, feedback report, vacation reply and
	// non-bounce right. Not one person's mail judged automatic, not one bounce judged a person.
	bars := map[Verdict]float64{VerdictBounce: 1, VerdictDelay: 1, VerdictFeedback: 1, VerdictAutoReply: 1, VerdictPerson: 1, VerdictBulk: 1}
	for _, w := range verdicts {
		if s := perWant[w]; s != nil {
			s.report(t, bars[w])
		}
	}
}

// TestCorpusZammad checks Zammad's auto-response cases. Mapping of Zammad's
// expectations to verdicts: cases.json expect_send_auto_response=true means
// a person wrote it (VerdictPerson), false means any other verdict (X-Loop
// and a Message-ID of Zammad's own FQDN give VerdictLoop, the others
// bulk or auto-reply). ooo_cases.json expect_out_of_office=true means
// VerdictAutoReply, false means VerdictPerson. Zammad's own FQDN is modelled
// with ParseOptions.IsOwnMessageID.
func TestCorpusZammad(t *testing.T) {
	dir := corpusDir(t, "autoreply_zammad_cases")
	opt := ParseOptions{
		DeskAddresses:  []string{"helpdesk@zammad.example.com"},
		IsOwnMessageID: func(id string) bool { return strings.HasSuffix(id, "@zammad.example.com") },
	}
	var cases []struct {
		File                   string `json:"file"`
		ExpectSendAutoResponse *bool  `json:"expect_send_auto_response"`
		ExpectOutOfOffice      *bool  `json:"expect_out_of_office"`
	}
	for _, name := range []string{"cases.json", "ooo_cases.json"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		var c []struct {
			File                   string `json:"file"`
			ExpectSendAutoResponse *bool  `json:"expect_send_auto_response"`
			ExpectOutOfOffice      *bool  `json:"expect_out_of_office"`
		}
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, c...)
	}
	ok := 0
	for _, c := range cases {
		m := parseFile(t, filepath.Join(dir, c.File), opt)
		hv, _ := judgeHeader(m.Header, opt)
		good := false
		switch {
		case c.ExpectSendAutoResponse != nil && *c.ExpectSendAutoResponse:
			good = m.Verdict == VerdictPerson && hv == VerdictPerson
		case c.ExpectSendAutoResponse != nil:
			good = m.Verdict != VerdictPerson && hv != VerdictPerson
		case c.ExpectOutOfOffice != nil && *c.ExpectOutOfOffice:
			good = m.Verdict == VerdictAutoReply && hv == VerdictAutoReply
		case c.ExpectOutOfOffice != nil:
			good = m.Verdict == VerdictPerson && hv == VerdictPerson
		}
		if good {
			ok++
		} else {
			t.Errorf("%s: verdict %s (%s), header verdict %s", c.File, m.Verdict, m.VerdictReason, hv)
		}
	}
	t.Logf("zammad: %d/%d = %.1f%%", ok, len(cases), 100*float64(ok)/float64(len(cases)))
}

// TestCorpusDiscourse scores the verdict on Discourse's sample of auto-generated mails and
// bounces: auto_generated must get a machine verdict other than bounce, bounce must get
// VerdictBounce.
func TestCorpusDiscourse(t *testing.T) {
	dir := corpusDir(t, "autoreply_bounce_discourse_sample")
	s := &score{name: "discourse automatic sample"}
	for _, row := range readCSV(t, filepath.Join(dir, "labels.csv")) {
		m := parseFile(t, filepath.Join(dir, row[0]), ParseOptions{})
		good := false
		switch row[1] {
		case "bounce":
			good = m.Verdict == VerdictBounce
		case "auto_generated":
			good = m.Verdict != VerdictPerson && m.Verdict != VerdictBounce
		default:
			t.Fatalf("%s: unknown label %q", row[0], row[1])
		}
		s.add(t, row[0], good, fmt.Sprintf("%s (%s) judged %s (%s)", row[0], row[1], m.Verdict, m.VerdictReason))
	}
	// Bar at today's score: all seven.
	s.report(t, 1)
}

// validUTF8 reports whether the readable fields of m are valid UTF-8.
func validUTF8(m *Message) bool {
	if !utf8.ValidString(m.Subject) || !utf8.ValidString(m.Text) || !utf8.ValidString(m.HTML) || !utf8.ValidString(m.From.Name) {
		return false
	}
	for _, a := range m.Attachments {
		if !utf8.ValidString(a.Name) || strings.ContainsAny(a.Name, "/\\") {
			return false
		}
	}
	return true
}
