package tickets

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// corpusExample is one labelled ticket of a corpus.
type corpusExample struct{ text, label string }

// corporaRoot returns the folder of the public test corpora: $DESKD_CORPORA, else
// shared/corpora beside the repository (the folder that holds go.mod).
func corporaRoot() string {
	if root := os.Getenv("DESKD_CORPORA"); root != "" {
		return root
	}
	dir, err := os.Getwd()
	if err != nil {
		return filepath.Join("..", "..", "shared", "corpora")
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(filepath.Dir(d), "shared", "corpora")
		}
		if filepath.Dir(d) == d {
			return filepath.Join("..", "..", "shared", "corpora")
		}
	}
}

// corporaRequired reports whether a missing corpus fails the test instead of skipping it: in CI
// (CI set) or when DESKD_REQUIRE_CORPORA is set, as .ci/run does.
func corporaRequired() bool {
	for _, k := range []string{"DESKD_REQUIRE_CORPORA", "CI"} {
		if v := os.Getenv(k); v != "" && v != "0" && v != "false" {
			return true
		}
	}
	return false
}

// loadITCorpus reads $DESKD_CORPORA/tickets_it_service_en (Document, Topic_group columns). It
// skips the test when the corpus is absent, or fails it when corpora are required.
func loadITCorpus(tb testing.TB) []corpusExample {
	tb.Helper()
	f, err := os.Open(filepath.Join(corporaRoot(), "tickets_it_service_en", "all_tickets_processed_improved_v3.csv"))
	if errors.Is(err, fs.ErrNotExist) {
		if corporaRequired() {
			tb.Fatalf("corpus tickets_it_service_en is required (CI or DESKD_REQUIRE_CORPORA is set): %v", err)
		}
		tb.Skip("corpus tickets_it_service_en not found; set DESKD_CORPORA")
	}
	if err != nil {
		tb.Fatal(err)
	}
	defer func() {
		if err := f.Close(); err != nil {
			tb.Log(err)
		}
	}()
	r := csv.NewReader(f)
	if _, err := r.Read(); err != nil { // Header.
		tb.Fatal(err)
	}
	var out []corpusExample
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			tb.Fatal(err)
		}
		if len(rec) == 2 {
			out = append(out, corpusExample{rec[0], rec[1]})
		}
	}
	return out
}

// splitCorpus puts every fifth example in the test set, the rest in the training set.
func splitCorpus(all []corpusExample) (train, test []corpusExample) {
	for i, ex := range all {
		if i%5 == 4 {
			test = append(test, ex)
		} else {
			train = append(train, ex)
		}
	}
	return train, test
}

