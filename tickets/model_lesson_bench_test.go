package tickets

import (
	"runtime"
	"testing"
)

// corpusModel is a model trained on the IT corpus's training set, with the heap it holds.
func corpusModel(b *testing.B) (*Model, []corpusExample, float64) {
	train, test := splitCorpus(loadITCorpus(b))
	defer func(keep bool) { keepCountMaps = keep }(keepCountMaps)
	keepCountMaps = false // As the desk's models: the tests' maps would double the cost.
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m := NewModel()
	for _, ex := range train {
		m.Add(ex.label, ex.text)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	return m, test, float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
}

// BenchmarkModelClone measures the copy of the corpus's model that every lesson starts from
// (Desk.teach).
func BenchmarkModelClone(b *testing.B) {
	m, _, mb := corpusModel(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_ = m.clone()
	}
	b.ReportMetric(mb, "model-MB")
}

// BenchmarkTeach measures a lesson (a ticket's category learned) taught to the corpus's model in
// use, as a resolution's commit does, and the first prediction of the model it leaves.
func BenchmarkTeach(b *testing.B) {
	m, test, mb := corpusModel(b)
	var d Desk
	d.model.Store(m)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		ex := test[i%len(test)]
		i++
		d.train.Lock()
		d.teach([]lesson{{category: ex.label, feats: Features(ex.text)}})
		d.train.Unlock()
		d.model.Load().Predict(test[i%len(test)].text)
	}
	b.ReportMetric(mb, "model-MB")
}

// BenchmarkTrainModel is BenchmarkTrain on models as the desk makes them, without the maps the
// package's tests read (keepCountMaps).
func BenchmarkTrainModel(b *testing.B) {
	train, _ := splitCorpus(loadITCorpus(b))
	defer func(keep bool) { keepCountMaps = keep }(keepCountMaps)
	keepCountMaps = false
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		m := NewModel()
		for _, ex := range train {
			m.Add(ex.label, ex.text)
		}
	}
	b.ReportMetric(float64(len(train)), "tickets/op")
}
