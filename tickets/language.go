package tickets

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DetectLanguage returns the language of a mail: "fr" or "en" when the Content-Language header
// names one of them (RFC 3282), else the one whose common words and letters the text uses more,
// else fallback (the desk's language, which may be another one its templates have), else "en".
// The words read are the request's own: its signature block and legal notices cut (requestBody),
// where a company's English disclaimer under a French request outweighed it; the whole text when
// what is left tells nothing.
func DetectLanguage(contentLanguage, text, fallback string) string {
	if lang := headerLanguage(contentLanguage); lang != "" {
		return lang
	}
	return textLanguage(text, requestBody(text), fallback)
}

// DetectLanguageText is DetectLanguage(contentLanguage, subject+"\n"+text, fallback), and what
// its cut of the signature and disclaimers tells of the text's own (requestBody(text)): the mail
// reader keeps it with the mail (Incoming.Request), and a new request's triage finds its body
// from it rather than cut the same text again (requestBody, 30k instructions of the 328k of a
// generated mail's parse, callgrind of BenchmarkParseGenerated; BenchmarkPrepareRequest).
func DetectLanguageText(contentLanguage, subject, text, fallback string) (string, RequestText) {
	if lang := headerLanguage(contentLanguage); lang != "" {
		return lang, RequestText{}
	}
	whole := subject + "\n" + text
	body, first, reach := cutRequest(whole)
	return textLanguage(whole, body, fallback),
		RequestText{subject: subject, text: text, body: body, first: first, reach: reach, cut: body != whole, known: true}
}

// headerLanguage is the language a Content-Language header names, "" when it names neither
// French nor English.
func headerLanguage(contentLanguage string) string {
	for tag := range strings.SplitSeq(contentLanguage, ",") {
		primary, _, _ := strings.Cut(strings.ReplaceAll(strings.TrimSpace(tag), "_", "-"), "-")
		switch strings.ToLower(primary) {
		case "fr":
			return "fr"
		case "en":
			return "en"
		}
	}
	return ""
}

// textLanguage is DetectLanguage of a text without a header, body being requestBody(text).
func textLanguage(text, body, fallback string) string {
	if body != text {
		if lang := guessLanguage(body); lang != "" {
			return lang
		}
	}
	if lang := guessLanguage(text); lang != "" {
		return lang
	}
	if fallback != "" {
		return fallback
	}
	return "en"
}

// RequestText is what DetectLanguageText found of a mail's subject and text: the text it is of
// and cutRequest(subject+"\n"+text); the zero value knows nothing.
type RequestText struct {
	subject, text, body string
	first, reach        int
	cut, known          bool // cut: body is not the whole.
}

// bodyOf returns requestBody(text), from r when r is of that text and tells it (textBody).
func (r *RequestText) bodyOf(text string) string {
	if r.known && r.text == text {
		if b, ok := textBody(r.subject, r.text, r.body, r.cut, r.first, r.reach); ok {
			return b
		}
	}
	return requestBody(text)
}

// textBody returns requestBody(text) from what cutRequest(whole) returned (body, first, reach),
// whole being subject+"\n"+text and cut whether body is not whole; ok false when that does not
// tell it.
//
// The lines of whole are the subject's line, then the text's. When the subject is no line of
// content (blank, a greeting, a closing), whole's first line of content is the text's, one line
// down, and the same lines are cut. When it is one, whole's cut reads the text's lines from its
// first on, the text's own from below its first line of content: the same cut when it read
// nothing at or above that line (reach below it). The text's body is then what follows the
// subject's line in whole's body, without the blank lines requestBody leaves out at its start.
func textBody(subject, text, body string, cut bool, first, reach int) (string, bool) {
	switch {
	case strings.IndexByte(subject, '\n') >= 0:
		return "", false
	case first < 0 || !cut: // Nothing to read, or nothing cut: neither is the text's.
		return text, true
	case first == 0: // The subject is a line of content.
		for k, rest := 0, text; ; k++ {
			line, more, found := strings.Cut(rest, "\n")
			if k+1 >= reach {
				return "", false
			}
			if contentLine(line) {
				break
			}
			if !found {
				return text, true // No line of content: requestBody(text) is text.
			}
			rest = more
		}
	}
	if subject == "" {
		return body, true
	}
	if len(body) <= len(subject) {
		return "", true
	}
	return strings.TrimLeft(body[len(subject)+1:], "\n"), true
}

