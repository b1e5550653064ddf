package mailin

import (
	"strings"
	"testing"
)

func TestUnflow(t *testing.T) {
	tests := []struct {
		name, in string
		delsp    bool
		want     string
	}{
		{"a wrapped paragraph is one line", "Le disque est \r\nplein depuis \r\nhier.\r\nMerci", false,
			"Le disque est plein depuis hier.\nMerci"},
		{"delsp=yes drops the space of the soft break", "abcdefgh \r\nijkl\r\n", true, "abcdefghijkl\n"},
		{"quoted paragraphs keep their depth", "> Le VPN \r\n> tombe.\r\n>> vieux \r\n>> texte\r\nRéponse", false,
			"> Le VPN tombe.\n>> vieux texte\nRéponse"},
		{"a change of depth ends a paragraph", "> fin \r\nnouveau", false, "> fin\nnouveau"},
		{"space-stuffing is removed", "  indenté\r\n >pas une citation\r\n From here", false, " indenté\n>pas une citation\nFrom here"},
		{"the signature separator stays", "Alice \r\n-- \r\nAlice Martin", false, "Alice\n-- \nAlice Martin"},
		{"hard lines stay", "ligne 1\r\nligne 2\r\n\r\nligne 4", false, "ligne 1\nligne 2\n\nligne 4"},
	}
	for _, tt := range tests {
		if got := unflow(tt.in, tt.delsp); got != tt.want {
			t.Errorf("%s: unflow(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

// TestFlowedCommandNote: a technician's Thunderbird reply, format=flowed: the wrapped "#resolve"
// note is one line of text again, so that it is whole, and the "#note" below it is its own line.
func TestFlowedCommandNote(t *testing.T) {
	raw := "From: bob@corp.example\r\nTo: helpdesk@corp.example\r\nSubject: Re: [HD #75] x\r\n" +
		"Content-Type: text/plain; charset=UTF-8; format=flowed\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
		"Bonjour Claire,\r\n\r\n#resolve La lampe du projecteur était grillée ; je l'ai \r\nremplacée et il s'allume de \r\nnouveau.\r\n" +
		"#note lampe prise dans le stock du 2e\r\n"
	m := mustParse(t, raw, ParseOptions{})
	if !strings.Contains(m.Text, "#resolve La lampe du projecteur était grillée ; je l'ai remplacée et il s'allume de nouveau.\n#note lampe") {
		t.Errorf("text %q", m.Text)
	}
	plain := strings.Replace(raw, "; format=flowed", "", 1)
	if m := mustParse(t, plain, ParseOptions{}); !strings.Contains(m.Text, "je l'ai \nremplacée") {
		t.Errorf("not flowed: text %q", m.Text)
	}
}
