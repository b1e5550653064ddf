package mailin

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Quoted-reply stripping for plain text.
//
// VisibleText works on lines. Each line is classified (empty, text, quote,
// attribution such as "On … wrote:", e-mail header block such as
// "From:/Sent:/To:", delimiter such as "-----Original Message-----" or "-- ",
// forward marker, list or legal footer), then:
//
//  1. Everything from the first forward marker on is kept as is: a forwarded
//     message is content, not history.
//  2. Before it, the first cut point (delimiter, header block, or an
//     attribution followed by unquoted text) ends the new text, unless nothing
//     but blank lines precedes it.
//  3. Quote blocks that end the text are removed with their attribution. A
//     quote block introduced by an attribution and followed by only a short
//     closing (fewer than three lines) is removed too; otherwise quotes are
//     kept, as the context of inline answers, and only the attribution goes.
//  4. Trailing signatures ("Sent from my iPhone", "Get Outlook for iOS", a
//     lone "-Name") are trimmed, and so are list and legal footers that only
//     quotes and markers follow.
//
// A quoted line that the replying client wrapped again leaves its end
// unquoted on the next line; such an end (long quoted line cut mid-sentence,
// lower-case continuation, a quote after it) counts as quoted, so that it is
// not taken for an inline answer. An attribution that lost its colon ("On …,
// Alice wrote") counts only when quoted lines follow it.
//
// The rules follow the ideas of discourse's email_reply_trimmer (line classes)
// and mailgun's talon (splitter lines, quotation wrapping the reply), with
// deskd's own policy: new text is never dropped, forwards are kept.

// VisibleText returns the new text of a plain-text reply: without the quoted
// history ("> " lines), without the client's attribution header, and with the
// signature trimmed. Answers written between quoted lines are kept. When
// everything looks quoted, the input is returned trimmed.
func VisibleText(text string) string {
	v, _ := visibleParts(text)
	return v
}

// visibleParts is VisibleText, and the signature block it cut: the lines after a "-- "
// delimiter that ends the new text, up to the quoted history if any. A technician may write a
// command there, below their name.
func visibleParts(text string) (visible, signature string) {
	return newLineView(text).visibleParts()
}

// lineView is a text cut into lines and classified once for the several readings made of it:
// its visible text, whether it is only history, and its text with the history (Incoming asks
// all three of the same text; classifying is most of their cost).
type lineView struct {
	text  string     // normalizeText of the text.
	blank bool       // text is only white space.
	lines []string   // text's lines.
	kinds []lineKind // classify(lines); nil until asked.

	shared      []string   // splitSharedAttribution(lines); nil until asked.
	sharedKinds []lineKind // classify(shared).

	visDone  bool
	vis, sig string // visibleParts' answer, once visDone.
}

func newLineView(text string) *lineView {
	text = normalizeText(text)
	return &lineView{text: text, blank: strings.TrimSpace(text) == "", lines: strings.Split(text, "\n")}
}

// sharedLines returns the lines with shared attributions split off, and their kinds.
func (v *lineView) sharedLines() ([]string, []lineKind) {
	if v.shared == nil {
		v.shared = splitSharedAttribution(v.lines)
		if len(v.shared) == len(v.lines) && v.kinds != nil {
			v.sharedKinds = v.kinds // nothing was split: the same lines
		} else {
			v.sharedKinds = classify(v.shared)
		}
	}
	return v.shared, v.sharedKinds
}

// plainLines returns the lines and their kinds.
func (v *lineView) plainLines() ([]string, []lineKind) {
	if v.kinds == nil {
		if v.shared != nil && len(v.shared) == len(v.lines) {
			v.kinds = v.sharedKinds // nothing was split: the same lines
		} else {
			v.kinds = classify(v.lines)
		}
	}
	return v.lines, v.kinds
}

// visibleParts is the package function visibleParts of the view's text.
func (v *lineView) visibleParts() (visible, signature string) {
	if !v.visDone {
		v.vis, v.sig = v.findVisible()
		v.visDone = true
	}
	return v.vis, v.sig
}

func (v *lineView) findVisible() (visible, signature string) {
	if v.blank {
		return "", ""
	}
	lines, kinds := v.sharedLines()

	// Forwarded content is kept verbatim from its marker on.
	end := len(lines)
	for i, k := range kinds {
		if k == kindForward {
			end = i
			break
		}
	}
	keep := make([]bool, len(lines))
	for i := range keep {
		keep[i] = true
	}

	// The first cut point with content before it ends the new text.
	content := false
	for i := 0; i < end; i++ {
		k := kinds[i]
		switch k {
		case kindEmpty:
			continue
		case kindText, kindQuote:
			content = true
			continue
		case kindFooter:
			keep[i] = false
			continue
		}
		span := spanEnd(kinds, i)
		if k == kindAttribution && followedByQuote(kinds, span, end) {
			i = span - 1
			continue
		}
		if content {
			end = i
			break
		}
		// Nothing before: drop the marker itself and go on. A header block at
		// the top stays (it is most likely a forward without a marker).
		if k == kindHeader {
			content = true
		} else {
			for j := i; j < span; j++ {
				keep[j] = false
			}
		}
		i = span - 1
	}
	tail := lines[end:]
	if end < len(lines) && kinds[end] != kindForward {
		tail = nil
		if kinds[end] == kindDelimiter && clean(lines[end]) == "--" {
			j := end + 1
			for j < len(lines) && (kinds[j] == kindText || kinds[j] == kindEmpty || kinds[j] == kindFooter) {
				j++
			}
			signature = tidy(lines[end+1 : j])
		}
	}
	lines, kinds, keep = lines[:end], kinds[:end], keep[:end]

	dropQuotes(kinds, keep)
	out := make([]string, 0, len(lines))
	for i, l := range lines {
		if keep[i] {
			out = append(out, l)
		}
	}
	out = trimSignature(out)
	if len(tail) > 0 {
		out = append(out, "")
		out = append(out, tail...)
	}
	res := tidy(out)
	if res == "" {
		// Everything looked quoted: the whole text, but never a mail app's signature alone.
		return tidy(trimSignature(v.lines)), ""
	}
	return res, signature
}