// guessLanguage scores the text's function words and French diacritics; "" when it cannot tell.
// Only the first few hundred words count: a request says what it is about early, and quoted
// history or signatures further down are often in another language.
//
// A word is what wordRE finds in the lower-cased text; it is read in one pass over the text,
// folded (Fold) into a buffer and cut at its apostrophes (splitElision) without a copy: the
// expression, Fold and the split took a tenth of a mail's parsing.
func guessLanguage(text string) string {
	var fr, en float64
	accented := 0
	var buf [64]byte
	folded := buf[:0]
	for i, words := 0, 0; i < len(text) && words < guessWords; words++ {
		start, end := nextWord(text, i)
		if start < 0 {
			break
		}
		i = end
		folded = folded[:0]
		accent := false
		for j := start; j < end; {
			if c := text[j]; c < utf8.RuneSelf { // the text, lower-cased: ASCII needs no table
				if 'A' <= c && c <= 'Z' {
					c += 'a' - 'A'
				}
				folded = append(folded, c)
				j++
				continue
			}
			r, n := utf8.DecodeRuneInString(text[j:])
			j += n
			r = unicode.ToLower(r) // the text, lower-cased
			if !accent && isFrenchLetter(r) {
				accent = true
			}
			if r < utf8.RuneSelf {
				folded = append(folded, byte(r))
				continue
			}
			r = unicode.ToLower(r) // Fold lower-cases again
			if f, ok := accentFold[r]; ok {
				folded = append(folded, f...)
			} else {
				folded = utf8.AppendRune(folded, r)
			}
		}
		if accent {
			accented++
		}
		for rest := folded; len(rest) > 0; {
			part := rest
			if k := bytes.IndexByte(rest, '\''); k >= 0 {
				part, rest = rest[:k], rest[k+1:]
			} else {
				rest = nil
			}
			if len(part) > 0 && len(part) <= maxLanguageWord {
				if w, ok := languageTable.get(part); ok {
					fr += w.fr
					en += w.en
				}
			}
		}
	}
	// Accented words weigh little each and are capped, so a French name in an English mail does
	// not decide; a French mail written without accents still has its function words.
	fr += 0.5 * float64(min(accented, 6))
	switch {
	case fr == 0 && en == 0:
		return ""
	case fr > en:
		return "fr"
	case en > fr:
		return "en"
	}
	return ""
}

// guessWords is how many words of a text guessLanguage reads.
const guessWords = 300

