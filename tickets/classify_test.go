package tickets

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"
)

func TestStem(t *testing.T) {
	for in, want := range map[string]string{
		"printers": "printer", "imprimantes": "imprimante", "batteries": "battery", "journaux": "journal",
		"bureaux": "bureau", "access": "access", "virus": "virus", "mais": "mais", "vpn": "vpn", "pcs": "pcs",
		"ecrans": "ecran", "claviers": "clavier",
	} {
		if got := stem(in); got != want {
			t.Errorf("stem(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFeatures(t *testing.T) {
	got := Features("Les imprimantes du 2e étage ne marchent pas. L'écran de Paul est noir")
	for _, want := range []string{"imprimante", "2e", "etage", "imprimante_2e", "marchent", "ecran", "paul", "noir", "ecran_paul"} {
		if !slices.Contains(got, want) {
			t.Errorf("missing %q in %v", want, got)
		}
	}
	for _, not := range []string{"les", "du", "ne", "pas", "l", "de", "est", "marchent_ecran"} {
		if slices.Contains(got, not) {
			t.Errorf("unexpected %q in %v", not, got)
		}
	}
	got = Features("My printers don't print; the screens are black.")
	if strings.Join(got, " ") != "printer print printer_print screen black screen_black" {
		t.Errorf("english features: %v", got)
	}
}

// trainSmall is a tiny bilingual training set.
func trainSmall() *Model {
	m := NewModel()
	for _, ex := range []struct{ cat, text string }{
		{"hardware", "Toner cartridge empty on the printer"},
		{"hardware", "Plus de toner dans l'imprimante du 3e"},
		{"hardware", "My docking station does not charge the laptop"},
		{"hardware", "La station d'accueil ne charge plus le portable"},
		{"accounts", "Account locked after too many attempts"},
		{"accounts", "Compte verrouillé après trop de tentatives"},
		{"accounts", "Please unlock my account, it is locked"},
		{"network", "The VPN drops every few minutes"},
		{"network", "Le VPN se coupe toutes les cinq minutes"},
	} {
		m.Add(ex.cat, ex.text)
	}
	return m
}

func TestModelPredict(t *testing.T) {
	m := trainSmall()
	tests := []struct{ text, want string }{
		{"toner empty again", "hardware"},
		{"Mon compte est verrouillé", "accounts"},
		{"account locked", "accounts"},
		{"vpn coupe", "network"},
		{"station d'accueil", "hardware"},
	}
	for _, tt := range tests {
		got, scores := m.Predict(tt.text)
		if got != tt.want {
			t.Errorf("Predict(%q) = %q (%v), want %q", tt.text, got, scores, tt.want)
		}
		var sum float64
		for _, p := range scores {
			sum += p
		}
		if math.Abs(sum-1) > 1e-9 || scores[got] <= scores["network"] && got != "network" {
			t.Errorf("scores %v", scores)
		}
	}
	if got, scores := m.Predict("zzz qqq"); got != "" || scores != nil {
		t.Errorf("unknown words: %q %v", got, scores)
	}
	if got, _ := NewModel().Predict("toner"); got != "" {
		t.Errorf("empty model: %q", got)
	}
}

func TestModelRemove(t *testing.T) {
	m := trainSmall()
	before := m.clone()
	m.Add("network", "Wi-Fi toner mystery")
	m.remove("network", "Wi-Fi toner mystery")
	if m.total != before.total || len(m.vocab) != len(before.vocab) || m.nFrequent != before.nFrequent ||
		m.sizes["network"] != before.sizes["network"] || m.fsizes["network"] != before.fsizes["network"] {
		t.Fatalf("remove did not undo add: %+v vs %+v", m, before)
	}
	// A category's last example gone, the category is gone.
	m.Add("printing", "spooler")
	m.remove("printing", "spooler")
	if _, ok := m.docs["printing"]; ok {
		t.Error("empty category kept")
	}
}

func TestModelFrequentFeatures(t *testing.T) {
	m := NewModel()
	for i := range frequentFrom {
		if i%2 == 0 {
			m.Add("a", "alpha common")
		} else {
			m.Add("b", "beta common")
		}
	}
	m.Add("a", "once")
	m.Add("b", "twice")
	m.Add("b", "twice")
	// "once" was seen once: left out on a large training set, so the text says nothing.
	if got, scores := m.Predict("once"); got != "" {
		t.Errorf("one-off feature used: %q %v", got, scores)
	}
	if got, _ := m.Predict("twice"); got != "b" {
		t.Errorf("twice: %q", got)
	}
	// fsizes is the sum of the frequent features' counts.
	for cat, c := range m.counts {
		n := 0
		for f, v := range c {
			if m.vocab[f] >= 2 {
				n += v
			}
		}
		if m.fsizes[cat] != n {
			t.Errorf("fsizes[%s] = %d, want %d", cat, m.fsizes[cat], n)
		}
	}
}

func TestClassifyRules(t *testing.T) {
	cats := newTestDesk(t).Config().Categories
	tests := []struct {
		subject, text, want string
	}{
		{"Réseau", "", "network"},
		{"", "le reseau est lent et le wifi coupe", "network"},            // Accents folded.
		{"", "WIFI and VPN down", "network"},                              // Case folded.
		{"", "Deux imprimantes et trois écrans", "hardware"},              // Plurals.
		{"", "J'ai oublié mon mot de passe", "accounts"},                  // Phrase.
		{"", "My passwords expired", "accounts"},                          // Plural phrase.
		{"", "The internetwork of vpnx things", ""},                       // Word boundaries.
		{"", "L'imprimante fait du bruit", "hardware"},                    // Elision.
		{"Excel", "le wifi", "software"},                                  // Subject counts twice.
		{"Problème", "Outlook et Excel plantent sur le wifi", "software"}, // More keywords.
	}
	for _, tt := range tests {
		rs := classifyByRules(cats, tt.subject, tt.text)
		got := ""
		if len(rs) > 0 {
			got = rs[0].category
		}
		if got != tt.want {
			t.Errorf("rules(%q, %q) = %q (%v), want %q", tt.subject, tt.text, got, rs, tt.want)
		}
	}
}

func TestClassifyDecision(t *testing.T) {
	cats := newTestDesk(t).Config().Categories
	m := trainSmall()
	tests := []struct {
		name, subject, text string
		model               *Model
		want, reason        string
	}{
		{"rules confident", "VPN", "Le wifi et le VPN coupent", m, "network", "rules decide"},
		{"rules confident against the model", "Imprimante", "toner toner toner", m, "hardware", "rules decide"},
		{"model when rules silent", "Verrouillé", "Mon compte est verrouillé", m, "accounts", "model: accounts"},
		{"model over a weak rule", "Help", "The toner cartridge in the printer is empty, the wifi works", m, "hardware", "model: hardware"},
		{"weak rule without a model", "Help", "the wifi is slow", nil, "network", "best keyword match"},
		{"tied rules, no model", "Help", "wifi or printer?", nil, "", "unclassified"},
		{"tied rules, a phrase over a word", "", "Oubli du mot de passe Outlook", nil, "accounts", "best keyword match"},
		{"tied rules, a phrase over a word in the subject", "Outlook : mot de passe oublié", "merci", nil, "accounts", "best keyword match"},
		{"tied rules, words alike", "Outlook password reset", "merci", nil, "", "unclassified"},
		{"nothing", "Bonjour", "Une question", nil, "", "unclassified"},
		{"model unsure", "zzz", "toner verrouillé", m, "", "model unsure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, why, _ := classify(cats, tt.model, tt.subject, tt.text)
			if got != tt.want || !strings.Contains(strings.Join(why, "; "), tt.reason) {
				t.Errorf("classify = %q (%s), want %q (%q)", got, strings.Join(why, "; "), tt.want, tt.reason)
			}
		})
	}
}

// TestTrainAndLearn trains from the store and learns from corrections, through the desk.
func TestTrainAndLearn(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	req := func(subject, text string) NewTicket {
		return NewTicket{Subject: subject, Text: text, Requester: "r@corp.example"}
	}
	// Without a model, a text without keywords is unclassified.
	tk := openTicket(t, d, t0, req("Toner", "Plus de toner au 3e étage"))
	if tk.Category != "" {
		t.Fatalf("category %q without model or keyword", tk.Category)
	}
	// A correction teaches the model at once.
	setCat := func(id int64, cat string) {
		t.Helper()
		if err := d.Do(ctx, id, t0, func(tx *Tx, tk *Ticket) error { return tx.SetCategory(tk, cat, "nadia@corp.example") }); err != nil {
			t.Fatal(err)
		}
	}
	setCat(tk.ID, "hardware")
	if m := d.model.Load(); m == nil || m.Examples() != 1 {
		t.Fatalf("after a correction: %+v", m)
	}
	tk2 := openTicket(t, d, t0, req("Toner vide", "Le toner est vide"))
	if tk2.Category != "hardware" {
		t.Fatalf("learned category: %q", tk2.Category)
	}
	if !strings.Contains(tk2.Explain, `"scores":{"hardware":1}`) {
		t.Errorf("explain: %s", tk2.Explain)
	}
	// Correcting again replaces the example; the same correction twice changes nothing.
	setCat(tk.ID, "software")
	setCat(tk.ID, "hardware")
	if m := d.model.Load(); m.Examples() != 1 || m.docs["software"] != 0 {
		t.Fatalf("after re-corrections: %d examples, %v", m.Examples(), m.docs)
	}

	// Resolved tickets with a category are examples too; TrainModel counts each ticket once.
	tk3 := openTicket(t, d, t0, req("VPN", "Le VPN coupe"))
	if err := d.Do(ctx, tk3.ID, t0, func(tx *Tx, tk *Ticket) error { return tx.Resolve(tk, "ok", "alice@corp.example") }); err != nil {
		t.Fatal(err)
	}
	if err := d.Do(ctx, tk.ID, t0, func(tx *Tx, tk *Ticket) error { return tx.Resolve(tk, "ok", "alice@corp.example") }); err != nil {
		t.Fatal(err)
	}
	if err := d.TrainModel(ctx); err != nil {
		t.Fatal(err)
	}
	m := d.model.Load()
	if m.Examples() != 2 || m.docs["hardware"] != 1 || m.docs["network"] != 1 {
		t.Fatalf("trained: %d examples, %v", m.Examples(), m.docs)
	}
	// Correcting a resolved ticket moves its example.
	setCat(tk3.ID, "software")
	m = d.model.Load()
	if m.Examples() != 2 || m.docs["software"] != 1 || m.docs["network"] != 0 {
		t.Fatalf("corrected resolved ticket: %d examples, %v", m.Examples(), m.docs)
	}
	if err := d.TrainModel(ctx); err != nil {
		t.Fatal(err)
	}
	if m2 := d.model.Load(); m2.Examples() != 2 || m2.docs["software"] != 1 {
		t.Fatalf("retrained: %d examples, %v", m2.Examples(), m2.docs)
	}

	// learn called when a ticket is resolved, after the change is saved, once or twice.
	tk4 := openTicket(t, d, t0, req("Wi-Fi", "Le wifi coupe"))
	for range 2 {
		if err := d.Do(ctx, tk4.ID, t0, func(tx *Tx, tk *Ticket) error {
			if tk.Status != StatusResolved {
				if err := tx.Resolve(tk, "ok", "alice@corp.example"); err != nil {
					return err
				}
			}
			return tx.learn(tk)
		}); err != nil {
			t.Fatal(err)
		}
	}
	if m := d.model.Load(); m.Examples() != 3 || m.docs["network"] != 1 {
		t.Fatalf("learned on resolve: %d examples, %v", m.Examples(), m.docs)
	}
	if err := d.TrainModel(ctx); err != nil {
		t.Fatal(err)
	}
	if m := d.model.Load(); m.Examples() != 3 || m.docs["network"] != 1 {
		t.Fatalf("retrained after resolve: %d examples, %v", m.Examples(), m.docs)
	}
}

// TestModelConcurrentReaders predicts while corrections swap the model (run with -race).
func TestModelConcurrentReaders(t *testing.T) {
	d := newTestDesk(t)
	d.model.Store(trainSmall())
	cfg := d.Config()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					d.Triage(cfg, NewTicket{Subject: "toner", Text: "account locked"})
				}
			}
		})
	}
	for i := range 5 {
		tk := openTicket(t, d, t0, NewTicket{Subject: "Toner", Text: "toner vide", Requester: "r@corp.example"})
		cat := []string{"hardware", "software"}[i%2]
		if err := d.Do(context.Background(), tk.ID, t0.Add(time.Minute), func(tx *Tx, tk *Ticket) error {
			return tx.SetCategory(tk, cat, "nadia@corp.example")
		}); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
}