// maxMarkerLen is the longest line that may be an attribution, a header or a
// delimiter.
const maxMarkerLen = 1000

type lineKind uint8

const (
	kindEmpty       lineKind = iota
	kindText                 // New text, as far as we can tell.
	kindQuote                // "> …", or a fragment of a wrapped quoted link.
	kindAttribution          // "On … wrote:" and its wrapped continuation lines.
	kindHeader               // A From:/Sent:/To:/Subject: block, all its lines.
	kindDelimiter            // "-- ", "_____", "-----Original Message-----".
	kindForward              // "---------- Forwarded message ---------".
	kindFooter               // A list's or a legal footer that ends the text.
)

// normalizeText makes line endings "\n", the text valid UTF-8, and removes
// characters that only get in the way (NUL, BOM, zero-width space).
func normalizeText(s string) string {
	s = toValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	if strings.IndexByte(s, 0) < 0 && !strings.Contains(s, "\uFEFF") && !strings.Contains(s, "\u200B") {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case 0, '\uFEFF', '\u200B':
			return -1
		}
		return r
	}, s)
}

// tidy trims trailing space on each line, collapses runs of blank lines into
// one, and trims blank lines at both ends.
func tidy(lines []string) string {
	var b strings.Builder
	n := 0
	for _, l := range lines {
		n += len(l) + 1
	}
	b.Grow(n) // At most the lines and a line end each: the text is not copied again as it grows.
	blank := false
	started := false
	for _, l := range lines {
		l = strings.TrimRightFunc(l, unicode.IsSpace)
		if l == "" {
			blank = started
			continue
		}
		if blank {
			b.WriteString("\n")
		}
		if started {
			b.WriteString("\n")
		}
		b.WriteString(l)
		started, blank = true, false
	}
	return b.String()
}

// needsClean reports whether l has a tab or a non-ASCII byte, which clean
// may have to map.
func needsClean(l string) bool {
	for i := 0; i < len(l); i++ {
		if l[i] == '\t' || l[i] >= 0x80 {
			return true
		}
	}
	return false
}

// hasColon reports whether c has an ASCII or a full-width colon.
func hasColon(c string) bool {
	return strings.IndexByte(c, ':') >= 0 || strings.Contains(c, "：")
}

// clean prepares a line for matching: non-breaking and other odd spaces
// become plain spaces, and the line is trimmed.
func clean(l string) string {
	if needsClean(l) {
		l = strings.Map(func(r rune) rune {
			switch r {
			case '\u00a0', '\u202f', '\u2007', '\t':
				return ' '
			case '\u200e', '\u200f':
				return -1
			}
			return r
		}, l)
	}
	return strings.TrimSpace(l)
}

var (
	// attrLeadRe matches the usual beginnings of an attribution.
	attrLeadRe = mustAnchored(`(?i)^[-*_\s]*(on|le|am|el|il|op|em|w dniu|dnia|den|på|vào|at|en|in|tanggal|в|в\s|\d|\(|mon|tue|wed|thu|fri|sat|sun|lun|mar|mer|jeu|ven|sam|dim|понедельник|вторник|среда|четверг|пятница|суббота|воскресенье|在)`)

	// attrDateRe matches Gmail's old numeric attribution,
	// "2014-10-17 11:28 GMT+03:00 Name <addr>:" or "26.06.2014, 14:41, "Name" <addr>:".
	attrDateRe = mustAnchored(`^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})\b.*(GMT[+-]\d|<[^<>\s]+@[^<>\s]+>)`)

	// attrFromRe matches an attribution without a verb: a date with a time,
	// then the sender's address, then a colon:
	// "Thu, 26 Jun 2014 14:00:51 +0400 от Alexander L <abc@example.com>:".
	attrFromRe = mustAnchored(`(?i)^(mon|tue|wed|thu|fri|sat|sun|lun|mar|mer|jeu|ven|sam|dim|пн|вт|ср|чт|пт|сб|вс|\d).*\d{1,2}:\d{2}.*<[^<>\s]+@[^<>\s]+>\s*:$`)

	// addressLikeRe finds something that looks like an e-mail address.
	addressLikeRe = lazyCompile(`[^\s<>@()]+@[^\s<>@()]+\.[^\s<>@()]`)

	// headerRe matches one line of a quoted message's header block, in the
	// languages of the usual clients, with Outlook's "*From:*" bold variant.
	headerRe = mustAnchored(`(?i)^[*_]*(from|de|von|van|da|fra|från|od|от|lähettäjä|feladó|kimden|message du|date|datum|fecha|data|dato|päivämäärä|sent|envoyé|envoye|gesendet|verzonden|inviato|enviado el|enviada em|enviado|enviada|sendt|skickat|wysłano|wysłane|отправлено|lähetetty|to|à|a|an|aan|para|til|till|do|кому|vastaanottaja|subject|objet|betreff|onderwerp|oggetto|asunto|assunto|emne|ämne|temat|тема|aihe|cc|bcc|reply-to|risposta|répondre à)[*_]*\s?:[*_]*(\s|$)`)

	// headerFirstRe is the subset that may begin a header block.
	headerFirstRe = mustAnchored(`(?i)^[*_]*(from|de|von|van|da|fra|från|od|от|lähettäjä|feladó|kimden|message du|date|datum|fecha|data|dato|päivämäärä|sent|envoyé|envoye|gesendet)[*_]*\s?:`)

	// originalRe matches the "Original Message" separators of Outlook and
	// other clients, in several languages, between rules of dashes or equals
	// signs ("-----Original Message-----", "==== Original Message ====").
	originalRe = mustAnchored(`(?i)^[*_>\s]*(?:-{2,}|={2,})\s*(` + originalPhrases + `)\s*(?:-{2,}|={2,})[*_\s]*$`)

	// originalBareRe is the phrase alone on its line; it separates only when a
	// header block follows.
	originalBareRe = mustAnchored(`(?i)^[*_>\s]*(` + originalPhrases + `)\s*:?[*_\s]*$`)

	// forwardRe matches the line that starts a forwarded message.
	forwardRe = mustAnchored(`(?i)^[*_\s]*(-{2,}\s*(forwarded message|message transféré|message transfere|weitergeleitete nachricht|mensaje reenviado|messaggio inoltrato|doorgestuurd bericht|mensagem encaminhada|vidarebefordrat meddelande|videresendt melding|videresendt meddelelse|przekazana wiadomość|пересылаемое сообщение|forwarded message follows)\s*-*|begin forwarded message\s*:|début du message réexpédié\s*:|debut du message reexpedie\s*:|anfang der weitergeleiteten nachricht\s*:|inicio del mensaje reenviado\s*:|inizio messaggio inoltrato\s*:|begin doorgestuurd bericht\s*:)[*_\s]*$`)

	// decorationRe matches lines made of rule characters only.
	decorationRe = mustAnchored(`^[-_=*~+#ᐧ—\s]+$`)
)

