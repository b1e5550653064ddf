package tickets

import (
	"context"
	"strings"
	"testing"
)

// TestWithheldAcknowledgementWorded: why a request gets no acknowledgement — an automatic mail,
// an address nobody reads, a mail the first run found too old — reads in French on its ticket,
// the date in words (the line's text, in English, too).
func TestWithheldAcknowledgementWorded(t *testing.T) {
	d := newTestDesk(t)
	w := catalogueWords(t)
	alert := request("alert@m", "monitoring@corp.example", "Disque plein sur srv-01", "Le disque est plein.")
	alert.Verdict, alert.VerdictReason = VerdictBulk, "List-Id"
	old := request("old@m", "celine@corp.example", "Imprimante", "L'imprimante bourre.")
	old.NoAck = "arrived 2026-11-20 08:00 UTC, more than 3d before the desk first read the mailbox ([imap] ack_max_age)"
	nobody := request("nr@m", "no-reply@corp.example", "Alerte", "Le serveur ne répond plus.")
	ingest(t, d, t0, alert, old, nobody)
	for id, want := range map[int64][2]string{
		1: {"ack → monitoring@corp.example not sent: automatic mail (List-Id)", "accusé de réception → monitoring@corp.example non envoyé : courriel automatique (List-Id)"},
		2: {"ack → celine@corp.example not sent: arrived Friday 20 November at 09:00 CET (UTC+1), more than 3d before the desk first read the mailbox ([imap] ack_max_age)",
			"accusé de réception → celine@corp.example non envoyé : arrivé vendredi 20 novembre à 09:00 (heure de Paris, UTC+1), plus de 3d avant la première lecture de la boîte par le support ([imap] ack_max_age)"},
		3: {"ack → no-reply@corp.example not sent: nobody reads no-reply@corp.example", "accusé de réception → no-reply@corp.example non envoyé : personne ne lit no-reply@corp.example"},
	} {
		evs, err := d.Store.Events(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range evs {
			if e.Kind == EventNotify && strings.HasPrefix(e.Text, "ack →") {
				found = true
				if e.Text != want[0] || e.Worded(w, "fr") != want[1] {
					t.Errorf("#%d: %q\n%q\nwant %q\n%q", id, e.Text, e.Worded(w, "fr"), want[0], want[1])
				}
			}
		}
		if !found {
			t.Errorf("#%d: no acknowledgement line in %+v", id, evs)
		}
	}
}

// TestOutboxLinesWorded: mailout's words for a mail it could not send are read back into
// phrases; the mail server's own words stay as written, and a text it does not know has no
// phrase (read as stored).
func TestOutboxLinesWorded(t *testing.T) {
	w := catalogueWords(t)
	for _, c := range []struct {
		p  *Phrase
		fr string
	}{
		{failedLine("ack", []string{"a@x", "b@x"}, "gave up after 7 attempts: 421 busy"), "ack → a@x, b@x : abandonné après 7 tentatives : 421 busy"},
		{failedLine("ack", []string{"a@x"}, "a@x: 550 5.1.1 unknown"), "ack → a@x : échec de l'envoi : a@x: 550 5.1.1 unknown"},
		{partialLine("reply", "refused: b@x: 550 no"), "reply : refusé par le serveur : b@x: 550 no"},
		{partialLine("reply", "not sent to b@x: not a sendable address; c@x: rate limit (3 automatic mails in the last hour); d@x: held"),
			"reply : non envoyé à b@x : adresse à laquelle on ne peut pas écrire ; c@x : limite atteinte (3 courriels automatiques dans la dernière heure) ; d@x : held"},
	} {
		if got := w.Say("fr", *c.p); got != c.fr {
			t.Errorf("%q\nwant %q", got, c.fr)
		}
	}
	if p := partialLine("reply", "something else"); p != nil {
		t.Errorf("unknown text worded: %+v", p)
	}
}

// TestCategoryReasonsWorded: each reason of the classifier has its phrase, said the same in
// English as the reason recorded, and in French apart.
func TestCategoryReasonsWorded(t *testing.T) {
	w := catalogueWords(t)
	cats := []Category{{Name: "hardware", Keywords: []string{"imprimante", "écran"}}, {Name: "network", Keywords: []string{"vpn"}}}
	for _, text := range []string{"l'imprimante et l'écran", "l'imprimante et le vpn", "rien"} {
		_, why, _ := classifyWhy(cats, nil, "", text)
		if len(why.text) == 0 || len(why.text) != len(why.said) {
			t.Fatalf("%q: %+v", text, why)
		}
		for i, p := range why.said {
			if en, fr := w.Say("en", p), w.Say("fr", p); en != why.text[i] || fr == en {
				t.Errorf("%q: %q: en %q, fr %q", text, why.text[i], en, fr)
			}
		}
	}
	for _, abstain := range []string{abstainSupport + " (network 0.74)", abstainNoModel} {
		p := abstainPhrase(abstain)
		if en, fr := w.Say("en", p), w.Say("fr", p); en != "model abstains: "+abstain || strings.Contains(fr, abstain) {
			t.Errorf("%q: en %q, fr %q", abstain, en, fr)
		}
	}
}
