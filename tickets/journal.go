package tickets

import (
	"encoding/json"
	"fmt"
	"time"
)

// The desk's own lines in a ticket's history are phrases (the Journal* codes of phrase.go): the
// event row keeps the phrase, as JSON, beside its text in JournalLanguage. A reader gets the
// phrase worded in their language — a mail's history in the mail's language (queue), the web
// desk in the staff member's — and a line written before phrases, or by a person, as stored.

// said appends a line the desk words to a ticket's history.
func (t *Tx) said(tk *Ticket, kind, actor string, public bool, p Phrase, messageID string) error {
	data, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("encode phrase: %w", err)
	}
	t.pending.events = append(t.pending.events, []any{tk.ID, t.Now.Unix(), kind, actor, public,
		t.say(JournalLanguage, p), messageID, string(data)})
	return nil
}

// readPhrase is an event's stored phrase; nil for none (a person's line, an older row) or one
// it cannot read.
func readPhrase(data string) *Phrase {
	if data == "" {
		return nil
	}
	var p Phrase
	if json.Unmarshal([]byte(data), &p) != nil || p.Code == "" {
		return nil
	}
	return &p
}

// Worded is an event's text for a reader of lang: its phrase in lang when it has one and words
// are given, else its stored text.
func (e Event) Worded(w Words, lang string) string {
	if e.Phrase == nil || w == nil {
		return e.Text
	}
	return w.Say(lang, *e.Phrase)
}

// wordHistory words the desk's lines of a mail's history in the mail's language. The entries
// are copied: a history may be shared by mails in other languages.
func (t *Tx) wordHistory(m *Mail) {
	h := m.Notice.History
	for i, e := range h {
		if e.Phrase == nil {
			continue
		}
		if &h[0] == &m.Notice.History[0] {
			h = append([]Entry(nil), h...)
		}
		h[i].Text, h[i].Phrase = t.say(m.Language, *e.Phrase), nil
	}
	m.Notice.History = h
}

// spoken is a duration as people write it, in signs every language of the desk reads: "30 min",
// "2 h", "1 h 30" (a day is 24 h).
func spoken(d time.Duration) string {
	d = d.Round(time.Minute)
	h, m := int(d/time.Hour), int((d%time.Hour)/time.Minute)
	switch {
	case h == 0:
		return fmt.Sprintf("%d min", m)
	case m == 0:
		return fmt.Sprintf("%d h", h)
	}
	return fmt.Sprintf("%d h %02d", h, m)
}
