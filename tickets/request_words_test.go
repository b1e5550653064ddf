package tickets

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/deskd/deskd/bench"
	"github.com/deskd/deskd/internal/underrace"
)

// The routines triage once ran each on its own copy of the request, kept here to check that what
// replaced them (wordsOfRequest and its readers) gives the same on every request the tests know.

// refSplitClauses cuts text at sentence punctuation and line ends.
func refSplitClauses(text string) []string {
	return strings.FieldsFunc(text, func(r rune) bool {
		switch r {
		case '.', '!', '?', ';', ',', ':', '\n', '(', ')', '"', '«', '»':
			return true
		}
		return false
	})
}

// refWordsOfClauses folds and stems each clause on its own.
func refWordsOfClauses(clauses []string) []clauseWords {
	out := make([]clauseWords, len(clauses))
	for i, c := range clauses {
		out[i].ws = foldedWords(c)
		out[i].st = make([]string, len(out[i].ws))
		for j, w := range out[i].ws {
			out[i].st[j] = stem(w)
			if phraseFirsts[out[i].st[j]] {
				out[i].firsts = append(out[i].firsts, j)
			}
		}
	}
	return out
}

// refFeatures is Features as it was: clause by clause, each folded again, bigrams concatenated.
func refFeatures(text string) []string {
	var out []string
	for _, clause := range refSplitClauses(text) {
		prev := ""
		for _, w := range foldedWords(clause) {
			if len(w) < 2 || stopwords[w] || isNumber(w) || stopPhrase(w) {
				continue
			}
			if w = stem(w); stopwords[w] {
				continue
			}
			out = append(out, w)
			if prev != "" {
				out = append(out, prev+"_"+w)
			}
			prev = w
		}
	}
	return out
}

// equivalenceRequests are the subjects and texts of every labelled set of the tests (priority,
// categories, the incident week, the bench's topics, one IT ticket in ten when the corpora are
// there), and generated ones: random runs of their words, punctuation, accents, hyphens,
// apostrophes, capitals, digits and other scripts, some over maxIndexedRunes. Under the race
// detector, a sample of them (underrace.Sample).
func equivalenceRequests(t *testing.T) [][3]string {
	t.Helper()
	var out [][3]string
	for _, r := range loadLabelledRequests(t) {
		out = append(out, [3]string{r.Subject, r.Text, r.Lang})
	}
	f, err := os.Open("testdata/category_requests_fr.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r struct{ Subject, Text string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, [3]string{r.Subject, r.Text, "fr"})
	}
	for _, w := range loadWeek(t) {
		out = append(out, [3]string{w.subject, w.text, "en"}, [3]string{w.subject, w.text, "fr"})
	}
	for i := int64(1); i <= 60; i++ {
		for _, lang := range []string{"fr", "en"} {
			s, b, _ := bench.Topic(i, lang)
			out = append(out, [3]string{s, "Bonjour,\n\n" + b, lang})
		}
	}
	if _, err := os.Stat(corporaRoot()); err == nil {
		t.Run("corpus", func(t *testing.T) {
			for i, ex := range loadITCorpus(t) {
				if i%10 == 0 {
					s, b, _ := strings.Cut(ex.text, "  ")
					out = append(out, [3]string{s, b, "en"})
				}
			}
		})
	}
	var vocab []string
	for _, r := range out {
		vocab = append(vocab, strings.Fields(r[0]+" "+r[1])...)
	}
	pieces := []string{".", "!", "?", ";", ",", ":", "\n", "(", ")", "\"", "«", "»", "-", "--", "'", "’", " - ",
		"É", "é", "À", "ç", "Œ", "ß", "ÿ", "\u00a0", "\t", "  ", "3e", "14h30", "25", "WI-FI", "l'", "n'", "d’",
		"ПРИНТЕР", "打印机", "😀", "\u2028", "-x", "x-", "pouvez-vous", "mot-de-passe", "NE", "PAS"}
	r := rand.New(rand.NewPCG(20, 2026))
	gen := func(n int) string {
		var b strings.Builder
		for range n {
			if r.IntN(3) == 0 {
				b.WriteString(pieces[r.IntN(len(pieces))])
			} else {
				w := vocab[r.IntN(len(vocab))]
				if r.IntN(5) == 0 {
					w = strings.ToUpper(w)
				}
				b.WriteString(w)
			}
			if r.IntN(3) > 0 {
				b.WriteByte(' ')
			}
		}
		return b.String()
	}
	for i := range 2000 {
		n := 3 + r.IntN(60)
		if i%100 == 0 {
			n = 1500 // Past maxIndexedRunes.
		}
		out = append(out, [3]string{gen(r.IntN(12)), gen(n), []string{"fr", "en", "de"}[i%3]})
	}
	return underrace.Sample(append(out, [3]string{"", "", "fr"}, [3]string{"", "Bonjour", "en"}, [3]string{"Écran", "", "fr"}))
}

