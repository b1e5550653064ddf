package tickets

import (
	"reflect"
	"slices"
	"testing"
)

// refClassifyByRules is the keyword rules as they were: every keyword of every category matched
// at every word of the request (countSeq).
func refClassifyByRules(cats []Category, subject, text string) []ruleScore {
	subj, body := terms(subject), terms(text)
	var out []ruleScore
	var hitTerms [][]string
	for _, c := range cats {
		rs := ruleScore{category: c.Name}
		hitTerms = hitTerms[:0]
		for _, k := range c.Keywords {
			kw := terms(k)
			if len(kw) == 0 {
				continue
			}
			n := 2*refCountSeq(subj, kw) + refCountSeq(body, kw)
			if n == 0 || slices.ContainsFunc(hitTerms, func(h []string) bool { return slices.Equal(h, kw) }) {
				continue
			}
			rs.score += n
			rs.longest = max(rs.longest, len(kw))
			rs.hits = append(rs.hits, k)
			hitTerms = append(hitTerms, kw)
		}
		if rs.score > 0 {
			out = append(out, rs)
		}
	}
	slices.SortStableFunc(out, func(a, b ruleScore) int {
		if a.score != b.score {
			return b.score - a.score
		}
		return b.longest - a.longest
	})
	return out
}

func refCountSeq(ws, kw []string) int {
	n := 0
	for i := 0; i+len(kw) <= len(ws); i++ {
		if slices.Equal(ws[i:i+len(kw)], kw) {
			n++
		}
	}
	return n
}

// TestKeywordTableEquivalent checks the keyword table's scores against matching every keyword at
// every word, on every request the tests know and generated ones, with the sample configuration's
// categories, the IT corpus's, ones with repeated, empty and multi-word keywords, and more
// keywords than rulesOf counts on its stack.
func TestKeywordTableEquivalent(t *testing.T) {
	sample := parseTestConfig(t, testConfigTOML).Categories
	var many []Category
	for i, c := range append(append([]Category{}, sample...), itCategories...) {
		many = append(many, Category{Name: c.Name + string(rune('a'+i)), Keywords: append(c.Keywords, "mot de passe", "ne marche plus", "-", "l'écran")})
	}
	sets := [][]Category{sample, itCategories, many,
		{{Name: "purchase", Keywords: []string{"receipt", "receipts", "Receipt", "", "!!", "purchase order", "order"}}},
		{{Name: "a", Keywords: []string{"vpn", "vpn"}}, {Name: "b", Keywords: []string{"VPN", "wi-fi", "wifi"}}}, nil}
	for _, q := range equivalenceRequests(t) {
		w := wordsOfRequest(q[0], q[1])
		for _, cats := range sets {
			got, want := rulesOf(cats, w.subject(), w.text()), refClassifyByRules(cats, q[0], q[1])
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%.200q / %.200q: %v, want %v", q[0], q[1], got, want)
			}
		}
	}
}

// TestKeywordTableFollowsCategories checks that the table is made again when the categories
// change, in place too.
func TestKeywordTableFollowsCategories(t *testing.T) {
	cats := []Category{{Name: "network", Keywords: []string{"vpn"}}}
	subj := terms("Le VPN et le wifi")
	if got := rulesOf(cats, subj, nil); len(got) != 1 || got[0].score != 2 {
		t.Fatalf("%v", got)
	}
	cats[0].Keywords = []string{"wifi", "wi-fi"}
	if got := rulesOf(cats, subj, nil); len(got) != 1 || !slices.Equal(got[0].hits, []string{"wifi"}) {
		t.Fatalf("%v", got)
	}
	cats[0].Name = "wireless"
	if got := rulesOf(cats, subj, nil); len(got) != 1 || got[0].category != "wireless" {
		t.Fatalf("%v", got)
	}
}
