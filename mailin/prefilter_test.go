package mailin

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"testing"
	"unicode"
)

// TestPrefiltersLetThrough checks each cheap test against the expression it stands before:
// from the expression's syntax, the ASCII characters its leading run may skip must all be
// skipped by the test, and every ASCII character that may follow that run must be let through.
func TestPrefiltersLetThrough(t *testing.T) {
	for _, p := range []struct {
		name        string
		re          *regexp.Regexp
		skip, first string
	}{
		{"attrLead", attrLeadRe, attrLeadSkip, attrLeadFirst},
		{"originalBare", originalBareRe, originalBareSkip, originalBareFirst},
	} {
		re, err := syntax.Parse(p.re.String(), syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		if re.Op != syntax.OpConcat || len(re.Sub) < 3 || re.Sub[0].Op != syntax.OpBeginText || re.Sub[1].Op != syntax.OpStar {
			t.Fatalf("%s: %s does not begin with ^ and a run of a class", p.name, p.re)
		}
		skipped, _ := asciiFirst(re.Sub[1].Sub[0])
		for c := range 128 {
			if skipped[c] && strings.IndexByte(p.skip, byte(c)) < 0 {
				t.Errorf("%s: the expression skips %q, the test does not", p.name, rune(c))
			}
		}
		first, nullable := asciiFirst(&syntax.Regexp{Op: syntax.OpConcat, Sub: re.Sub[2:]})
		if nullable {
			t.Errorf("%s: the expression may match an empty line", p.name)
		}
		for c := range 128 {
			if !first[c] {
				continue
			}
			lower := byte(unicode.ToLower(rune(c)))
			if strings.IndexByte(p.skip, byte(c)) < 0 && strings.IndexByte(p.first, lower) < 0 {
				t.Errorf("%s: %q may follow the leading run and is turned away", p.name, rune(c))
			}
		}
	}
}

// asciiFirst returns the ASCII characters a match of re may begin with, and whether re matches
// the empty string.
func asciiFirst(re *syntax.Regexp) (set [128]bool, nullable bool) {
	add := func(r rune) {
		if r < 128 {
			set[r] = true
		}
	}
	switch re.Op {
	case syntax.OpLiteral:
		if len(re.Rune) == 0 {
			return set, true
		}
		r := re.Rune[0]
		add(r)
		if re.Flags&syntax.FoldCase != 0 {
			for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
				add(f)
			}
		}
	case syntax.OpCharClass:
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1] && r < 128; r++ {
				add(r)
			}
		}
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		for r := range rune(128) {
			add(r)
		}
	case syntax.OpCapture, syntax.OpPlus:
		return asciiFirst(re.Sub[0])
	case syntax.OpStar, syntax.OpQuest:
		set, _ = asciiFirst(re.Sub[0])
		return set, true
	case syntax.OpRepeat:
		set, nullable = asciiFirst(re.Sub[0])
		return set, nullable || re.Min == 0
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			s, n := asciiFirst(sub)
			for c := range set {
				set[c] = set[c] || s[c]
			}
			if !n {
				return set, false
			}
		}
		return set, true
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			s, n := asciiFirst(sub)
			for c := range set {
				set[c] = set[c] || s[c]
			}
			nullable = nullable || n
		}
	default: // ^, $, \b and the empty match take no character.
		return set, true
	}
	return set, false
}