// TestRequestWordsEquivalent checks that a request split once (wordsOfRequest) gives its readers
// what each made of the text itself before: the clauses and their words and stems of
// splitClauses(subject + "\n" + text), the model's features, the terms of the keyword rules, and
// the search document.
func TestRequestWordsEquivalent(t *testing.T) {
	for _, q := range equivalenceRequests(t) {
		subject, text, lang := q[0], q[1], q[2]
		t := &shortFatal{t}
		w := wordsOfRequest(subject, text)
		body := requestBody(text) // What triage reads of the text.
		var want []clauseWords
		for _, c := range refWordsOfClauses(refSplitClauses(subject + "\n" + body)) {
			if len(c.ws) > 0 {
				want = append(want, c)
			}
		}
		if len(w.clauses) != len(want) {
			t.Fatalf("%q / %q: %d clauses, want %d", subject, text, len(w.clauses), len(want))
		}
		for i, c := range w.clauses {
			if !slices.Equal(c.ws, want[i].ws) || !slices.Equal(c.st, want[i].st) || !slices.Equal(c.firsts, want[i].firsts) {
				t.Fatalf("%q / %q: clause %d is %q %q %v, want %q %q %v", subject, text, i, c.ws, c.st, c.firsts,
					want[i].ws, want[i].st, want[i].firsts)
			}
		}
		for _, one := range []bool{false, true} {
			if got, want := w.features(one), refFeatures(subject+"\n"+body); !slices.Equal(got, want) {
				t.Fatalf("%q / %q: features %q, want %q", subject, text, got, want)
			}
		}
		if got, want := Features(subject+"\n"+text), refFeatures(subject+"\n"+body); !slices.Equal(got, want) {
			t.Fatalf("%q: Features %q, want %q", text, got, want)
		}
		if !slices.Equal(w.subject(), terms(subject)) || !slices.Equal(w.text(), terms(body)) {
			t.Fatalf("%q / %q: terms %q %q, want %q %q", subject, text, w.subject(), w.text(), terms(subject), terms(body))
		}
		for _, doc := range []string{subject, ticketSubject(subject, text)} {
			want := append(subjectTerms(doc, lang), requestTerms(text, lang)...)
			if got := documentTerms(&w, subject, doc, lang); !slices.Equal(got, want) || (got == nil) != (want == nil) {
				t.Fatalf("%q / %q: document %q, want %q", subject, text, got, want)
			}
		}
	}
}

// TestNewRequestSubject checks that the subject newRequest gives a ticket is ticketSubject of the
// cleaned subject, which prepareRequest takes for the search document without working it out again.
func TestNewRequestSubject(t *testing.T) {
	cfg := parseTestConfig(t, testConfigTOML)
	for _, q := range equivalenceRequests(t) {
		in := &Incoming{Subject: "RE: [HD #12] " + q[0], Text: q[1], Language: q[2]}
		cleaned, subject, text, _ := newRequestCleaned(cfg, in)
		if want := ticketSubject(cleaned, text); subject != want {
			t.Fatalf("%q: subject %q, want %q", in.Subject, subject, want)
		}
		if want := CleanSubject(OneLine(in.Subject, maxSubjectIn), cfg.Desk.Tag); cleaned != want {
			t.Fatalf("%q: cleaned %q, want %q", in.Subject, cleaned, want)
		}
	}
}

// shortFatal cuts the requests and words a failure prints: a corpus ticket is pages long.
type shortFatal struct{ *testing.T }

func (s *shortFatal) Fatalf(format string, args ...any) {
	s.T.Helper()
	msg := fmt.Sprintf(format, args...)
	if len(msg) > 2000 {
		msg = msg[:2000] + "…"
	}
	s.T.Fatal(msg)
}