// nextWord finds the first word of text from byte i on, as wordRE finds it in the text
// lower-cased: letters and digits, joined by single hyphens and apostrophes. It returns -1 when
// there is none.
func nextWord(text string, i int) (start, end int) {
	for i < len(text) {
		if c := text[i]; c < utf8.RuneSelf {
			if asciiWordByte(c) {
				break
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(text[i:])
		if wordRune(r) {
			break
		}
		i += n
	}
	if i >= len(text) {
		return -1, -1
	}
	start = i
	for {
		for i < len(text) { // letters and digits
			if c := text[i]; c < utf8.RuneSelf {
				if !asciiWordByte(c) {
					break
				}
				i++
				continue
			}
			r, n := utf8.DecodeRuneInString(text[i:])
			if !wordRune(r) {
				break
			}
			i += n
		}
		if i >= len(text) {
			return start, i
		}
		r, n := utf8.DecodeRuneInString(text[i:])
		if r != '-' && r != '\'' && r != '’' || i+n >= len(text) {
			return start, i
		}
		if r2, _ := utf8.DecodeRuneInString(text[i+n:]); !wordRune(r2) {
			return start, i
		}
		i += n
	}
}

// asciiWordByte is wordRune of an ASCII character.
func asciiWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// wordRune reports whether r, lower-cased, is a letter or a digit (wordRE's [\p{L}\p{N}]).
func wordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return isWordRune(unicode.ToLower(r))
}

func isFrenchLetter(r rune) bool {
	return r > unicode.MaxASCII && strings.ContainsRune("àâçéèêëîïôûùüÿœæ", r)
}

// splitElision cuts a folded word at its apostrophes: "l'imprimante" gives "l" and "imprimante",
// "doesn't" gives "doesn" and "t".
func splitElision(w string) []string {
	if !strings.ContainsRune(w, '\'') {
		return []string{w}
	}
	return strings.FieldsFunc(w, func(r rune) bool { return r == '\'' })
}

// frenchWords and englishWords are function words and greetings that tell the two languages
// apart, folded, with a weight; words both languages use ("a", "on", "me", "message") are left out.
var frenchWords = weights(2, "bonjour bonsoir merci cordialement salutations madame monsieur",
	1, "le la les des du un une et est je j mon ma mes ne n pas plus que qu qui dans sur avec il elle "+
		"nous vous votre vos notre nos ce cette ces au aux ai suis sont avons avez peux pouvez peut "+
		"mais ou depuis ca c l d y tout tous toute rien aussi tres bien quand comment pourquoi "+
		"encore deja ici fait faire fonctionne svp mercredi jeudi vendredi lundi mardi "+
		"matin hier aujourd aujourd'hui demain semaine besoin aide probleme en panne ordinateur "+
		"imprimante ecran reseau passe connexion marche")

var englishWords = weights(2, "hello hi thanks regards dear please",
	1, "the is are was were be been my i i'm im you your to of and it it's its this that these those "+
		"with for not can can't cannot could would should will won doesn don didn isn aren wasn have has "+
		"had from at we our us when since what which who why how there their they all any some "+
		"just also very still again here work working works help need issue problem today yesterday "+
		"tomorrow morning monday tuesday wednesday thursday friday week get got does do broken "+
		"printer screen password computer")

// languageWords is frenchWords and englishWords in one table, so that guessLanguage looks a word
// up once: the two lookups of each word were a fifth of the guess.
var languageWords = func() map[string]struct{ fr, en float64 } {
	m := map[string]struct{ fr, en float64 }{}
	for w, v := range frenchWords {
		e := m[w]
		e.fr = v
		m[w] = e
	}
	for w, v := range englishWords {
		e := m[w]
		e.en = v
		m[w] = e
	}
	return m
}()

// languageTable is languageWords in an open-addressed table of its own, looked up without
// the map's hashing of the string: the map's lookup was a fifth of guessLanguage
// (TestLanguageTableAsMap).
var languageTable = func() *wordTable {
	t := &wordTable{}
	if 2*len(languageWords) > wordTableSize { // A full table's miss would probe for ever.
		panic("tickets: languageWords fill over half of wordTableSize")
	}
	for w, v := range languageWords {
		t.put(w, v.fr, v.en)
	}
	return t
}()

// wordTable is a set of words with their two weights, hashed by wordHash and probed linearly.
type wordTable struct {
	slots [wordTableSize]wordSlot
}

type wordSlot struct {
	word   string
	fr, en float64
	used   bool
}

// wordTableSize is the number of slots of a wordTable: a power of two, over twice the words
// of languageWords.
const wordTableSize = 1024

// wordHash is FNV-1a of w, cut to the table's size.
func wordHash(w []byte) uint32 {
	h := uint32(2166136261)
	for _, c := range w {
		h ^= uint32(c)
		h *= 16777619
	}
	return h & (wordTableSize - 1)
}

func (t *wordTable) put(w string, fr, en float64) {
	i := wordHash([]byte(w))
	for t.slots[i].used {
		i = (i + 1) & (wordTableSize - 1)
	}
	t.slots[i] = wordSlot{word: w, fr: fr, en: en, used: true}
}

// get returns the weights of w, and whether it is in the table.
func (t *wordTable) get(w []byte) (struct{ fr, en float64 }, bool) {
	for i := wordHash(w); t.slots[i].used; i = (i + 1) & (wordTableSize - 1) {
		if s := &t.slots[i]; s.word == string(w) {
			return struct{ fr, en float64 }{s.fr, s.en}, true
		}
	}
	return struct{ fr, en float64 }{}, false
}

// maxLanguageWord is the length of the longest word of languageWords: a longer one is not
// looked up.
var maxLanguageWord = func() int {
	n := 0
	for w := range languageWords {
		n = max(n, len(w))
	}
	return n
}()

func weights(args ...any) map[string]float64 {
	m := map[string]float64{}
	for i := 0; i+1 < len(args); i += 2 {
		w := float64(args[i].(int))
		for _, word := range strings.Fields(args[i+1].(string)) {
			m[word] = w
		}
	}
	return m
}
