package tickets

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// historyOf returns the history entries of the escalated mail queued to who, in its language.
func historyOf(t *testing.T, d *Desk, ticketID int64, who string) (string, []Entry) {
	t.Helper()
	rows, err := d.Store.Reader().Query(`SELECT language, data FROM outbox JOIN outbox_data USING (id) WHERE ticket_id = ? AND kind = 'escalated'
		AND recipients LIKE ? ORDER BY id DESC`, ticketID, "%"+who+"%")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var lang, data string
		if err := rows.Scan(&lang, &data); err != nil {
			t.Fatal(err)
		}
		var n Notice
		if err := json.Unmarshal([]byte(data), &n); err != nil {
			t.Fatal(err)
		}
		if len(n.History) > 0 {
			return lang, n.History
		}
	}
	t.Fatalf("no escalated mail with a history to %s", who)
	return "", nil
}

// TestHistoryInReadersLanguage: the desk's own lines of a history quoted in a French mail are
// French, in an English mail English; what people wrote stays as written.
func TestHistoryInReadersLanguage(t *testing.T) {
	d := newTestDesk(t)
	tk := openTicket(t, d, t0, vpnRequest)
	ingest(t, d, t0.Add(time.Minute), techWrite("forged@m", "alice@corp.example", "#resolve c'est réparé"))
	breach := t0.Add(4*time.Hour + time.Minute)
	runEscalation(t, d, breach) // First response missed: Chloé (French) takes it over.
	english := []string{"unauthenticated mail", "kept as a note", "nothing was done", "not authenticated", "deadline missed", " due "}
	french := []string{"courriel non authentifié", "gardé comme note", "rien n'a été fait", "délai", "dépassé", "échéance"}
	check := func(who, wantLang string, absent, present []string) {
		t.Helper()
		lang, h := historyOf(t, d, tk.ID, who)
		if lang != wantLang {
			t.Fatalf("%s's mail in %q, want %q", who, lang, wantLang)
		}
		var all []string
		for _, e := range h {
			if e.Phrase != nil {
				t.Errorf("entry %q left unworded in the outbox", e.Text)
			}
			all = append(all, e.Text)
		}
		text := strings.Join(all, "\n")
		for _, w := range absent {
			if strings.Contains(text, w) {
				t.Errorf("%s's %s history says %q:\n%s", who, lang, w, text)
			}
		}
		for _, w := range present {
			if !strings.Contains(text, w) {
				t.Errorf("%s's %s history lacks %q:\n%s", who, lang, w, text)
			}
		}
		if !strings.Contains(text, "#resolve c'est réparé") || !strings.Contains(text, "le vpn ne se connecte plus") {
			t.Errorf("what people wrote is not as written:\n%s", text)
		}
	}
	check("chloe@corp.example", "fr", english, []string{"courriel non authentifié de alice@corp.example", "gardé comme note"})
	// Her resolution target missed too: Dev (English) takes it over, with French-speaking events.
	runEscalation(t, d, breach.Add(8*time.Hour+time.Minute))
	check("dev@corp.example", "en", french, []string{"unauthenticated mail from alice@corp.example", "first response deadline missed", "resolution deadline missed"})

	// The stored text is the journal's (ticket show keeps it); the phrase words it for the web.
	evs, err := d.Store.Events(context.Background(), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	var worded int
	for _, e := range evs {
		if e.Phrase == nil {
			continue
		}
		worded++
		if e.Text != e.Worded(d.words.Load().Words, JournalLanguage) {
			t.Errorf("stored %q, worded in %s %q", e.Text, JournalLanguage, e.Worded(d.words.Load().Words, JournalLanguage))
		}
		if fr := e.Worded(d.words.Load().Words, "fr"); fr == e.Text {
			t.Errorf("%s line %q is the same in French", e.Kind, fr)
		}
	}
	if worded < 3 {
		t.Fatalf("%d phrased lines, want the note and two escalations", worded)
	}
}

// TestHistoryOldRowsKeepTheirText: a line written before phrases (no phrase stored) reads as
// stored, in every language.
func TestHistoryOldRowsKeepTheirText(t *testing.T) {
	d := newTestDesk(t)
	tk := openTicket(t, d, t0, vpnRequest)
	if _, err := d.Store.w.Exec(`INSERT INTO events (ticket_id, at, kind, actor, public, text) VALUES (?, ?, 'note', 'deskd', 0, 'incident opened: 3 alike requests within 30m0s')`,
		tk.ID, t0.Unix()); err != nil {
		t.Fatal(err)
	}
	evs, err := d.Store.Events(context.Background(), tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := evs[len(evs)-1]
	if last.Phrase != nil || last.Worded(d.words.Load().Words, "fr") != "incident opened: 3 alike requests within 30m0s" {
		t.Fatalf("old row read as %+v", last)
	}
}

func TestSpokenDurations(t *testing.T) {
	for d, want := range map[time.Duration]string{30 * time.Minute: "30 min", 2 * time.Hour: "2 h", 90 * time.Minute: "1 h 30", 48 * time.Hour: "48 h", 0: "0 min"} {
		if got := spoken(d); got != want {
			t.Errorf("spoken(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestIncidentLinesInReadersLanguage: the incident's own lines (opened, with its window as people
// write it; linked) reach a French technician in French, and read in English for an English one.
func TestIncidentLinesInReadersLanguage(t *testing.T) {
	d := newIncidentDesk(t, false)
	var tks []*Ticket
	for i, r := range vpnDown {
		tks = append(tks, openTicket(t, d, t0.Add(time.Duration(5*i)*time.Minute), r))
	}
	inc := mustTicket(t, d, mustTicket(t, d, tks[2].ID).Incident)
	n := noticeOf(t, d, inc.Assignee, KindAssigned) // Alice reads French.
	var text []string
	for _, e := range n.History {
		text = append(text, e.Text)
	}
	all := strings.Join(text, "\n")
	if !strings.Contains(all, "incident ouvert : 3 demandes semblables en 30 min") {
		t.Errorf("the French notice's history:\n%s", all)
	}
	for _, w := range []string{"alike", "within", "30m0s", "on what fails", "linked"} {
		if strings.Contains(all, w) {
			t.Errorf("the French notice's history says %q:\n%s", w, all)
		}
	}
	evs, err := d.Store.Events(context.Background(), inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	words := d.words.Load().Words
	var en, fr []string
	for _, e := range evs {
		en, fr = append(en, e.Worded(words, "en")), append(fr, e.Worded(words, "fr"))
	}
	if got := strings.Join(en, "\n"); !strings.Contains(got, "3 alike requests within 30 min") || !strings.Contains(got, "linked #") ||
		strings.Contains(got, "rattachée") || strings.Contains(got, "semblables") {
		t.Errorf("the incident in English:\n%s", got)
	}
	if got := strings.Join(fr, "\n"); !strings.Contains(got, "rattachée (") || strings.Contains(got, "linked #") {
		t.Errorf("the incident in French:\n%s", got)
	}
}

// TestCopiedLineInReadersLanguage: the people in copy not made watchers, and why, in each
// reader's language.
func TestCopiedLineInReadersLanguage(t *testing.T) {
	d := newTestDesk(t)
	in := request("cc@m", "celine@corp.example", "Imprimante", "l'imprimante ne marche plus")
	in.Cc = []string{"consultant@elsewhere.example"}
	ingest(t, d, t0, in)
	evs, err := d.Store.Events(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	words := d.words.Load().Words
	for _, e := range evs {
		if e.Kind != EventCopied {
			continue
		}
		if got := e.Worded(words, "fr"); got != "en copie, pas abonnés — hors des domaines de l'organisation : consultant@elsewhere.example" {
			t.Errorf("in French: %q", got)
		}
		if got := e.Worded(words, "en"); got != "in copy, not made watchers — outside the organisation's domains: consultant@elsewhere.example" || got != e.Text {
			t.Errorf("in English: %q (stored %q)", got, e.Text)
		}
		return
	}
	t.Fatal("no cc line")
}