// TestClassifyCorpus trains the model on 80% of the IT service tickets and measures it on the
// other 20%.
func TestClassifyCorpus(t *testing.T) {
	all := loadITCorpus(t)
	train, test := splitCorpus(all)
	m := NewModel()
	for _, ex := range train {
		m.Add(ex.label, ex.text)
	}
	type counts struct{ tp, fp, fn int }
	per := map[string]*counts{}
	get := func(l string) *counts {
		if per[l] == nil {
			per[l] = &counts{}
		}
		return per[l]
	}
	correct, confident, confidentCorrect := 0, 0, 0
	for _, ex := range test {
		got, scores := m.Predict(ex.text)
		get(ex.label)
		if got == ex.label {
			correct++
			get(got).tp++
		} else {
			get(ex.label).fn++
			if got != "" {
				get(got).fp++
			}
		}
		if scores[got] >= modelConfident {
			confident++
			if got == ex.label {
				confidentCorrect++
			}
		}
	}
	labels := make([]string, 0, len(per))
	for l := range per {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	var sumF1 float64
	for _, l := range labels {
		c := per[l]
		var p, r, f1 float64
		if c.tp+c.fp > 0 {
			p = float64(c.tp) / float64(c.tp+c.fp)
		}
		if c.tp+c.fn > 0 {
			r = float64(c.tp) / float64(c.tp+c.fn)
		}
		if p+r > 0 {
			f1 = 2 * p * r / (p + r)
		}
		sumF1 += f1
		t.Logf("%-22s precision %.3f recall %.3f F1 %.3f (%d)", l, p, r, f1, c.tp+c.fn)
	}
	acc := float64(correct) / float64(len(test))
	macroF1 := sumF1 / float64(len(labels))
	t.Logf("model alone, trained on %d, tested on %d: right %d/%d = %.1f%%, macro-F1 %.3f", len(train), len(test), correct, len(test), 100*acc, macroF1)
	t.Logf("posterior ≥ %.2f on %d/%d = %.1f%% of the test set, right there %d/%d = %.1f%%", modelConfident,
		confident, len(test), 100*float64(confident)/float64(len(test)), confidentCorrect, confident, 100*float64(confidentCorrect)/float64(max(confident, 1)))
	if macroF1 < 0.75 {
		t.Errorf("macro-F1 %.3f, want at least 0.75", macroF1)
	}
}

// BenchmarkTrain measures training on the corpus's training set; ns/op is for the whole set.
func BenchmarkTrain(b *testing.B) {
	train, _ := splitCorpus(loadITCorpus(b))
	b.ResetTimer()
	for b.Loop() {
		m := NewModel()
		for _, ex := range train {
			m.Add(ex.label, ex.text)
		}
	}
	b.ReportMetric(float64(len(train)), "tickets/op")
}

// BenchmarkClassify measures the classification of one ticket by a model trained on the corpus.
func BenchmarkClassify(b *testing.B) {
	train, test := splitCorpus(loadITCorpus(b))
	m := NewModel()
	for _, ex := range train {
		m.Add(ex.label, ex.text)
	}
	b.ResetTimer()
	i := 0
	for b.Loop() {
		m.Predict(test[i%len(test)].text)
		i++
	}
}

// itCategories is the configuration a coordinator would write for the eight topics of the IT
// service corpus: a name and a few keywords each. The keywords were chosen from the words of
// the training part (examples i%5 in 0..2) and tuned on the development part (i%5 == 3); the
// test part (i%5 == 4) was not looked at.
var itCategories = []Category{
	{Name: "Hardware", Keywords: []string{"laptop", "monitor", "docking", "docking station", "keyboard", "mouse",
		"screen", "cable", "charger", "meeting room", "projector", "equipment"}},
	{Name: "Access", Keywords: []string{"password", "reset password", "account", "locked", "expired", "expire",
		"confluence", "git", "repository", "license", "activate", "visitor"}},
	{Name: "HR Support", Keywords: []string{"starter", "leaver", "annual leave", "timecard", "time card", "absence",
		"discipline", "holiday", "new starter"}},
	{Name: "Miscellaneous", Keywords: []string{"approval", "approve", "approver", "owner", "change request"}},
	{Name: "Storage", Keywords: []string{"folder", "shared folder", "mailbox", "storage", "quota", "size", "increase size",
		"archive"}},
	{Name: "Purchase", Keywords: []string{"purchase", "purchased", "po", "purchase order", "ordered", "receipt",
		"allocation"}},
	{Name: "Internal Project", Keywords: []string{"project code", "project", "pipeline", "opportunity", "codes"}},
	{Name: "Administrative rights", Keywords: []string{"administrative rights", "upgrade", "upgrading", "windows",
		"version"}},
}

// classifyScore is the desk's classification measured on labelled examples: exact agreement
// (an unclassified request counts as wrong unless it has no category), coverage and macro-F1.
type classifyScore struct {
	name                   string
	n, correct, classified int
	per                    map[string]*struct{ tp, fp, fn int }
}

func newClassifyScore(name string) *classifyScore {
	return &classifyScore{name: name, per: map[string]*struct{ tp, fp, fn int }{}}
}

func (s *classifyScore) add(want, got string) {
	get := func(l string) *struct{ tp, fp, fn int } {
		if s.per[l] == nil {
			s.per[l] = &struct{ tp, fp, fn int }{}
		}
		return s.per[l]
	}
	s.n++
	if got != "" {
		s.classified++
	}
	if got == want {
		s.correct++
		if want != "" {
			get(want).tp++
		}
		return
	}
	if want != "" {
		get(want).fn++
	}
	if got != "" {
		get(got).fp++
	}
}

func (s *classifyScore) macroF1() float64 {
	var sum float64
	for _, c := range s.per {
		var p, r float64
		if c.tp+c.fp > 0 {
			p = float64(c.tp) / float64(c.tp+c.fp)
		}
		if c.tp+c.fn > 0 {
			r = float64(c.tp) / float64(c.tp+c.fn)
		}
		if p+r > 0 {
			sum += 2 * p * r / (p + r)
		}
	}
	return sum / float64(max(len(s.per), 1))
}

func (s *classifyScore) log(t *testing.T) {
	t.Helper()
	t.Logf("%s: right %d/%d = %.1f%%, classified %d/%d = %.1f%%, macro-F1 %.3f", s.name, s.correct, s.n,
		100*float64(s.correct)/float64(s.n), s.classified, s.n, 100*float64(s.classified)/float64(s.n), s.macroF1())
}

// TestClassifyCorpusDeskPath scores the classification the desk runs (Desk.Triage calls
// classify: keyword rules, then the model above modelConfident, then the best keyword) on the IT
// service corpus, with itCategories as the configuration: the model is trained on examples
// i%5 in 0..3 and measured on i%5 == 4, which neither the keywords nor the thresholds were tuned
// on. Rules alone (a desk with no model yet) and the model alone are reported beside it.
func TestClassifyCorpusDeskPath(t *testing.T) {
	all := loadITCorpus(t)
	score := func(name string, train func(i int) bool, test func(i int) bool) (desk, rules, model *classifyScore) {
		m := NewModel()
		for i, ex := range all {
			if train(i) {
				m.Add(ex.label, ex.text)
			}
		}
		desk, rules, model = newClassifyScore(name+" desk path"), newClassifyScore(name+" rules only"), newClassifyScore(name+" model only")
		for i, ex := range all {
			if !test(i) {
				continue
			}
			got, _, _ := classify(itCategories, m, "", ex.text)
			desk.add(ex.label, got)
			got, _, _ = classify(itCategories, nil, "", ex.text)
			rules.add(ex.label, got)
			got, _ = m.Predict(ex.text)
			model.add(ex.label, got)
		}
		return desk, rules, model
	}
	// The keywords were tuned on the development part with the model trained on i%5 in 0..2
	// (set DESKD_CLASSIFY_DEV=1 to measure it again): desk path 7434/9567, rules only 4138/9567,
	// model only 7594/9567.
	if os.Getenv("DESKD_CLASSIFY_DEV") != "" {
		dDesk, dRules, dModel := score("IT corpus, development (i%5==3)", func(i int) bool { return i%5 < 3 }, func(i int) bool { return i%5 == 3 })
		for _, s := range []*classifyScore{dDesk, dRules, dModel} {
			s.log(t)
		}
	}
	tDesk, tRules, tModel := score("IT corpus, test (i%5==4)", func(i int) bool { return i%5 < 4 }, func(i int) bool { return i%5 == 4 })
	for _, s := range []*classifyScore{tDesk, tRules, tModel} {
		s.log(t)
	}
	// Bars on the test part, at today's scores.
	if tDesk.correct < tDeskBar || tRules.correct < tRulesBar {
		t.Errorf("test part: desk path %d/%d (bar %d), rules only %d/%d (bar %d)", tDesk.correct, tDesk.n, tDeskBar, tRules.correct, tRules.n, tRulesBar)
	}
}

// Bars of TestClassifyCorpusDeskPath, set at the scores measured when they were written.
const (
	tDeskBar  = 7358 // of 9567: 76.9%, macro-F1 0.767, 97.4% classified (the model alone: 7548, 78.9%, abstaining on 1.8%).
	tRulesBar = 4043 // of 9567: 42.3%; rules classify 56.3% of the requests.
)

// TestClassifyFrench scores the desk's classification on testdata/category_requests_fr.jsonl:
// 179 French requests written for the project, each with the category a coordinator would give
// among the sample desk's four (network, hardware, accounts, software: cmd/deskd/config/
// sample.toml, with its keywords), or none ("") for what fits none of them (telephony, security,
// facilities, training). The desk path runs with a model trained on the "train" half and is
// measured on the "test" half; a desk with no model yet (rules only) is measured on the test
// half too. Nothing was tuned on this set.
func TestClassifyFrench(t *testing.T) {
	f, err := os.Open("testdata/category_requests_fr.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type req struct{ ID, Split, Category, Subject, Text string }
	var reqs []req
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r req
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		reqs = append(reqs, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	cats := newTestDesk(t).Config().Categories
	m := NewModel()
	for _, r := range reqs {
		if r.Split == "train" && r.Category != "" {
			m.Add(r.Category, trainingText(r.Subject, r.Text))
		}
	}
	desk, rules := newClassifyScore("French requests, test half, desk path"), newClassifyScore("French requests, test half, rules only")
	for _, r := range reqs {
		if r.Split != "test" {
			continue
		}
		got, why, _ := classify(cats, m, r.Subject, r.Text)
		desk.add(r.Category, got)
		if testing.Verbose() && got != r.Category && os.Getenv("DESKD_CLASSIFY_MISSES") != "" {
			t.Logf("%s want %q got %q (%s): %s | %s", r.ID, r.Category, got, strings.Join(why, "; "), r.Subject, r.Text)
		}
		got, _, _ = classify(cats, nil, r.Subject, r.Text)
		rules.add(r.Category, got)
	}
	desk.log(t)
	rules.log(t)
	if desk.correct < frDeskBar || rules.correct < frRulesBar {
		t.Errorf("French test half: desk path %d/%d (bar %d), rules only %d/%d (bar %d)", desk.correct, desk.n, frDeskBar, rules.correct, rules.n, frRulesBar)
	}
}

// Bars of TestClassifyFrench, set at the scores measured when it was written.
const (
	frDeskBar  = 51 // of 89: 57.3%, macro-F1 0.618, with a model trained on 70 requests.
	frRulesBar = 40 // of 89: 44.9%; the sample desk's keywords classify 41.6% of the requests.
)