// TestFoldedWords checks the hand-written tokenizer against words and splitElision.
func TestFoldedWords(t *testing.T) {
	for _, text := range []string{
		"L'imprimante du 2e étage — HS ! Wi-Fi, e-mail; -x- a--b",
		"Don’t ÉCRAN Œuvre naïve 3D café-crème l'",
		"日本語 テスト 123-456 x-",
	} {
		var want []string
		for _, w := range words(text) {
			want = append(want, splitElision(w)...)
		}
		if got := foldedWords(text); !slices.Equal(got, want) {
			t.Errorf("foldedWords(%q) = %q, want %q", text, got, want)
		}
	}
}

// TestKeywordSpellingsCountOnce: two keywords that fold to the same terms are one keyword, so a
// single mention does not reach ruleConfident on its own.
func TestKeywordSpellingsCountOnce(t *testing.T) {
	cats := []Category{{Name: "purchase", Keywords: []string{"receipt", "receipts", "Receipt"}}}
	rules := classifyByRules(cats, "", "Please find the receipt attached.")
	if len(rules) != 1 || rules[0].score != 1 {
		t.Fatalf("rules %+v, want one hit of score 1", rules)
	}
}

// trainFew is a desk's model after its first few resolved tickets, mostly network ones, written
// as people write ("depuis ce matin", "pouvez-vous"), as the demo desk has it.
func trainFew() *Model {
	m := NewModel()
	for _, ex := range []struct{ cat, text string }{
		{"network", "Le VPN ne se connecte plus\nBonjour, depuis ce matin le VPN refuse de se connecter depuis chez moi (erreur 809). Pouvez-vous m'aider ?"},
		{"network", "Plus de wifi au bâtiment B\n"},
		{"network", "Impossible d'accéder au lecteur réseau P: depuis ce matin\nBonjour, depuis ce matin je n'arrive plus à accéder au lecteur réseau P:, pouvez-vous regarder avant midi ? Mon bureau est le 204."},
		{"network", "Since this morning my MacBook won't join the Wi-Fi\nHi team, since this morning my MacBook won't join the corporate Wi-Fi."},
		{"software", "Outlook ne se connecte plus\n"},
		{"hardware", "Printer on the 3rd floor keeps jamming\n"},
	} {
		m.Add(ex.cat, trainingText(ex.cat, ex.text))
	}
	return m
}

