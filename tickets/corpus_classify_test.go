package tickets

import (
	"encoding/csv"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// corpusExample is one labelled ticket of a corpus.
type corpusExample struct{ text, label string }

// loadITCorpus reads $DESKD_CORPORA/tickets_it_service_en (Document, Topic_group columns), or
// skips the test when it is absent.
func loadITCorpus(tb testing.TB) []corpusExample {
	tb.Helper()
	dir := os.Getenv("DESKD_CORPORA")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "corpora")
	}
	f, err := os.Open(filepath.Join(dir, "tickets_it_service_en", "all_tickets_processed_improved_v3.csv"))
	if errors.Is(err, fs.ErrNotExist) {
		tb.Skip("corpus tickets_it_service_en not found; set DESKD_CORPORA")
	}
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
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
	t.Logf("trained on %d, tested on %d: accuracy %.3f, macro-F1 %.3f", len(train), len(test), acc, macroF1)
	t.Logf("posterior ≥ %.2f on %.1f%% of the test set, accuracy there %.3f", modelConfident,
		100*float64(confident)/float64(len(test)), float64(confidentCorrect)/float64(max(confident, 1)))
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