// attrLeadWords are attrLeadRe's words that begin with two ASCII characters, lower case.
var attrLeadWords = []string{"on", "le", "am", "el", "il", "op", "em", "w dniu", "dnia", "den", "at", "en", "in",
	"tanggal", "mon", "tue", "wed", "thu", "fri", "sat", "sun", "lun", "mar", "mer", "jeu", "ven", "sam", "dim"}

// attrLeadNext tells, for two ASCII bytes, lower case, what may follow them where attrLeadRe
// matches a text that begins with them after its leading run: "" nothing, "*" anything, else
// the third letters that may; attrLeadWord has the third letters that end a word there
// (TestAttrLead holds them to the expression).
var attrLeadNext, attrLeadWord = func() (next, word [128][128]string) {
	for _, w := range attrLeadWords {
		switch n := &next[w[0]][w[1]]; {
		case len(w) == 2:
			*n = "*"
		case *n != "*":
			*n += w[2:3]
			if len(w) == 3 {
				word[w[0]][w[1]] += w[2:3]
			}
		}
	}
	return next, word
}()

// asciiLower is the lower case of an ASCII letter, and any other byte as it is.
func asciiLower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// attrLead is attrLeadRe.MatchString(s). Most lines begin with a letter its first-character
// test lets through ("Thanks", "Merci"), and the expression then tries its forty-odd words
// one by one, 7,000 instructions a line; three ASCII letters tell as well which word
// follows, and the expression is left the rare others (ParseGenerated: this test was a fifth of the stripping).
func attrLead(s string) bool {
	i := 0
	for i < len(s) && strings.IndexByte("-*_ \t\n\f\r", s[i]) >= 0 {
		i++
	}
	if i < len(s) && (s[i] == '(' || '0' <= s[i] && s[i] <= '9') {
		return true // "\(", "\d"
	}
	if i+1 < len(s) && s[i] < utf8.RuneSelf && s[i+1] < utf8.RuneSelf {
		c1, c2 := asciiLower(s[i]), asciiLower(s[i+1])
		next := attrLeadNext[c1][c2]
		if next == "*" || next == "" {
			return next == "*" // A word of two letters, or none.
		}
		if i+2 < len(s) && s[i+2] < utf8.RuneSelf {
			c3 := asciiLower(s[i+2])
			if strings.IndexByte(next, c3) < 0 {
				return false
			}
			if strings.IndexByte(attrLeadWord[c1][c2], c3) >= 0 {
				return true // A word of three letters.
			}
		}
	}
	return attrLeadRe.MatchString(s)
}

// addressLike is addressLikeRe.MatchString(s): no address without an "@".
func addressLike(s string) bool {
	return strings.IndexByte(s, '@') >= 0 && addressLikeRe.MatchString(s)
}

// originalPhrases are the words of "Original Message" separators.
const originalPhrases = `original message|original-nachricht|message d'origine|message d’origine|ursprüngliche nachricht|` +
	`mail original|message original|courriel original|ursprüngliche mail|` + // Zimbra, Thunderbird in French
	`mensaje original|messaggio originale|oorspronkelijk bericht|origineel bericht|mensagem original|originalmeddelande|` +
	`ursprungligt meddelande|opprinnelig melding|original meddelelse|oprindelig meddelelse|oprindelig besked|` +
	`alkuperäinen viesti|wiadomość oryginalna|исходное сообщение|původní zpráva|eredeti üzenet`

// originalEnds are the last bytes of originalPhrases, ASCII lower case, and originalShortest
// the length of the shortest, for mayBeOriginalBare.
var originalEnds, originalShortest = func() (ends [128]bool, shortest int) {
	shortest = len(originalPhrases)
	for _, p := range strings.Split(originalPhrases, "|") {
		if c := p[len(p)-1]; c < utf8.RuneSelf {
			ends[c] = true
		}
		shortest = min(shortest, len(p))
	}
	return ends, shortest
}()