// TestModelAbstains: a model trained on a few tickets says nothing of a request whose words it
// has not seen, or seen too little, instead of naming its most common category with certainty;
// it still answers on words it knows.
func TestModelAbstains(t *testing.T) {
	m := trainFew()
	for _, tt := range []struct{ text, want, abstain string }{
		{"Clavier qui ne répond plus\nBonjour, mon clavier ne répond plus depuis ce matin.", "", abstainUnknown},
		{"My docking station doesn't detect the second monitor\nSince this morning my dock no longer detects it.", "", abstainUnknown},
		{"Souris cassée\nMa souris ne fonctionne plus, le voyant rouge clignote. Bureau 112.", "", abstainSupport},
		{"Salle du conseil : vidéoprojecteur HS\nLe vidéoprojecteur ne s'allume plus, merci d'intervenir avant 14h.", "", abstainUnknown},
		{"Installer Power BI Desktop\nBonjour, pouvez-vous installer le logiciel Power BI Desktop sur mon poste ? Merci", "", abstainUnknown},
		{"Le VPN coupe\nLe VPN se déconnecte toutes les minutes.", "network", ""},
		{"Wi-Fi\nLe wifi ne marche pas au bâtiment B", "network", ""},
	} {
		got, scores := m.Predict(tt.text)
		_, _, abstain := m.judge(Features(tt.text))
		if got != tt.want || abstain != tt.abstain {
			t.Errorf("%q: %q %v (abstains: %q), want %q (abstains: %q)", tt.text, got, scores, abstain, tt.want, tt.abstain)
		}
	}
}

