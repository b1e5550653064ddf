package tickets

import (
	"strings"
	"testing"
)

// TestCategoryNamed: "#catégorie matériel" names the category as French mails and the web desk
// show it; names and labels match in any case, with or without accents; the refusal lists the
// labels beside the names.
func TestCategoryNamed(t *testing.T) {
	cfg := &Config{Categories: []Category{
		{Name: "network", Label: "network", LabelFR: "réseau", LabelEN: "network"},
		{Name: "hardware", Label: "hardware", LabelFR: "matériel"},
		{Name: "accounts"},
	}}
	for arg, want := range map[string]string{
		"matériel": "hardware", "Materiel": "hardware", "HARDWARE": "hardware", " réseau ": "network",
		"reseau": "network", "accounts": "accounts", "comptes": "", "": "", "mat": "",
	} {
		cat, ok := cfg.CategoryNamed(arg)
		if ok != (want != "") || cat.Name != want {
			t.Errorf("%q: %q %v, want %q", arg, cat.Name, ok, want)
		}
	}
	tx := &Tx{cfg: &deskConfig{Config: cfg}}
	if got := strings.Join(tx.categoryNames(), ", "); got != "network (réseau), hardware (matériel), accounts" {
		t.Errorf("names %q", got)
	}
}