// mayBeOriginalBare is a cheap test before originalBareRe: after a phrase comes only a colon,
// rules and spaces, so that a short line of a signature ("Cordialement,", "Alice Martin") is
// turned away by its last letter or its length (ParseGenerated: 10,000 instructions a mail).
func mayBeOriginalBare(c string) bool {
	c = strings.TrimRight(c, "*_: \t\n\f\r")
	if len(c) < originalShortest {
		return false
	}
	last := c[len(c)-1]
	return last >= utf8.RuneSelf || originalEnds[asciiLower(last)]
}

// attrVerbs are the verbs of attribution lines in the languages seen in
// replies, lower case.
var attrVerbs = []string{
	"wrote", "writes", "sent", "a écrit", "a ecrit", "écrit", "schrieb", "geschrieben",
	"escribió", "escribio", "ha scritto", "scritto", "schreef", "geschreven", "escreveu",
	"napisał(a)", "napisał", "napisała", "napisala", "napsal", "skrev", "kirjoitti", "yazdı",
	"написала", "написали", "написал", "написав", "пише", "писал", "写道", "寫道", "đã viết",
}

// findAttrVerb finds an attribution verb standing as a word in s. It returns
// how many bytes of the lower-cased s follow the last verb found.
func findAttrVerb(s string) (after int, ok bool) {
	l := strings.ToLower(s)
	after = -1
	for _, v := range attrVerbs {
		for off := 0; off < len(l); {
			k := strings.Index(l[off:], v)
			if k < 0 {
				break
			}
			k += off
			e := k + len(v)
			if wordEdge(l, k, true) && wordEdge(l, e, false) && (after < 0 || len(l)-e < after) {
				after = len(l) - e
			}
			off = k + 1
		}
	}
	return after, after >= 0
}

// wordEdge reports whether position i of s is the edge of a word: the start
// (before) or the end of the string, or next to a space or punctuation.
func wordEdge(s string, i int, before bool) bool {
	if before {
		if i == 0 {
			return true
		}
		r, _ := utf8.DecodeLastRuneInString(s[:i])
		return unicode.IsSpace(r) || strings.ContainsRune(",\"'>)]", r) || unicode.Is(unicode.Han, r)
	}
	if i >= len(s) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsSpace(r) || r == ':' || r == '：' || r == '(' || r == '-'
}

// isQuoted reports whether a line is quoted: "> x", ">x", and supercite
// "Name> x".
func isQuoted(l string) bool {
	i := 0
	for i < len(l) && (l[i] == ' ' || l[i] == '\t') {
		i++
	}
	j := i
	for j < len(l) && j-i < 12 && (l[j] >= 'a' && l[j] <= 'z' || l[j] >= 'A' && l[j] <= 'Z') {
		j++
	}
	return j < len(l) && l[j] == '>'
}

// isDelimiter reports whether a (cleaned) line is one after which nothing is
// new text: the signature delimiter "-- ", Outlook's underscore rule,
// Mailtrack's "ᐧ".
func isDelimiter(c string) bool {
	return c == "--" || c == "ᐧ" || len(c) >= 5 && strings.Trim(c, "_") == ""
}

// mayBeHeader is a cheap test before headerFirstRe: a header name is short.
func mayBeHeader(c string) bool {
	i := strings.IndexByte(c, ':')
	if j := strings.Index(c, "："); j >= 0 && (i < 0 || j < i) {
		i = j
	}
	return i > 0 && i < 40 && !strings.ContainsAny(c[:i], "0123456789,.") && strings.Count(c[:i], " ") < 4
}

// classify gives each line its kind.
func classify(lines []string) []lineKind {
	kinds := make([]lineKind, len(lines))
	cl := make([]string, len(lines))
	for i, l := range lines {
		cl[i] = clean(l)
		switch {
		case cl[i] == "":
			kinds[i] = kindEmpty
		case isQuoted(cl[i]):
			kinds[i] = kindQuote
		default:
			kinds[i] = kindText
		}
	}
	for i := 0; i < len(lines); i++ {
		c := cl[i]
		if c == "" || len(c) > maxMarkerLen {
			// A marker line is short; long lines are text or quotes.
			continue
		}
		if kinds[i] == kindText {
			switch {
			case len(c) < 120 && (strings.Contains(c, "--") || strings.HasSuffix(c, ":")) && forwardRe.MatchString(c):
				kinds[i] = kindForward
				continue
			case isDelimiter(c) || (strings.Contains(c, "--") || strings.Contains(c, "==")) && originalRe.MatchString(c):
				kinds[i] = kindDelimiter
				continue
			case len(c) < 60 && strings.Count(c, " ") < 4 && !strings.ContainsAny(c, "0123456789@<") && mayBeOriginalBare(c) && originalBareRe.MatchString(c):
				if k := nextNonEmpty(cl, i+1); k < len(cl) && headerBlock(cl, kinds, k) > 0 {
					kinds[i] = kindDelimiter
					continue
				}
			}
			if n := headerBlock(cl, kinds, i); n > 0 {
				for j := i; j < i+n; j++ {
					kinds[j] = kindHeader
				}
				i += n - 1
				continue
			}
		}
		if kinds[i] == kindText || (kinds[i] == kindQuote && strings.HasPrefix(c, "<")) {
			if j, ok := attribution(cl, kinds, i); ok {
				for k := i; k <= j; k++ {
					kinds[k] = kindAttribution
				}
				i = j
				continue
			}
		}
	}
	// A fragment of a wrapped link between two quoted lines is quoted too, and
	// so is the rest of a quoted line that the client wrapped again.
	for i := 1; i < len(lines); i++ {
		if kinds[i] != kindText || kinds[i-1] != kindQuote {
			continue
		}
		nextQuote := i+1 < len(lines) && kinds[i+1] == kindQuote
		if nextQuote && (strings.Contains(cl[i], "://") || (strings.HasSuffix(cl[i], ")") && !strings.Contains(cl[i], " "))) ||
			isWrappedQuote(cl[i-1], cl[i], nextQuote || i+1 == len(lines)) {
			kinds[i] = kindQuote
		}
	}
	markFooters(cl, kinds)
	return kinds
}

