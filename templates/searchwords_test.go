package templates

import "testing"

// TestSearchCountAgrees: "1 ticket found", not "1 tickets found", in both languages.
func TestSearchCountAgrees(t *testing.T) {
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		lang string
		n    int
		want string
	}{{"en", 1, "1 ticket found"}, {"en", 3, "3 tickets found"}, {"fr", 1, "1 ticket trouvé"}, {"fr", 2, "2 tickets trouvés"}} {
		if got := s.Page(tt.lang, nil).Word("search_results", "n", tt.n); got != tt.want {
			t.Errorf("%s %d: %q, want %q", tt.lang, tt.n, got, tt.want)
		}
	}
}
