package tickets

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A staff mail is read in two parts. In its body every "#word" line is a command, and an unknown
// one refuses the mail. In its signature block only the desk's own verbs are commands: the
// "#TeamIT" of a corporate signature is not, a "#resolve" written below the name is. The
// signature block starts after a sign-off ("Cordialement,") or at a line that opens with the
// writer's own name, once some text came before, or at a run of hashtag lines that ends the text
// after some free text;
// what mailin found below a "-- " delimiter (Incoming.Signature) is signature too. An unknown verb
// a letter or two away from a known one ("#resolv") is a command misspelt wherever it is, and is
// refused.

// staffParts splits a staff mail's visible text and signature into the free text above every
// command (lead) and its commands, in order, each with the free text under it (Command.Text):
// the text that goes to the requester or into a note (see staffText, and commandTexts for which
// command takes which). names are the writer's names as the configuration gives them.
func staffParts(text, signature string, names []string) (lead string, cmds []Command) {
	lines := strings.Split(text, "\n")
	start := signatureStart(lines, names)
	lead, cmds = splitCommands(strings.Join(lines[:start], "\n"))
	lead = staffText(lead, names...)
	for i := range cmds {
		cmds[i].Text = staffText(cmds[i].Text, names...)
	}
	below, _ := ParseCommands(strings.Join(lines[start:], "\n") + "\n" + signature)
	for _, c := range below {
		if c.Verb != "" || misspelt(c) {
			c.Text = "" // The signature's lines are no one's text.
			cmds = append(cmds, c)
		}
	}
	return lead, cmds
}

// signatureStart returns the index of the first line of the signature block of a staff mail's
// lines, len(lines) when there is none.
func signatureStart(lines []string, names []string) int {
	end := len(lines)
	content := false
	for i, line := range lines {
		l := strings.TrimSpace(line)
		if l == "" || isQuoteOrAttribution(l) {
			continue
		}
		f := Fold(l)
		if content && ownNameLine(f, names) {
			end = i
			break
		}
		if content && signOffRE.MatchString(f) {
			end = i + 1
			break
		}
		content = true
	}
	// A run of hashtag lines that ends the text, after some text: "Merci pour l'info.\n#merci".
	run := end
	for k := end - 1; k >= 0; k-- {
		l := strings.TrimSpace(lines[k])
		if l == "" {
			continue
		}
		if !hashtagLine(l) {
			break
		}
		run = k
	}
	if run < end {
		// Some free text must come before: "#category hardware\n#frobnicate" is commands only.
		if _, rest := ParseCommands(strings.Join(lines[:run], "\n")); staffText(rest) != "" {
			return run
		}
	}
	return end
}

func isQuoteOrAttribution(l string) bool {
	return strings.HasPrefix(l, ">") || (len(l) < 200 && attributionRE.MatchString(l))
}

// hashtagRE is a line of hashtags: "#TeamIT", "#TeamIT #StaySafe".
var hashtagRE = regexp.MustCompile(`^#\p{L}[\p{L}\p{M}\p{N}_]*(?:[\p{Z}\t]+#\p{L}[\p{L}\p{M}\p{N}_]*)*$`)

// hashtagLine reports whether l is hashtags and no command: a lone "#take" is a command, and so
// is a misspelt one.
func hashtagLine(l string) bool {
	if !hashtagRE.MatchString(l) {
		return false
	}
	cmds, _ := ParseCommands(l)
	return len(cmds) == 0 || (cmds[0].Verb == "" && !misspelt(cmds[0]))
}

// misspelt reports whether an unknown command's verb is one or two letters away from a verb the
// desk knows: "#resolv", "#escalte", "#prioirty".
func misspelt(c Command) bool {
	if c.Verb != "" {
		return false
	}
	m := commandRE.FindStringSubmatch(c.Line)
	if m == nil {
		return false
	}
	w := Fold(m[1])
	for alias := range commandAliases {
		n := utf8.RuneCountInString(alias)
		switch d := editDistance(w, alias); {
		case n >= 7 && d <= 2, n >= 4 && d <= 1:
			return true
		}
	}
	return false
}

// editDistance is the Levenshtein distance between two words, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > 40 || len(rb) > 40 {
		return 99 // No verb is that long.
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// ownNameLine reports whether a folded line opens a signature with one of the writer's names:
// the name alone ("alice martin", "martin alice", "alice"), or followed by a title after a
// separator ("alice martin | support", "alice martin, dsi", "alice - niveau 1"). A first name
// alone followed by a comma is an address, not a signature ("alice, bob et moi…" is rare, but a
// colleague's first name that is also the writer's is not).
func ownNameLine(f string, names []string) bool {
	for _, n := range names {
		n = strings.Join(strings.Fields(Fold(n)), " ")
		if n == "" {
			continue
		}
		forms := []string{n}
		if w := strings.Fields(n); len(w) == 2 {
			forms = append(forms, w[1]+" "+w[0])
		}
		for _, form := range forms {
			if !strings.HasPrefix(f, form) {
				continue
			}
			rest := strings.TrimLeftFunc(f[len(form):], unicode.IsSpace)
			if rest == "" {
				return true
			}
			r, _ := utf8.DecodeRuneInString(rest)
			seps := "|-–—/(·•"
			if strings.Contains(form, " ") {
				seps += ","
			}
			if strings.ContainsRune(seps, r) {
				return true
			}
		}
	}
	return false
}

// contactRE matches a line of a signature's contact block: a phone or an address after its
// label, a logo's place in the text. A bare number, address or link may be the answer itself
// ("call 01 23 45 67 89"), and stays.
var contactRE = regexp.MustCompile(`(?i)^(?:` +
	`(?:t[ée]l(?:[ée]phone)?|tel|phone|mobile|mob|portable|gsm|fax|ligne directe|direct line|standard|office|cell)\.?\s*(?:\(\w+\))?\s*[:.]?\s*\+?[\d(][\d .()/-]{6,}` +
	`|(?:e-?mail|courriel|mail)\s*:\s*\S+@\S+` +
	`|\[(?:image|cid|logo)[^\]]*\]` +
	`)$`)

// trimContact removes the contact lines that end a text (phone, address, web site, logo) with
// the blank lines before them: they are a signature's, and the desk signs its mails itself.
func trimContact(text string) string {
	lines := strings.Split(text, "\n")
	end := len(lines)
	for end > 0 {
		l := strings.TrimSpace(lines[end-1])
		if l != "" && !contactLine(l) {
			break
		}
		end--
	}
	return strings.TrimSpace(strings.Join(lines[:end], "\n"))
}

// contactLine reports whether l is a contact line, or several joined by "|": "Tél. 01 23 45 67
// 89 | Mobile : 06 12 34 56 78".
func contactLine(l string) bool {
	for _, part := range strings.Split(l, "|") {
		if p := strings.TrimSpace(part); p != "" && !contactRE.MatchString(p) {
			return false
		}
	}
	return true
}