// wrapWidth is the length from which a quoted line may have been wrapped by
// the replying client: they wrap at 72 to 80 columns, after adding "> ".
const wrapWidth = 60

// isWrappedQuote reports whether line l, unquoted, just after the quoted
// line prev, is the end of prev wrapped again by the replying client rather
// than an answer: prev is long and stops mid-sentence, l goes on in lower
// case, and a quoted line (or nothing) follows, as it does in a quote.
func isWrappedQuote(prev, l string, quoteFollows bool) bool {
	if !quoteFollows || len(prev) < wrapWidth || strings.HasSuffix(strings.TrimSpace(prev), ">") {
		return false
	}
	last, _ := utf8.DecodeLastRuneInString(prev)
	if strings.ContainsRune(".!?:;", last) {
		return false
	}
	first, _ := utf8.DecodeRuneInString(l)
	return unicode.IsLower(first)
}

// footerRe matches the first line of a mailing list's or a legal footer.
var footerRe = mustAnchored(`(?i)^[*_\s]*(?:` +
	`you received this (?:message|e-?mail) because you are subscribed|to unsubscribe from this (?:group|list)|` +
	`you are receiving this because you|reply to this email directly|` +
	`(?:confidentiality notice|confidentiality|disclaimer|avertissement|avis de confidentialité|legal notice|mentions légales)\s*:|` +
	`this (?:e-?mail|message|communication|transmission)(?: and any (?:attachments?|files?|documents?)[^.]{0,60}?)? (?:is|are|may be|contains?|may contain) (?:strictly )?(?:confidential|privileged|intended (?:only|solely|exclusively))|` +
	`the information (?:contained )?in this (?:e-?mail|message|communication)|` +
	`if you (?:have )?received this (?:e-?mail|message|communication|transmission) in error|if you are not the intended recipient|` +
	`ce (?:message|courriel|mail|e-?mail)(?: électronique)?(?: et (?:toutes )?(?:les|ses) (?:pièces|fichiers|documents)[^.]{0,30}?)? (?:est|sont) (?:strictement )?(?:confidentiel|établis? à l'intention|destinés? exclusivement|destinés? uniquement|à l'usage exclusif|réservés? à l'usage)|` +
	`les informations contenues dans ce (?:message|courriel|mail)|si vous avez reçu ce (?:message|courriel|mail) par erreur|` +
	`(?:please )?consider the environment before printing|pensez à l'environnement avant d'imprimer|` +
	`diese (?:e-?mail|nachricht) (?:enthält|ist) vertraulich|questo messaggio (?:è|e'|contiene) (?:riservato|informazioni)|` +
	`este (?:mensaje|correo) (?:es|contiene) (?:confidencial|información))`)

// footerFirstWords are the words footerRe's phrases begin with, folded to
// lower case: a cheap test before the expression.
var footerFirstWords = map[string]bool{"you": true, "to": true, "reply": true, "confidentiality": true,
	"disclaimer": true, "avertissement": true, "avis": true, "legal": true, "mentions": true, "this": true,
	"the": true, "if": true, "ce": true, "les": true, "si": true, "please": true, "consider": true,
	"pensez": true, "diese": true, "questo": true, "este": true}

func mayBeFooter(l string) bool {
	l = strings.TrimLeft(l, "*_ ")
	end := strings.IndexAny(l, " :")
	if end < 0 || end > 16 {
		return false
	}
	return footerFirstWords[strings.ToLower(l[:end])]
}

// markFooters marks the paragraphs that open with a list or legal footer,
// when nothing but footers, quotes and markers follows them: a footer ends
// what the person wrote, and does not hide the quote before it.
func markFooters(cl []string, kinds []lineKind) {
	text := false // Unquoted text seen after the current line.
	for i := len(cl) - 1; i >= 0; i-- {
		if kinds[i] != kindText {
			continue
		}
		// The paragraph of line i: back to the blank line before it.
		start := i
		for start > 0 && kinds[start-1] == kindText {
			start--
		}
		if !text && len(cl[start]) < maxMarkerLen && mayBeFooter(cl[start]) && footerRe.MatchString(cl[start]) {
			for j := start; j <= i; j++ {
				kinds[j] = kindFooter
			}
		} else {
			text = true
		}
		i = start
	}
}

// headerBlock returns the number of lines of the header block starting at
// line i, or 0. A block starts with From/Date/Sent and has at least two
// distinct header names within a few lines; wrapped values are part of it.
func headerBlock(cl []string, kinds []lineKind, i int) int {
	if !mayBeHeader(cl[i]) {
		return 0
	}
	m := headerFirstRe.FindStringSubmatch(cl[i])
	if m == nil {
		return 0
	}
	seen := map[string]bool{strings.ToLower(m[1]): true}
	last := i
	blanks := 0
	for j := i + 1; j < len(cl) && j <= last+3; j++ {
		if cl[j] == "" {
			blanks++
			if blanks > 1 {
				break
			}
			continue
		}
		if kinds[j] == kindQuote && !strings.HasPrefix(cl[j], ">  <") {
			break
		}
		if !mayBeHeader(cl[j]) {
			continue
		}
		if h := headerRe.FindStringSubmatch(cl[j]); h != nil {
			seen[strings.ToLower(h[1])] = true
			last = j
			blanks = 0
		}
	}
	if len(seen) < 2 {
		return 0
	}
	return last - i + 1
}