// TestPrefilterCases: lines that open attributions and separators in the languages deskd meets
// pass the cheap tests and match, lines of plain text are turned away, and the replies they
// open are still cut.
func TestPrefilterCases(t *testing.T) {
	leads := []string{
		"On Mon, 23 Nov 2026 at 10:05, Alice Martin <alice@corp.example> wrote:",
		"Le lun. 30 nov. 2026 à 23:30, Support <helpdesk@corp.example> a écrit :",
		"le 30/11/2026 à 10:05, Bob a écrit :", "Am 30.11.2026 um 10:05 schrieb Bob:",
		"El lun, 30 nov 2026 a las 10:05, Bob (<bob@corp.example>) escribió:",
		"Il giorno lun 30 nov 2026 alle ore 10:05 Bob ha scritto:", "Op 30 nov. 2026 schreef Bob:",
		"Em seg., 30 de nov. de 2026 às 10:05, Bob escreveu:", "W dniu 30.11.2026 o 10:05, Bob pisze:",
		"Den 30 nov. 2026 kl. 10:05 skrev Bob:", "På mån 30 nov. 2026 skrev Bob:",
		"30/11/2026 10:05, Bob a écrit :", "2026-11-30 10:05 GMT+01:00 Bob <bob@corp.example>:",
		"(30/11/2026 10:05) Bob wrote:", "-- On Mon, Bob wrote --", "*On Monday, Bob wrote:*",
		"  __On Mon, Bob wrote:", "Thu, 26 Jun 2014 14:00:51 +0400 от Bob <bob@corp.example>:",
		"В понедельник, 30 ноября 2026 г. Bob написал:", "понедельник, 30 ноября 2026 Bob написал:",
		"在 2026年11月30日 10:05，Bob 写道：", "Vào 10:05 Th 2, 30 thg 11, 2026 Bob đã viết:",
		"Tanggal 30 Nov 2026, Bob menulis:", "MON, 30 NOV 2026, BOB WROTE:", "ſun, 29 Nov 2026, Bob wrote:",
		"Jeu. 26 nov. 2026 à 09:12, Bob a écrit :", "Fri, Nov 27, 2026 at 9:00 AM Bob <bob@corp.example> wrote:",
	}
	for _, l := range leads {
		if !mayStart(l, attrLeadSkip, attrLeadFirst) || !attrLead(l) || !attrLeadRe.MatchString(l) {
			t.Errorf("attribution lead turned away: %q", l)
		}
	}
	originals := []string{"Original Message", "*Original Message*", "> Message d'origine :",
		"Ursprüngliche Nachricht", "Mensaje original", "Courriel original", "Alkuperäinen viesti",
		"Wiadomość oryginalna", "Исходное сообщение", "Původní zpráva", "Eredeti üzenet", "Opprinnelig melding"}
	for _, l := range originals {
		if !originalBare(l) || !originalBareRe.MatchString(l) {
			t.Errorf("original message separator turned away: %q", l)
		}
	}
	for _, l := range []string{"Bonjour,", "Hello team", "Cordialement,", "Merci d'avance", "Best regards,",
		"Pouvez-vous m'aider ?", "Could you help?", "Grüße", "Hola", "Kind regards", "Regards,", "Thanks!"} {
		if attrLeadRe.MatchString(l) != attrLead(l) || originalBareRe.MatchString(l) != originalBare(l) {
			t.Errorf("%q: the cheap test and the expression disagree", l)
		}
	}
	if addressLike("no address here, just text") || !addressLike("write to bob@corp.example today") {
		t.Error("addressLike")
	}

	// The replies these lines open are cut as before.
	for _, tt := range []struct{ name, in, want string }{
		{"French attribution", "C'est réparé, merci !\n\nLe lun. 30 nov. 2026 à 23:30, Support <helpdesk@corp.example> a écrit :\n> Votre demande [HD #12]\n> a bien été reçue.\n",
			"C'est réparé, merci !"},
		{"English attribution", "Works again, thanks.\n\nOn Mon, 30 Nov 2026 at 10:05, Support <helpdesk@corp.example> wrote:\n> Could you restart it?\n",
			"Works again, thanks."},
		{"German attribution", "Danke, es geht wieder.\n\nAm 30.11.2026 um 10:05 schrieb Support <helpdesk@corp.example>:\n> Bitte neu starten.\n",
			"Danke, es geht wieder."},
		{"Spanish attribution", "Ya funciona, gracias.\n\nEl lun, 30 nov 2026 a las 10:05, Support (<helpdesk@corp.example>) escribió:\n> Reinicie el equipo.\n",
			"Ya funciona, gracias."},
		{"Outlook French header block", "Merci, c'est bon.\n\nDe : Support <helpdesk@corp.example>\nEnvoyé : lundi 30 novembre 2026 10:05\nÀ : Alice <alice@corp.example>\nObjet : [HD #12] Imprimante\n\nBonjour, votre demande est reçue.\n",
			"Merci, c'est bon."},
		{"Outlook English header block", "Thanks, fixed.\n\nFrom: Support <helpdesk@corp.example>\nSent: Monday, November 30, 2026 10:05 AM\nTo: Alice <alice@corp.example>\nSubject: [HD #12] Printer\n\nHello, we received your request.\n",
			"Thanks, fixed."},
		{"Original message", "See below.\n\n-----Original Message-----\nFrom: Bob\nSent: Monday\n\nold text\n", "See below."},
		{"loose attribution", "It works.\n\nOn Mon, 30 Nov 2026 at 10:05, Alice wrote\n> Restart it.\n", "It works."},
	} {
		if got := VisibleText(tt.in); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}
