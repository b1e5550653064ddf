package tickets

import (
	"strings"
)

// The words calendar clients put before a meeting's title in the subject of their mail, and in
// Outlook's answers in the SUMMARY too: "Accepted: Visit", "Accepté : Visite", "Tentative:
// Laptop handover" (Apple Mail), "Invitation acceptée : …" (Gmail), "Annulé : …",
// "Nouvel horaire proposé : …". Lower-case, without their colon.
var meetingPrefixes = []struct {
	words, method, partStat string
}{
	{"accepted", "REPLY", "ACCEPTED"}, {"accepté", "REPLY", "ACCEPTED"}, {"acceptée", "REPLY", "ACCEPTED"},
	{"invitation accepted", "REPLY", "ACCEPTED"}, {"invitation acceptée", "REPLY", "ACCEPTED"},
	{"declined", "REPLY", "DECLINED"}, {"refusé", "REPLY", "DECLINED"}, {"refusée", "REPLY", "DECLINED"},
	{"invitation declined", "REPLY", "DECLINED"}, {"invitation refusée", "REPLY", "DECLINED"},
	{"tentative", "REPLY", "TENTATIVE"}, {"tentatively accepted", "REPLY", "TENTATIVE"},
	{"provisoire", "REPLY", "TENTATIVE"}, {"accepté provisoirement", "REPLY", "TENTATIVE"},
	{"acceptée provisoirement", "REPLY", "TENTATIVE"}, {"invitation acceptée provisoirement", "REPLY", "TENTATIVE"},
	{"canceled", "CANCEL", ""}, {"cancelled", "CANCEL", ""}, {"canceled event", "CANCEL", ""},
	{"cancelled event", "CANCEL", ""}, {"annulé", "CANCEL", ""}, {"annulée", "CANCEL", ""},
	{"annulation", "CANCEL", ""}, {"événement annulé", "CANCEL", ""},
	{"new time proposed", "COUNTER", ""}, {"nouvel horaire proposé", "COUNTER", ""},
	{"nouvelle heure proposée", "COUNTER", ""},
	{"invitation", "", ""}, {"updated invitation", "", ""}, {"invitation mise à jour", "", ""},
	{"updated invitation with note", "", ""}, {"invitation mise à jour avec une note", "", ""},
}

// MeetingPrefix cuts the calendar client's words off the front of a meeting mail's subject or
// title ("Accepté : Visite" is "Visite"), and says the method and answer they stand for
// (REPLY ACCEPTED; "" for an invitation's words). ok is false when the text begins with none.
func MeetingPrefix(s string) (rest, method, partStat string, ok bool) {
	s = strings.TrimSpace(s)
	head, tail, found := strings.Cut(s, ":")
	if !found {
		return s, "", "", false
	}
	// "Accepté :" with a space or a no-break space before the colon, as French writes it.
	head = strings.ToLower(strings.Join(strings.Fields(strings.ReplaceAll(head, "\u00a0", " ")), " "))
	for _, p := range meetingPrefixes {
		if head == p.words {
			return strings.TrimSpace(tail), p.method, p.partStat, true
		}
	}
	return s, "", "", false
}

// meetingTitle is a meeting's title as the ticket says it: the client's words in front ("Tentative:",
// "Accepté :") and the desk's tag left out, and the date Gmail adds to its subjects ("… @ Thu
// Dec 3, 2026 2pm - 3pm (CET) (helpdesk@corp.example)").
func meetingTitle(s, tag string, fromSubject bool) string {
	for i := 0; i < 3; i++ {
		rest, _, _, ok := MeetingPrefix(s)
		if !ok {
			break
		}
		s = rest
	}
	if fromSubject {
		if i := strings.LastIndex(s, " @ "); i > 0 && strings.HasSuffix(s, ")") {
			s = s[:i]
		}
	}
	return CleanSubject(s, tag)
}