// TestModelAbstainsOnPriors: a request whose words favour a rare category is not given the
// common one on its prior alone.
func TestModelAbstainsOnPriors(t *testing.T) {
	m := NewModel()
	for range 20 {
		m.Add("common", "paper jam tray toner drum fuser roller sheet")
	}
	m.Add("rare", "paper ink")
	m.Add("rare", "paper ink")
	text := "paper"
	best, scores, abstain := m.judge(Features(text))
	if best != "common" || abstain != abstainPriorOnly {
		t.Fatalf("%q: %q %v, abstains %q; want common, abstaining: %q", text, best, scores, abstain, abstainPriorOnly)
	}
	if got, _ := m.Predict("paper ink"); got != "rare" {
		t.Errorf("paper ink: %q", got)
	}
}

// TestKeywordOverWeakModel: a configured keyword wins over the model unless the model is strong;
// requests with nothing known stay unclassified, with why.
func TestKeywordOverWeakModel(t *testing.T) {
	cats := newTestDesk(t).Config().Categories
	m := trainFew()
	m.Add("network", "Salle de réunion : le réseau ne marche pas, pouvez-vous installer un câble ?")
	for _, tt := range []struct{ subject, text, want, reason string }{
		{"Installer Power BI Desktop", "Bonjour, pouvez-vous installer le logiciel Power BI Desktop sur mon poste ? Merci", "software", "best keyword match"},
		{"Clavier qui ne répond plus", "Bonjour, mon clavier ne répond plus depuis ce matin.", "", "model abstains: " + abstainUnknown},
		{"Souris cassée", "Ma souris ne fonctionne plus. Bureau 112.", "", "model abstains: " + abstainSupport},
		{"My docking station doesn't detect the second monitor", "Since the update my corporate MacBook dock no longer detects the second screen.", "hardware", "model not strong enough against the keywords: network"},
	} {
		got, why, _ := classify(cats, m, tt.subject, tt.text)
		if got != tt.want || !strings.Contains(strings.Join(why, "; "), tt.reason) {
			t.Errorf("%q: %q (%s), want %q (%q)", tt.subject, got, strings.Join(why, "; "), tt.want, tt.reason)
		}
	}
}