// attribution reports whether an attribution starts at line i, and the line
// where it ends. Attributions may be wrapped over a few lines, for instance
// when the address does not fit: "On …, Name <\naddr> wrote:".
func attribution(cl []string, kinds []lineKind, i int) (int, bool) {
	j, ok := attributionFrom(cl, kinds, i)
	if !ok {
		return 0, false
	}
	if j > i {
		// Prefer the shorter attribution when the first line is new text
		// that merely precedes it.
		for k := nextNonEmpty(cl, i+1); k <= j; k = nextNonEmpty(cl, k+1) {
			if j2, ok2 := attributionFrom(cl, kinds, k); ok2 && j2 == j && !attrLead(cl[i]) {
				return 0, false
			}
		}
	}
	return j, true
}

func nextNonEmpty(cl []string, i int) int {
	for i < len(cl) && cl[i] == "" {
		i++
	}
	return i
}

func attributionFrom(cl []string, kinds []lineKind, i int) (int, bool) {
	if i >= len(cl) || cl[i] == "" {
		return 0, false
	}
	if kinds[i] == kindQuote && !strings.HasPrefix(cl[i], "<") {
		return 0, false
	}
	// Every attribution has a colon, dashes or an address somewhere.
	marked := false
	for j := i; j < len(cl) && j < i+6; j++ {
		if hasColon(cl[j]) || strings.IndexByte(cl[j], '-') >= 0 || strings.IndexByte(cl[j], '<') >= 0 {
			marked = true
			break
		}
	}
	if !marked && !(strings.ContainsAny(cl[i], "0123456789") && attrLead(cl[i])) {
		return 0, false
	}
	// joined is the lines read so far, joined by spaces: the first line alone needs no copy,
	// and most lines stop there.
	joined := ""
	depth := 0
	for j, n := i, 0; j < len(cl) && n < 5 && len(joined) < 400; j++ {
		c := cl[j]
		if c == "" {
			// Blank lines may separate the parts of a wrapped address only.
			if depth > 0 || (j+1 < len(cl) && cl[j+1] == "<") {
				continue
			}
			return 0, false
		}
		if j > i && kinds[j] == kindQuote && depth == 0 && !strings.HasPrefix(c, ">") {
			return 0, false
		}
		if j > i && kinds[j] == kindQuote && depth == 0 && strings.HasPrefix(c, ">") && !isAttrTail(c) {
			return 0, false
		}
		if joined == "" {
			joined = c
		} else {
			joined += " " + c
		}
		depth += strings.Count(c, "<") - strings.Count(c, ">")
		if depth < 0 {
			depth = 0
		}
		n++
		if depth == 0 && (isAttribution(joined) || followedByQuote(kinds, j+1, len(kinds)) && isLooseAttribution(joined)) {
			return j, true
		}
		if n == 1 && !strings.Contains(c, "<") && !(strings.Contains(c, "@") && addressLike(c)) && !attrLead(c) {
			// Only an attribution-like beginning may continue on the next line.
			return 0, false
		}
	}
	return 0, false
}

// isAttrTail reports whether a line that starts with ">" is the end of a
// wrapped attribution ("> wrote:", ">:") rather than a quote.
func isAttrTail(c string) bool {
	rest := strings.TrimSpace(strings.TrimLeft(c, "> "))
	return len(rest) < 40 && (strings.HasSuffix(rest, ":") || strings.HasSuffix(rest, "：") || rest == "")
}

// isAttribution reports whether s, one or a few joined lines, is the line a
// mail client writes above the quoted message.
func isAttribution(s string) bool {
	if len(s) > 400 || isQuoted(s) && !strings.HasPrefix(s, "<") {
		return false
	}
	if !hasColon(s) && strings.IndexByte(s, '-') < 0 && strings.IndexByte(s, '<') < 0 {
		// Every form below needs a colon, dashes or an address.
		return false
	}
	if len(s) < 250 && s[0] >= '0' && s[0] <= '9' && attrDateRe.MatchString(s) &&
		(!strings.ContainsAny(strings.TrimRight(s, ":"), ".!?") || strings.HasSuffix(s, ":") || strings.HasSuffix(s, ">")) {
		return true
	}
	if strings.HasSuffix(s, ">:") || strings.HasSuffix(s, "> :") {
		if len(strings.Fields(s)) <= 16 && attrFromRe.MatchString(s) {
			return true
		}
	}
	dashes := strings.HasPrefix(s, "--") || strings.HasSuffix(s, "--")
	t := strings.TrimRight(s, "-*_ ")
	t = strings.TrimLeft(t, "-*_ ")
	colon := strings.HasSuffix(t, ":") || strings.HasSuffix(t, "：")
	if !colon && !dashes {
		return false
	}
	if !strings.ContainsAny(t, "0123456789") && !addressLike(t) && !dashes {
		return false
	}
	if len(strings.Fields(t)) > 45 {
		return false
	}
	after, ok := findAttrVerb(t)
	if !ok {
		return false
	}
	if !colon {
		// "---- Name wrote ----": the verb ends the line.
		return after <= 1
	}
	return true
}

// isLooseAttribution reports whether s is an attribution that lost its
// colon ("On Mon, 23 Nov 2026 at 10:05, Alice wrote"): it opens like one,
// has a date or an address, and ends with the verb. Alone it proves little;
// the caller asks for quoted lines after it.
func isLooseAttribution(s string) bool {
	if len(s) > 300 || !attrLead(s) || len(strings.Fields(s)) > 30 {
		return false
	}
	t := strings.TrimRight(s, " .")
	if !strings.ContainsAny(t, "0123456789") && !addressLike(t) {
		return false
	}
	after, ok := findAttrVerb(t)
	return ok && after == 0
}

