package tickets

import (
	"strings"
	"testing"
	"time"
)

// TestCommandSpacesAndColons: French typography and its autocorrect put a no-break space (or a
// narrow one) before a colon; any Unicode space, a tab, and an optional colon separate a verb from
// its argument. Such a line taken as text would reach the requester.
func TestCommandSpacesAndColons(t *testing.T) {
	for _, tt := range []struct{ line, verb, arg string }{
		{"#note\u00a0: appelé l'utilisateur", "note", "appelé l'utilisateur"},
		{"#résolu\u00a0: imprimante remplacée", "resolve", "imprimante remplacée"},
		{"#résolu\u202f: imprimante remplacée", "resolve", "imprimante remplacée"},
		{"#résolu\u202f:imprimante remplacée", "resolve", "imprimante remplacée"},
		{"#resolve\u00a0Imprimante remplacée", "resolve", "Imprimante remplacée"},
		{"#note : rappel demain", "note", "rappel demain"},
		{"#note: rappel demain", "note", "rappel demain"},
		{"#note\t:\trappel demain", "note", "rappel demain"},
		{"#note\u2009:\u2009rappel demain", "note", "rappel demain"}, // thin space
		{"#priorité\u00a0: haute", "priority", "haute"},
		{"#priorite\u3000urgent", "priority", "urgent"}, // ideographic space
		{"#note：rappel", "note", "rappel"},              // full-width colon
		{"\u00a0#take", "take", ""},
		{"#résolu\u00a0:", "resolve", ""},
		{"#re\u0301solu câble changé", "resolve", "câble changé"}, // decomposed accent
	} {
		cmds, rest := ParseCommands("Bonjour,\n" + tt.line)
		if len(cmds) != 1 || cmds[0].Verb != tt.verb || cmds[0].Arg != tt.arg || rest != "Bonjour," {
			t.Errorf("%q: commands %+v, rest %q; want %s %q", tt.line, cmds, rest, tt.verb, tt.arg)
		}
	}
	for _, text := range []string{"#note.", "#C# est installé", "Issue #42", "#42 chez PrintCo", "# note x"} {
		if cmds, _ := ParseCommands(text); len(cmds) != 0 {
			t.Errorf("%q: false commands %+v", text, cmds)
		}
	}
}

// TestNoBreakSpaceNoteStaysInternal: "#note\u00a0: …" written in Outlook in French is a note,
// not an answer: nothing of it reaches the requester.
func TestNoBreakSpaceNoteStaysInternal(t *testing.T) {
	d := newTestDesk(t)
	ingest(t, d, t0, request("q@m", "celine@corp.example", "Wifi", "le wifi coupe"))
	o := ingest(t, d, t0.Add(time.Minute), techReply(t, d, "t@m", "alice@corp.example",
		"#note\u00a0: l'utilisateur a un profil corrompu, ne pas lui dire"))[0]
	if o.Action != ActionCommand {
		t.Fatalf("action %s", o.Action)
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM outbox WHERE kind = 'reply'`); n != 0 {
		t.Fatalf("%d replies queued: the note went to the requester", n)
	}
	if note := lastEvent(t, d, EventNote); !strings.Contains(note, "profil corrompu") {
		t.Fatalf("note %q", note)
	}
}
