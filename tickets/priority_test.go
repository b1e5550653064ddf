package tickets

import (
	"strings"
	"testing"
)

func TestJudgePriority(t *testing.T) {
	d := newTestDesk(t)
	cfg := *d.Config()
	cfg.Priority.VIP = []string{"ceo@corp.example", "@board.example"}
	cfg.Categories = append([]Category(nil), cfg.Categories...)
	cfg.Categories = append(cfg.Categories, Category{Name: "security", Priority: "high"}, Category{Name: "outage", Priority: "urgent"})

	tests := []struct {
		name     string
		req      NewTicket
		category string
		want     Priority
		reason   string // A substring of the reasons.
	}{
		{"default", NewTicket{Subject: "Nouvel écran", Text: "Bonjour, pourriez-vous me commander un écran ?"}, "", PriorityNormal, "default"},
		{"en urgent", NewTicket{Subject: "Printer", Text: "The printer is jammed, urgent please."}, "", PriorityHigh, "urgent"},
		{"fr urgent", NewTicket{Subject: "URGENT imprimante", Text: "Elle ne sort plus rien."}, "", PriorityHigh, "urgent"},
		{"asap", NewTicket{Text: "Please reset my password ASAP."}, "", PriorityHigh, "asap"},
		{"fr bloqué", NewTicket{Text: "Je suis bloqué, je ne peux pas me connecter."}, "", PriorityHigh, "bloqué"},
		{"fr en panne once", NewTicket{Subject: "Imprimante en panne", Text: "L'imprimante du 2e est en panne."}, "", PriorityHigh, "en panne"},
		{"two signals", NewTicket{Text: "Urgent: I'm blocked, the VPN refuses me."}, "", PriorityUrgent, "blocked, urgent"},
		{"fr two signals", NewTicket{Text: "C'est urgent, le serveur de fichiers est en panne."}, "", PriorityUrgent, "en panne, urgent"},
		{"whole team", NewTicket{Text: "The whole team lost access to the shared drive."}, "", PriorityUrgent, "whole team"},
		{"tout le service", NewTicket{Text: "Tout le service n'a plus accès au partage."}, "", PriorityUrgent, "tout le service"},
		{"customer demo", NewTicket{Text: "The projector in room B fails and we have a customer demo at 2pm."}, "", PriorityUrgent, "customer demo"},
		{"démo client", NewTicket{Text: "Le vidéoprojecteur ne marche pas, démo client à 14h."}, "", PriorityUrgent, "démo client"},
		{"production down", NewTicket{Subject: "Production down", Text: "Orders cannot be taken."}, "", PriorityUrgent, "production down"},
		{"en not urgent", NewTicket{Text: "Could you install Visio on my PC? Not urgent."}, "", PriorityLow, "not urgent"},
		{"en isn't urgent", NewTicket{Text: "My mouse is a bit slow, it isn't urgent at all."}, "", PriorityLow, "can wait"},
		{"fr pas urgent", NewTicket{Text: "Pouvez-vous installer Visio ? Ce n'est pas urgent."}, "", PriorityLow, "pas urgent"},
		{"fr pas très urgent", NewTicket{Text: "Ma souris accroche, ce n'est pas très urgent."}, "", PriorityLow, "not urgent"},
		{"fr rien d'urgent", NewTicket{Text: "Rien d'urgent, mais mon clavier grince."}, "", PriorityLow, "rien d'urgent"},
		{"negation stays in its clause", NewTicket{Text: "Printer not working. Urgent please!"}, "", PriorityHigh, "urgent"},
		{"greeting everyone", NewTicket{Text: "Hi everyone, my screen flickers."}, "", PriorityNormal, "default"},
		{"bonjour à tout le monde", NewTicket{Text: "Bonjour à tout le monde, mon écran clignote."}, "", PriorityNormal, "default"},
		{"down", NewTicket{Text: "The file server is down."}, "", PriorityHigh, "down"},
		{"went down", NewTicket{Text: "The intranet went down at 10."}, "", PriorityHigh, "down"},
		{"shut down", NewTicket{Text: "My PC shuts down when I open Teams."}, "", PriorityNormal, "default"},
		{"scroll down", NewTicket{Text: "When I scroll down the page freezes."}, "", PriorityNormal, "default"},
		{"x-priority 1", NewTicket{Text: "My screen flickers.", HeaderPriority: 1}, "", PriorityHigh, "X-Priority 1"},
		{"x-priority 2", NewTicket{Text: "Mon écran clignote.", HeaderPriority: 2}, "", PriorityHigh, "X-Priority 2"},
		{"x-priority 3", NewTicket{Text: "Mon écran clignote.", HeaderPriority: 3}, "", PriorityNormal, "default"},
		{"x-priority 5", NewTicket{Text: "Mon écran clignote.", HeaderPriority: 5}, "", PriorityLow, "X-Priority 5"},
		{"x-priority 5 but urgent", NewTicket{Text: "My screen is black, urgent.", HeaderPriority: 5}, "", PriorityHigh, "urgent"},
		{"vip", NewTicket{Text: "My screen flickers.", Requester: "ceo@corp.example"}, "", PriorityHigh, "VIP"},
		{"vip domain", NewTicket{Text: "Mon écran clignote.", Requester: "president@board.example"}, "", PriorityHigh, "VIP"},
		{"vip and urgent", NewTicket{Text: "Urgent, I'm blocked.", Requester: "ceo@corp.example"}, "", PriorityUrgent, "urgency words"},
		{"category minimum", NewTicket{Text: "J'ai reçu un mail bizarre avec un lien."}, "security", PriorityHigh, "category security"},
		{"category minimum over calm", NewTicket{Text: "Not urgent, but the intranet seems down for me."}, "outage", PriorityUrgent, "category outage"},
		{"category below", NewTicket{Text: "Urgent: I'm blocked, the VPN refuses me."}, "security", PriorityUrgent, "urgency"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, why := judgePriority(&cfg, tt.req, tt.category)
			if p != tt.want || !strings.Contains(strings.Join(why, "; "), tt.reason) {
				t.Errorf("priority %s (%s), want %s (%q)", p, strings.Join(why, "; "), tt.want, tt.reason)
			}
		})
	}
}