// splitSharedAttribution splits an English attribution that shares its
// line with the end of the reply, "Thanks On Wed, Apr 4, 2012 at 3:59 PM, bob
// wrote:", when quoted lines follow.
func splitSharedAttribution(lines []string) []string {
	var out []string
	for i, l := range lines {
		if i+1 < len(lines) && len(l) < maxMarkerLen && isQuoted(lines[i+1]) {
			if head, attr, ok := sharedAttribution(l); ok {
				if out == nil {
					out = append(out, lines[:i]...)
				}
				out = append(out, head, attr)
				continue
			}
		}
		if out != nil {
			out = append(out, l)
		}
	}
	if out == nil {
		return lines
	}
	return out
}

func sharedAttribution(l string) (head, attr string, ok bool) {
	t := strings.TrimSpace(l)
	if !strings.HasSuffix(t, "wrote:") && !strings.HasSuffix(t, "sent:") {
		return "", "", false
	}
	for off := 1; off < len(t); {
		k := strings.Index(t[off:], "On ")
		if k < 0 {
			break
		}
		k += off
		off = k + 1
		if c := t[k-1]; c != ' ' && c != '-' {
			continue
		}
		head = strings.TrimRight(t[:k], "- ")
		if head != "" && isAttribution(t[k:]) {
			return head, t[k:], true
		}
	}
	return "", "", false
}

// spanEnd returns the index after the run of lines of the same kind as i.
func spanEnd(kinds []lineKind, i int) int {
	j := i + 1
	for j < len(kinds) && kinds[j] == kinds[i] && kinds[i] != kindDelimiter {
		j++
	}
	return j
}

// followedByQuote reports whether the first non-blank line from i is quoted.
func followedByQuote(kinds []lineKind, i, end int) bool {
	for ; i < end; i++ {
		switch kinds[i] {
		case kindEmpty:
			continue
		case kindQuote:
			return true
		default:
			return false
		}
	}
	return false
}

// dropQuotes decides, for each quote block, whether it goes. keep is updated.
func dropQuotes(kinds []lineKind, keep []bool) {
	type block struct {
		attr, start, end int // attr is -1 without attribution; end is exclusive.
	}
	var blocks []block
	attr := -1
	for i := 0; i < len(kinds); i++ {
		switch kinds[i] {
		case kindAttribution:
			if attr < 0 {
				attr = i
			}
		case kindQuote:
			j := i
			for k := i; k < len(kinds) && (kinds[k] == kindQuote || kinds[k] == kindEmpty); k++ {
				if kinds[k] == kindQuote {
					j = k
				}
			}
			blocks = append(blocks, block{attr, i, j + 1})
			attr = -1
			i = j
		case kindEmpty:
		default:
			attr = -1
		}
	}
	// Attributions never stay.
	for i, k := range kinds {
		if k == kindAttribution {
			keep[i] = false
		}
	}
	// textAfter[i] counts the lines of text from i to the next quote line;
	// more[i] tells whether there is one.
	textAfter := make([]int, len(kinds)+1)
	more := make([]bool, len(kinds)+1)
	for i := len(kinds) - 1; i >= 0; i-- {
		textAfter[i], more[i] = textAfter[i+1], more[i+1]
		switch kinds[i] {
		case kindQuote:
			textAfter[i], more[i] = 0, true
		case kindText, kindHeader:
			if keep[i] {
				textAfter[i]++
			}
		}
	}
	answered := 0 // Quote blocks followed by some text.
	for _, b := range blocks {
		if textAfter[b.end] > 0 {
			answered++
		}
	}
	for _, b := range blocks {
		n := textAfter[b.end]
		drop := n == 0 || (b.attr >= 0 && n < 3 && !more[b.end] && answered < 2)
		if !drop {
			continue
		}
		from := b.start
		if b.attr >= 0 {
			from = b.attr
		}
		for i := from; i < b.end; i++ {
			keep[i] = false
		}
		if n > 0 {
			// The quotation wrapped the reply: drop the blank lines after it.
			for i := b.end; i < len(kinds) && kinds[i] == kindEmpty; i++ {
				keep[i] = false
			}
		}
	}
}

var (
	// mobileSigRe matches the one-line signatures of mail apps.
	mobileSigRe = mustAnchored(`(?i)^(` + mobileSigApps + `|` + mobileSigFrom + `)$`)

	// mobileSigAppsRe is mobileSigRe's alternatives but the last, for their first runes only
	// (mobileSigMay).
	mobileSigAppsRe = mustAnchored(`(?i)^(` + mobileSigApps + `)`)
)

// mobileSigApps and mobileSigFrom are the alternatives of mobileSigRe: the words of the apps,
// and a line "… from my phone".
const (
	mobileSigApps = `sent (from|with|via|by|using) .{1,80}` +
		`|envoy[ée] (de|depuis|à partir de|a partir de|avec|via) .{1,80}` +
		`|(von meinem|diese nachricht wurde von meinem) .{1,80} gesendet\.?` +
		`|gesendet (von|mit) .{1,60}` +
		`|(sendt fra|skickat från|verzonden (met|vanaf|van)|enviado (desde|do|de|con)|inviato da|wysłane z|отправлено (с|из)|lähetetty) .{1,60}` +
		`|(get|obtenir|obtenez|télécharger|telecharger|téléchargez|telechargez|holen sie sich|descargar|scarica|baixe o) \[?outlook (for|pour|für|para|per) .{1,80}` +
		`|從我的 .{1,30} 傳送|发自我的.{1,30}`
	mobileSigFrom = `[\w ]{0,20}\bfrom (my )?(mobile|phone|iphone|ipad|android|cell|smartphone)\b.{0,20}`
)