// TestModelKeysOwnTheirBytes: no key of the model is a slice of a text it learned from. Go
// stores the new string when a string key it already holds is assigned, so such a key would
// keep that whole text (a ticket's subject and first message) alive as long as the model.
func TestModelKeysOwnTheirBytes(t *testing.T) {
	m := NewModel()
	var texts []string
	for i := range 50 {
		text := fmt.Sprintf("Imprimante bloquée, bourrage papier au %d étage ", i) + strings.Repeat("toner vide ", 20)
		texts = append(texts, text)
		m.Add("hardware", text)
		if i%10 == 9 {
			m.remove("hardware", texts[i-5])
		}
	}
	inside := func(key string) bool {
		p := uintptr(unsafe.Pointer(unsafe.StringData(key)))
		for _, s := range texts {
			lo := uintptr(unsafe.Pointer(unsafe.StringData(s)))
			if p >= lo && p < lo+uintptr(len(s)) {
				return true
			}
		}
		return false
	}
	for k := range m.vocab {
		if inside(k) {
			t.Fatalf("vocabulary key %q is a slice of a learned text", k)
		}
	}
	for cat, c := range m.counts {
		for k := range c {
			if inside(k) {
				t.Fatalf("%s key %q is a slice of a learned text", cat, k)
			}
		}
	}
}
