package mailin

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
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

var forwardedRe = regexp.MustCompile(`(?i)^\s*(?:fwd?|tr|wg)\s*:`)

// TestCorpusSisimai scores the verdict on sisimai's set of bounces, feedback
// reports and vacation replies, using the labels derived from file names.
func TestCorpusSisimai(t *testing.T) {
	dir := corpusDir(t, "bounce_sisimai")
	// go-sisimai's labels say which bounces are really feedback reports.
	feedbackLabel := map[string]bool{}
	for _, row := range readCSV(t, filepath.Join(dir, "labels_from_go-sisimai.csv")) {
		if row[4] == "feedback" {
			feedbackLabel[row[0]] = true
		}
	}
	var bounces, bounceOK, vac, vacOK, arf, arfOK, persons, forwarded int
	for _, row := range readCSV(t, filepath.Join(dir, "labels_coarse.csv")) {
		file, class := row[0], row[1]
		m := parseFile(t, filepath.Join(dir, file), ParseOptions{})
		if (class == "bounce_or_dsn" || class == "bounce_debug_unverified") && forwardedRe.MatchString(m.Subject) {
			// A person forwarding a bounce to the desk asks for help: that
			// is a person's mail, not a bounce. Counted apart.
			forwarded++
			t.Logf("forwarded bounce judged %s (%s): %s", m.Verdict, m.VerdictReason, file)
			continue
		}
		switch class {
		case "bounce_or_dsn", "bounce_debug_unverified":
			bounces++
			if m.Verdict == VerdictBounce || (m.Verdict == VerdictFeedback && feedbackLabel[strings.Replace(file, "/dos/", "/bsd/", 1)]) {
				bounceOK++
			} else {
				t.Logf("bounce judged %s (%s): %s subject %q", m.Verdict, m.VerdictReason, file, m.Subject)
			}
			if m.Verdict == VerdictPerson {
				persons++
			}
		case "auto_reply_vacation":
			vac++
			if m.Verdict == VerdictAutoReply {
				vacOK++
			} else {
				t.Logf("vacation judged %s (%s): %s", m.Verdict, m.VerdictReason, file)
			}
		case "feedback_report_arf":
			arf++
			if m.Verdict == VerdictFeedback {
				arfOK++
			} else {
				t.Logf("arf judged %s (%s): %s", m.Verdict, m.VerdictReason, file)
			}
		case "not_bounce":
			t.Logf("not_bounce %s judged %s (%s)", file, m.Verdict, m.VerdictReason)
		}
	}
	br := float64(bounceOK) / float64(bounces)
	vr := float64(vacOK) / float64(vac)
	ar := float64(arfOK) / float64(arf)
	t.Logf("sisimai: bounce recall %d/%d = %.1f%%; vacation as auto-reply %d/%d = %.1f%%; arf as feedback %d/%d = %.1f%%; bounces judged person: %d; forwarded by a person (not scored): %d",
		bounceOK, bounces, 100*br, vacOK, vac, 100*vr, arfOK, arf, 100*ar, persons, forwarded)
	if br < 0.99 || vr < 0.95 || persons > 0 {
		t.Errorf("below the bar: bounce recall ≥ 99%%, vacation ≥ 95%%, no bounce judged person")
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
		hv, _ := JudgeHeader(m.Header, opt)
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

// TestCorpusDiscourse reports the verdict on Discourse's sample of
// auto-generated mails and bounces (auto_generated: any machine verdict
// other than bounce; bounce: VerdictBounce).
func TestCorpusDiscourse(t *testing.T) {
	dir := corpusDir(t, "autoreply_bounce_discourse_sample")
	rows := readCSV(t, filepath.Join(dir, "labels.csv"))
	ok := 0
	for _, row := range rows {
		m := parseFile(t, filepath.Join(dir, row[0]), ParseOptions{})
		good := false
		switch row[1] {
		case "bounce":
			good = m.Verdict == VerdictBounce
		case "auto_generated":
			good = m.Verdict != VerdictPerson && m.Verdict != VerdictBounce
		}
		if good {
			ok++
		}
		t.Logf("%s (%s): %s (%s) failed=%v returned=%v", row[0], row[1], m.Verdict, m.VerdictReason, m.FailedRecipients, m.ReturnedIDs)
	}
	t.Logf("discourse: %d/%d", ok, len(rows))
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
