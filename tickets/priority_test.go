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
		// A password reset is a quick, ordinary request; "ASAP" does not make it more.
		{"asap", NewTicket{Text: "Please reset my password ASAP."}, "", PriorityNormal, "default"},
		{"fr bloqué", NewTicket{Text: "Je suis bloqué, je ne peux pas me connecter."}, "", PriorityHigh, "bloqué"},
		{"fr en panne once", NewTicket{Subject: "Imprimante en panne", Text: "L'imprimante du 2e est en panne."}, "", PriorityHigh, "en panne"},
		// One person blocked is high however urgent they say it is: insistence does not add up.
		{"two signals", NewTicket{Text: "Urgent: I'm blocked, the VPN refuses me."}, "", PriorityHigh, "cannot work: blocked"},
		{"fr shared system down and urgent", NewTicket{Text: "C'est urgent, le serveur de fichiers est en panne."}, "", PriorityUrgent, "shared system down"},
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
		{"x-priority 5 but urgent", NewTicket{Text: "My screen is black, urgent.", HeaderPriority: 5}, "", PriorityHigh, "cannot work"},
		{"vip", NewTicket{Text: "My screen flickers.", Requester: "ceo@corp.example"}, "", PriorityHigh, "VIP"},
		{"vip domain", NewTicket{Text: "Mon écran clignote.", Requester: "president@board.example"}, "", PriorityHigh, "VIP"},
		{"vip and urgent", NewTicket{Text: "Urgent, I'm blocked.", Requester: "ceo@corp.example"}, "", PriorityHigh, "cannot work"},
		{"category minimum", NewTicket{Text: "J'ai reçu un mail bizarre avec un lien."}, "security", PriorityHigh, "category security"},
		{"category minimum over calm", NewTicket{Text: "Not urgent, but the intranet seems down for me."}, "outage", PriorityUrgent, "category outage"},
		{"category below", NewTicket{Text: "Urgent: I'm blocked, the whole team is, the VPN refuses us."}, "security", PriorityUrgent, "many affected"},

		// Impact, not insistence (the cases).
		{"dès que possible alone", NewTicket{Subject: "Casque", Text: "Pourriez-vous me commander un casque dès que possible ?"}, "", PriorityNormal, "default"},
		{"both spellings once", NewTicket{Text: "Un écran dès que possible, des que possible, merci."}, "", PriorityNormal, "default"},
		{"rapidement", NewTicket{Text: "Pouvez-vous installer Visio rapidement ? Merci."}, "", PriorityNormal, "default"},
		{"asap on a request", NewTicket{Text: "Could you add me to the sales list asap?"}, "", PriorityNormal, "default"},
		{"interruption de service", NewTicket{Subject: "Messagerie", Text: "Résolution immédiate requise : interruption de service sur la messagerie."}, "", PriorityUrgent, "critical: interruption de service"},
		{"toute l'équipe bloquée", NewTicket{Text: "Toute l'équipe est bloquée, le partage ne répond plus."}, "", PriorityUrgent, "many affected"},
		{"production", NewTicket{Text: "La production est arrêtée, le poste de supervision ne répond plus."}, "", PriorityUrgent, "critical"},
		{"whole building", NewTicket{Text: "No network in the whole building since 9."}, "", PriorityUrgent, "many affected"},
		{"many users", NewTicket{Text: "About 60 users cannot open the ERP."}, "", PriorityUrgent, "many affected"},
		{"workaround", NewTicket{Text: "The 2nd floor printer jams, I print on the 1st floor one in the meantime."}, "", PriorityNormal, "workaround"},
		{"fault with deadline", NewTicket{Text: "The projector doesn't detect my laptop and I present at 2pm."}, "", PriorityHigh, "fault with"},
		{"quand vous aurez le temps", NewTicket{Text: "Un fond d'écran plus sobre, quand vous aurez le temps."}, "", PriorityLow, "can wait"},
		{"when you have a moment", NewTicket{Text: "Could you rename my PC when you have a moment?"}, "", PriorityLow, "can wait"},
		{"no rush", NewTicket{Text: "A second charger for home, no rush."}, "", PriorityLow, "can wait"},
		{"aucune urgence", NewTicket{Text: "Pouvez-vous nous montrer Forms un jour ? Aucune urgence."}, "", PriorityLow, "can wait"},
		{"aucune as object is one person", NewTicket{Text: "Je ne peux plus m'authentifier sur aucune application."}, "", PriorityHigh, "cannot work"},
		{"aucun as subject is a group", NewTicket{Text: "Aucun poste du 2e étage ne sonne."}, "", PriorityUrgent, "many affected"},
		// What one person receives is no group: her mailbox, as in English (review finding H15).
		{"aucun mail is one mailbox", NewTicket{Text: "Bonjour, plus aucun mail ne rentre dans ma boîte depuis ce matin. Léa"}, "", PriorityNormal, ""},
		{"no emails is one mailbox", NewTicket{Text: "Hello, no emails are coming into my mailbox since this morning."}, "", PriorityNormal, ""},
		{"lost laptop", NewTicket{Text: "I left my laptop in a cab last night."}, "", PriorityHigh, "cannot work: left laptop"},
		{"counted group", NewTicket{Text: "Les 40 dessinateurs ne peuvent plus ouvrir leurs plans."}, "", PriorityUrgent, "many affected"},
		{"minutes are not people", NewTicket{Text: "Mon PC met 10 minutes à démarrer."}, "", PriorityNormal, "default"},
		{"can wait but blocked", NewTicket{Text: "Pas urgent pour les autres, mais moi je suis bloqué."}, "", PriorityHigh, "cannot work"},
		// Folded, "expiré" is "expire" and "volé" is "vole": the present tense is no emergency.
		{"expire dans 10 jours", NewTicket{Text: "Bonjour, mon mot de passe expire dans 10 jours, comment le changer ? Rien d'urgent."}, "", PriorityLow, "rien d'urgent"},
		{"account expires", NewTicket{Text: "Le compte de notre stagiaire expire le 31 décembre, pouvez-vous le prolonger ?"}, "", PriorityNormal, "default"},
		{"password expires", NewTicket{Text: "My password expires tomorrow, how do I change it?"}, "", PriorityNormal, "default"},
		{"je vole", NewTicket{Text: "Je vole pour Montréal lundi, pourriez-vous configurer le VPN sur mon portable ?"}, "", PriorityNormal, "default"},
		{"mot de passe a expiré", NewTicket{Text: "Mon mot de passe a expiré, je ne peux plus ouvrir ma session."}, "", PriorityHigh, "cannot work"},
		{"compte est expiré", NewTicket{Text: "Mon compte est expiré depuis ce matin."}, "", PriorityHigh, "cannot work"},
		{"password expired", NewTicket{Text: "My password expired this morning."}, "", PriorityHigh, "cannot work: expired"},
		{"on m'a volé", NewTicket{Text: "On m'a volé mon ordinateur portable dans le train."}, "", PriorityHigh, "cannot work"},
		{"portable volé", NewTicket{Text: "Mon portable a été volé hier soir."}, "", PriorityHigh, "cannot work"},
		{"a postcode is no crowd", NewTicket{Text: "Pouvez-vous installer Visio sur mon poste ? Je suis au 12 rue de la Paix, 75002 Paris."}, "", PriorityNormal, "default"},
		{"37000 Tours", NewTicket{Text: "Our office moved to 5 place Jean Jaurès, 37000 Tours: please update the printer list."}, "", PriorityNormal, "default"},
		{"a crowd of five digits", NewTicket{Text: "Le portail RH est en panne pour 12000 utilisateurs."}, "", PriorityUrgent, "many affected"},
		{"stuck on a screen", NewTicket{Text: "How do I share a folder in OneDrive? I'm stuck on the permissions screen."}, "", PriorityNormal, ""},
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
