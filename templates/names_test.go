package templates

import "testing"

// TestPersonName: the directory's "Last, First" is said "First Last"; any other name is left as
// written.
func TestPersonName(t *testing.T) {
	for in, want := range map[string]string{
		"Dupont, Marie":              "Marie Dupont",
		"  Lefèvre ,  François ":     "François Lefèvre",
		"Marie Dupont":               "Marie Dupont",
		"Lefèvre, Marc, IT":          "Lefèvre, Marc, IT",
		"Dupont,":                    "Dupont,",
		", Marie":                    ", Marie",
		"dupont, marie@corp.example": "dupont, marie@corp.example",
		"":                           "",
	} {
		if got := personName(in); got != want {
			t.Errorf("personName(%q) = %q, want %q", in, got, want)
		}
	}
}