var (

	// sentFromMyRe is "Sent from my X" where X must look like a device, so that
	// "Sent from my desk, it is easier" stays.
	sentFromMyRe = mustAnchored(`(?i)^(sent|envoy[ée]) (from|de|depuis|with) (my|mon|ma) (\S+)`)

	deviceWordRe = mustAnchored(`(?i)^(mobile|cell|phone|telephone|téléphone|smartphone|tablet|tablette|appareil|device|portable|android|iphone|ipad|ipod|blackberry|samsung|galaxy|huawei|xiaomi|pixel|nokia|htc|lg|motorola|sony|windows|mac)`)

	// dashNameRe is a lone "-Name" sign-off line.
	dashNameRe = mustAnchored(`^-\p{L}[\p{L}.'’]*( \p{L}[\p{L}.'’]*){0,2}$`)
)

// mobileSigMay reports whether mobileSigRe may match c: its last alternative holds "from", in
// ASCII letters (none of f, r, o, m folds to a rune beyond ASCII), after at most 20 runes
// ([\w ]{0,20}; under (?i) \w takes the long s and the Kelvin sign too, so up to 60 bytes), and
// the others begin as
// mobileSigAppsRe's first runes tell. The expression ran on every line its first character let
// through ("Bonjour,", "Hello,"), 1.6k instructions of a generated mail (callgrind of
// BenchmarkParseGenerated; TestMobileSigMay).
func mobileSigMay(c string) bool {
	return mobileSigAppsRe.compiled().mayMatch(c) || containsASCIIFold(c[:min(len(c), 64)], "from")
}

// isMobileSignature reports whether l is a mail app's signature line.
func isMobileSignature(l string) bool {
	c := strings.Trim(clean(l), "()<>[]* ")
	if c == "" || len(c) > 120 || !mobileSigMay(c) || !mobileSigRe.MatchString(c) {
		return false
	}
	if m := sentFromMyRe.FindStringSubmatch(c); m != nil {
		w := m[4]
		r, _ := utf8.DecodeRuneInString(w)
		return deviceWordRe.MatchString(w) || unicode.IsUpper(r) || unicode.IsDigit(r)
	}
	return true
}

// trimSignature removes trailing signature lines: mail app signatures and a
// lone "-Name" paragraph.
func trimSignature(lines []string) []string {
	for {
		i := len(lines) - 1
		for i >= 0 && clean(lines[i]) == "" {
			i--
		}
		if i < 0 {
			return lines[:0]
		}
		c := clean(lines[i])
		// A rule or a "-Name" line is a sign-off only below some text: a mail of nothing but
		// "#" or "-A" keeps it, its text is not empty.
		above := i - 1
		for above >= 0 && clean(lines[above]) == "" {
			above--
		}
		switch {
		case isMobileSignature(c):
		case decorationRe.MatchString(c) && above >= 0:
		case dashNameRe.MatchString(c) && i > 0 && clean(lines[i-1]) == "" && above >= 0:
		default:
			return lines[:i+1]
		}
		lines = lines[:i]
	}
}

// forwardSubjectRe matches the prefixes mail clients give a forwarded mail's
// subject: Fwd/Fw (English), TR (French), WG (German), RV and ENC (Spanish,
// Portuguese), Doorst (Dutch), VS and VB (Nordic), after a mail gateway's
// "[EXTERNAL]" tag if any, with any space before the colon ("TR :").
var forwardSubjectRe = mustAnchored(`(?i)^[\s\p{Z}]*(?:\[(?:external|ext|externe|extern|external sender|externo|esterno)\][\s\p{Z}]*)*(?:fwd?|tr|wg|rv|enc|doorst|vs|vb|vl)[\s\p{Z}]*(?:\[\d+\])?[\s\p{Z}]*[:：]`)

// IsForwardSubject reports whether a subject is that of a forwarded mail.
func IsForwardSubject(subject string) bool { return forwardSubjectRe.MatchString(subject) }

// VisibleForward returns the text of a forwarded mail as a new request: the
// sender's own words (as VisibleText leaves them) followed by the forwarded
// message as it is, from its separator on: "-----Original Message-----", an
// Outlook header block, "---------- Forwarded message ---------", or an
// attribution and its quote. Without a separator it is VisibleText.
func VisibleForward(text string) string {
	v, _ := withHistory(text)
	return v
}

// withHistory is VisibleForward, and whether it found a separator, that is whether the text
// carries a forwarded message or the quoted history of a reply chain.
func withHistory(text string) (string, bool) {
	return newLineView(text).withHistory()
}

// withHistory is the package function withHistory of the view's text.
func (v *lineView) withHistory() (string, bool) {
	if v.blank {
		return "", false
	}
	lines, kinds := v.plainLines()
	cut := -1
	for i := 0; i < len(lines) && cut < 0; i++ {
		switch kinds[i] {
		case kindForward, kindHeader, kindAttribution:
			cut = i
		case kindDelimiter:
			if c := clean(lines[i]); !isDelimiter(c) {
				cut = i // "-----Original Message-----" and the like; not "-- " nor a rule.
			}
		}
	}
	if cut < 0 {
		vis, _ := v.visibleParts()
		return vis, false
	}
	tail := tidy(lines[cut:])
	head := ""
	if cut > 0 {
		head = VisibleText(strings.Join(lines[:cut], "\n"))
	}
	if head == "" {
		return tail, true
	}
	return head + "\n\n" + tail, true
}

// onlyHistory reports whether the view's text is nothing but quoted history: quoted lines, the
// attributions above them ("Le lun. 30 nov. 2026 à 23:30, … a écrit :") and a mail app's
// signature ("Envoyé de mon iPhone"). Such a reply says nothing new: its visible text is empty,
// not the desk's own words quoted back.
func (v *lineView) onlyHistory() bool {
	lines, kinds := v.sharedLines()
	quoted := false
	for i, k := range kinds {
		switch {
		case k == kindQuote:
			quoted = true
		case k == kindEmpty || k == kindAttribution:
		case k == kindText && isMobileSignature(strings.TrimSpace(lines[i])):
		default:
			return false
		}
	}
	return quoted
}
