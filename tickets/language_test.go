package tickets

import "testing"

func TestDetectLanguage(t *testing.T) {
	tests := []struct {
		name, header, text, fallback, want string
	}{
		{"header fr", "fr-FR", "Hello, my laptop is broken.", "en", "fr"},
		{"header en", "en-GB", "Bonjour, mon écran est noir.", "fr", "en"},
		{"header list", "de, fr", "", "en", "fr"},
		{"header underscore", "fr_CA", "", "en", "fr"},
		{"header other", "de-DE", "Hello, the VPN does not connect since this morning.", "fr", "en"},
		{"french", "", "Bonjour,\nl'imprimante du 2e étage ne fonctionne plus depuis ce matin.\nMerci d'avance,\nCéline", "en", "fr"},
		{"french without accents", "", "bonjour, mon mot de passe a expire et je ne peux plus me connecter. merci", "en", "fr"},
		{"english", "", "Hi,\nmy laptop won't start since this morning. Can you help?\nThanks,\nPriya", "fr", "en"},
		{"english with a french name", "", "Hello,\nthe printer on the second floor is jammed again.\nBest regards,\nHélène Lefèvre-Désirée", "fr", "en"},
		{"english short", "", "VPN is down", "fr", "en"},
		{"french short", "", "VPN en panne", "en", "fr"},
		{"nothing to go on", "", "VPN 2FA", "fr", "fr"},
		{"empty", "", "", "en", "en"},
		{"third language as fallback", "", "", "de", "de"},
		{"no fallback", "", "", "", "en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DetectLanguage(tt.header, tt.text, tt.fallback); got != tt.want {
				t.Errorf("DetectLanguage(%q, %q, %q) = %q, want %q", tt.header, tt.text, tt.fallback, got, tt.want)
			}
		})
	}
}
