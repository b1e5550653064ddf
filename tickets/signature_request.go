package tickets

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A requester's mail is analysed without its signature block and its legal disclaimer: the
// classifier, the priority phrases, the language guess and the search document (which incident
// detection, known answers and similar tickets read) see requestBody(text). Two colleagues sign
// with the same company block ("Service comptabilité — Groupe X — 01 23 45 67 89"), and their
// unrelated requests must not meet on it; a disclaimer's "notify the sender immediately" says
// nothing of the request's urgency. The text stored and shown stays whole.
//
// mailin already cuts what follows a "-- " delimiter, a mail app's line ("Envoyé de mon iPhone")
// and a legal footer that ends the text. What reaches the desk still holds the signatures written
// without a delimiter, footers followed by a signature, and forwarded text. requestBody cuts, after
// the request's first line of content (a greeting or a closing is none), which it never cuts:
//
//   - a "-- " delimiter and all below it;
//   - each paragraph, or end of paragraph, that opens with a disclaimer ("Ce message et toutes
//     les pièces jointes sont confidentiels…", "This e-mail is intended solely…", "Pensez à
//     l'environnement avant d'imprimer"), and the paragraphs of disclaimer words that follow it;
//   - the signature block that ends the text: from a closing ("Cordialement,", "Bien à vous",
//     "Best regards", "Thanks, Bob", "Merci d'avance") that only short lines follow (a name, a
//     title, a company, contact lines, a mail app's line); or, without a closing, from the
//     paragraph of its contact lines (a phone, an address, a web site, an e-mail address).
//
// A closing with more text below it ("Merci,\nEn fait le souci est revenu ce matin…") ends
// nothing; "Merci de réinitialiser mon mot de passe" is a request, not a closing.

// requestBody returns text without its signature block and its disclaimers (see above): the text
// triage and the search index read. It returns text itself when it cuts nothing.
func requestBody(text string) string {
	body, _, _ := cutRequest(text)
	return body
}

// cutRequest is requestBody(text), with the index of text's first line of content (first, -1
// when there is none) and reach: the lowest of the lines below it that the cut found a "-- "
// delimiter or a disclaimer at, or one below the line at which a scan up the signature block
// stopped (first+1 when it ran up to first); len(lines) when none. The cut would be the same from
// any first line of content above reach: lines above reach were read only to stop a scan, which
// a first line there stops too (textBody relies on it).
func cutRequest(text string) (body string, first, reach int) {
	if strings.IndexByte(text, '\n') < 0 {
		return text, -1, 1 // One line: the request itself.
	}
	lines := strings.Split(text, "\n")
	first = firstContentLine(lines)
	if first < 0 {
		return text, first, len(lines)
	}
	cut := make([]bool, len(lines)) // Lines cut as disclaimers.
	anyCut := false
	end := len(lines)
	for i := first + 1; i < len(lines); i++ {
		if l := strings.TrimSpace(lines[i]); l == "--" || l == "—" {
			end = i // A signature delimiter: all below is signature.
			break
		}
	}
	reach = end
	anyCut = cutDisclaimers(lines[:end], first, cut) || end < len(lines)
	if i := slices.Index(cut, true); i >= 0 {
		reach = min(reach, i)
	}
	s, stop := signatureFrom(lines[:end], first, cut)
	reach = min(reach, stop+1)
	if s < end {
		end, anyCut = s, true
	}
	if !anyCut {
		return text, first, reach
	}
	var b strings.Builder
	b.Grow(len(text))
	for i, l := range lines[:end] {
		if cut[i] {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(l)
	}
	return strings.TrimRightFunc(b.String(), unicode.IsSpace), first, reach
}

// firstContentLine is the index of the first line that is neither blank, nor a greeting, nor a
// closing, -1 when there is none.
func firstContentLine(lines []string) int {
	for i, line := range lines {
		if contentLine(line) {
			return i
		}
	}
	return -1
}

// contentLine reports whether a line is one of content: neither blank, nor a greeting, nor a
// closing.
func contentLine(line string) bool {
	l := strings.TrimSpace(line)
	if l == "" {
		return false
	}
	return !(len(l) < 60 && (leadIn(greetingFirst, l) && greetingRE.MatchString(Fold(l)) || maybeClosing(l)))
}

// greetingFirst are the first words greetingRE may match.
var greetingFirst = wordSet("bonjour bonsoir salut coucou hello hi hey dear cher chere chers madame monsieur messieurs mesdames good greetings")

// greetingRE matches a folded greeting line: "Bonjour,", "Bonjour Madame", "Hello team,".
var greetingRE = regexp.MustCompile(`^(bonjour|bonsoir|salut|coucou|hello|hi|hey|dear|cher|chere|chers|madame|monsieur|messieurs|mesdames|good (morning|afternoon|evening)|greetings)\b[^.?!]{0,40}$`)

// cutDisclaimers marks in cut the lines of the disclaimers below line first: from a line that
// opens one (disclaimerStart) to the end of its paragraph, and the paragraphs that follow it while
// they hold disclaimer words. It reports whether it marked any.
func cutDisclaimers(lines []string, first int, cut []bool) bool {
	any := false
	in := false // The paragraph before was a disclaimer.
	for i := first + 1; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if l == "" {
			continue
		}
		start := i == 0 || strings.TrimSpace(lines[i-1]) == ""
		if !disclaimerStart(l) && !(in && start && disclaimerWords(paragraphAt(lines, i))) {
			if start {
				in = false
			}
			continue
		}
		// From here to the end of the paragraph.
		for ; i < len(lines) && strings.TrimSpace(lines[i]) != ""; i++ {
			cut[i] = true
		}
		in, any = true, true
	}
	return any
}

// paragraphAt is the paragraph that starts at line i, joined.
func paragraphAt(lines []string, i int) string {
	j := i
	for j < len(lines) && strings.TrimSpace(lines[j]) != "" {
		j++
	}
	return strings.Join(lines[i:j], " ")
}

// disclaimerStartRE matches the folded opening of a legal disclaimer or of a printing notice.
var disclaimerStartRE = regexp.MustCompile(`^[*_\s]*(` +
	`(confidentiality notice|confidentiality|disclaimer|avertissement|avis de confidentialite|avis juridique|legal notice|mentions legales|confidentialite|important notice|privileged ?(and|&) ?confidential)\s*[:\-]|` +
	`this (e-?mail|message|communication|transmission)( and any (attachments?|files?|documents?)[^.]{0,60}?)? (is|are|may be|contains?|may contain) (strictly )?(confidential|privileged|intended)|` +
	`the (information|content|contents) (contained )?in this (e-?mail|message|communication)|` +
	`if you (have )?received this (e-?mail|message|communication|transmission) in error|if you are not the (intended )?(recipient|addressee)|` +
	`(ce|le present|cet) (message|courriel|mail|e-?mail)( electronique)?( et (toutes )?(les|ses|leurs) (pieces|fichiers|documents)[^.]{0,40}?)? (est|sont|peut|peuvent|contient) (strictement )?(confidentiel|etablis? a l'intention|destines? exclusivement|destines? uniquement|a l'usage exclusif|reserves? a l'usage|couverts? par|contenir des informations)|` +
	`(les informations|l'information) (contenues? )?dans ce (message|courriel|mail)|si vous (avez recu|n'etes pas (le|la) destinataire)|` +
	`toute (utilisation|diffusion|publication|copie|modification)[^.]{0,40}(interdite|prohibee|non autorisee)|any (unauthori[sz]ed|use|review|dissemination|distribution)[^.]{0,60}(prohibited|forbidden|strictly)|` +
	`(p )?(please )?(think of|consider) the environment|(merci de )?(pensez|penser|pense) a l'environnement|` +
	`(afin de|pour) (contribuer au respect de|proteger|preserver) l'environnement|n'imprimez (ce|cet) (message|courriel|mail)|` +
	`think before (you )?print|save a tree|respectez l'environnement|` +
	`p (please|pensez|merci|avant d'imprimer)` +
	`)`)

// disclaimerFirstWords are the first words disclaimerStartRE may match, in lower case, with and
// without their accents: a cheap test before folding the line and the expression.
var disclaimerFirstWords = map[string]bool{"confidentiality": true, "disclaimer": true, "avertissement": true,
	"avis": true, "legal": true, "mentions": true, "confidentialite": true, "confidentialité": true,
	"important": true, "privileged": true, "this": true, "the": true, "if": true, "ce": true, "le": true,
	"cet": true, "les": true, "l'information": true, "l’information": true, "si": true, "toute": true,
	"any": true, "p": true, "please": true, "think": true, "consider": true, "merci": true, "pensez": true,
	"penser": true, "pense": true, "afin": true, "pour": true, "n'imprimez": true, "n’imprimez": true,
	"save": true, "respectez": true}

// disclaimerStart reports whether a trimmed line opens a disclaimer.
func disclaimerStart(l string) bool {
	w := strings.TrimLeft(l, "*_ ")
	if n := strings.IndexAny(w, " :-"); n > 0 {
		w = w[:n]
	}
	if len(w) > 16 || !leadIn(disclaimerFirstWords, w) {
		return false
	}
	l = firstRunes(l, 140) // The opening says it: no need to fold a long notice whole.
	lower := strings.ToLower(l)
	for _, k := range disclaimerKeys {
		if strings.Contains(lower, k) {
			return disclaimerStartRE.MatchString(Fold(l))
		}
	}
	return false
}

// disclaimerKeys are words one of which every phrase of disclaimerStartRE holds, in lower case:
// a test before folding the line and the expression, on the many lines that open with "Le",
// "Ce", "The", "If" or "Merci".
var disclaimerKeys = []string{"confidenti", "disclaimer", "avertissement", "legal", "légal", "important notice",
	"privileged", "intended", "information", "content", "received", "recipient", "addressee", "recu", "reçu",
	"destinataire", "interdit", "prohib", "non autoris", "environ", "imprim", "print", "save a tree"}

// disclaimerWordRE matches the words of a disclaimer's later paragraphs (the same notice in
// another language, the sender's liability).
var disclaimerWordRE = regexp.MustCompile(`\b(confidenti\w*|destinataires?|recipients?|intended|addressee|prohib\w*|interdit\w*|unauthori[sz]ed|non autorise\w*|liability|responsabilite|virus|legally|privileged)\b`)

// disclaimerWords reports whether a paragraph holds two disclaimer words or more.
func disclaimerWords(p string) bool {
	return len(disclaimerWordRE.FindAllStringIndex(Fold(p), 2)) >= 2
}

// signatureFrom returns the first line of the signature block that ends lines (see requestBody),
// len(lines) when there is none. It is never at or above line first; lines marked in cut are
// disclaimers, passed over. stop is the lowest line its scans read up to (first when they ran
// down to it).
func signatureFrom(lines []string, first int, cut []bool) (from, stop int) {
	// The run of signature lines that ends the text, bottom up.
	top := len(lines)
	closing, contact := -1, -1 // The topmost closing and contact line of the run.
	n := 0                     // Its lines that are not blank.
	stop = first
	for i := len(lines) - 1; i > first; i-- {
		l := strings.TrimSpace(lines[i])
		if l == "" || cut[i] {
			continue
		}
		kind := signatureLine(l)
		if kind == sigNone {
			stop = i
			break
		}
		if n++; n > maxSignatureLines {
			stop = i
			break
		}
		top = i
		switch kind {
		case sigClosing:
			closing = i
		case sigContact:
			contact = i
		}
	}
	switch {
	case closing > first:
		return closing, stop
	case contact > first:
		// Without a closing: from the paragraph of the contact lines (a name, a title above them).
		from := contact
		for from-1 >= top && from-1 > first && strings.TrimSpace(lines[from-1]) != "" {
			from--
		}
		return from, stop
	}
	// Only a mail app's line or rules may end the text: cut them, if they do.
	end := len(lines)
	low := first
	for i := len(lines) - 1; i > first; i-- {
		l := strings.TrimSpace(lines[i])
		if l == "" || cut[i] {
			continue
		}
		if !isMobileLine(l) && !ruleRE.MatchString(l) {
			low = i
			break
		}
		end = i
	}
	return end, min(stop, low)
}

// maxSignatureLines is the most lines a signature block holds below its closing.
const maxSignatureLines = 12

type sigKind uint8

const (
	sigNone    sigKind = iota // Text of the request.
	sigShort                  // A short line: a name, a title, a company.
	sigContact                // A phone, an address, a web site, a mail app's line.
	sigClosing                // "Cordialement,", "Thanks, Bob".
)

// signatureLine tells what a trimmed, non-blank line may be in a signature block.
func signatureLine(l string) sigKind {
	if utf8.RuneCountInString(l) > 120 {
		return sigNone
	}
	if requestContactLine(l) || isMobileLine(l) {
		return sigContact
	}
	if strings.ContainsRune("-_=*~\xe2", rune(l[0])) && ruleRE.MatchString(l) {
		return sigShort
	}
	if maybeClosing(l) {
		return sigClosing
	}
	if utf8.RuneCountInString(l) > 80 {
		return sigNone
	}
	words := strings.Fields(l)
	switch {
	case len(words) > 8:
		return sigNone
	case strings.ContainsRune("pPnNeEuU", rune(l[0])) && postscriptRE.MatchString(Fold(l)):
		return sigNone // "PS : c'est urgent" is the request's.
	case strings.ContainsAny(l[len(l)-1:], "?!:;"):
		return sigNone
	case strings.HasSuffix(l, ".") && len(words) > 3:
		return sigNone // A sentence; "Jean D." is a name.
	}
	if r, _ := utf8.DecodeRuneInString(l); unicode.IsLower(r) && len(words) > 3 {
		return sigNone // A sentence's end, not a title.
	}
	return sigShort
}

// postscriptRE matches a folded post-scriptum or a note below a closing.
var postscriptRE = regexp.MustCompile(`^(ps|p\.s|ps\.|nb|n\.b|edit|update)\b`)

// ruleRE matches a line drawn across: "-----", "_____", "=====".
var ruleRE = regexp.MustCompile(`^[-_=*~—–]{3,}$`)

// closingRE matches a folded closing line, with the writer's name after it on the same line
// ("cordialement, jean dupont", "thanks - bob"): signOffRE (commands.go) and the closings of a
// request ("merci par avance", "thanks in advance", "je vous remercie").
var closingRE = regexp.MustCompile(`^(` + strings.TrimSuffix(strings.TrimPrefix(signOffRE.String(), `^`), `[\p{Z} ,.!]*$`) +
	`|(bien |tres )?cordialement a (vous|toi|tous)|respectueusement|amicalement|bien amicalement|a\+|sincerement` +
	`|(un grand )?merci( beaucoup| bien| encore)?( par avance| d'avance| pour (votre|ton) (aide|retour|reponse))?( et (bonne|belle) (journee|soiree|fin de journee))?` +
	`|(en vous|je vous) remerciant( par avance| d'avance)?|je vous remercie( par avance| d'avance)?|avec mes remerciements` +
	`|(thanks|thank you|many thanks)( in advance| a lot| so much| for your help)?|best|warmly|yours( truly| sincerely)?|take care` +
	`)[\p{Z} ,.!\-–—]*([\p{L}][\p{L}.'\-]*([\p{Z} ][\p{L}][\p{L}.'\-]*){0,3})?[\p{Z} ,.!]*$`)

// closingFirst are the first words closingRE may match.
var closingFirst = wordSet(`bien tres cordialement cdlt cdt bav a salutations sinceres meilleures merci bonne belle
	with best kind warm regards br thanks thx thank many cheers all sincerely mit freundliche freundlichen viele gruss
	respectueusement amicalement sincerement un en je avec warmly yours take`)

// maybeClosing is closingLine of a trimmed line, its expression tried only on a line that opens
// with one of its first words.
func maybeClosing(l string) bool {
	if !leadIn(closingFirst, l) {
		return false
	}
	f := Fold(l)
	if closingExact[strings.TrimRight(f, " ,.!")] {
		return true
	}
	return closingLine(l, f)
}

// closingExact are the commonest closings, folded, found without the expression.
var closingExact = map[string]bool{"cordialement": true, "bien cordialement": true, "tres cordialement": true,
	"merci": true, "merci d'avance": true, "merci par avance": true, "merci beaucoup": true, "cdlt": true,
	"bien a vous": true, "bonne journee": true, "thanks": true, "thank you": true, "regards": true,
	"best regards": true, "kind regards": true, "best": true, "cheers": true, "many thanks": true,
	"thanks in advance": true, "salutations": true, "sinceres salutations": true}

// wordSet is the set of the words of a list.
func wordSet(list string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(list) {
		m[w] = true
	}
	return m
}

// leadIn reports whether the first word of l (its letters and apostrophes), lower-cased and
// without accents, is in set. An ASCII word is looked up without a copy.
func leadIn(set map[string]bool, l string) bool {
	var buf [24]byte
	n := 0
	for i := 0; i < len(l); i++ {
		c := l[i]
		switch {
		case c >= 0x80:
			w, _, _ := strings.Cut(l, " ")
			return set[strings.TrimRight(Fold(w), ",.!:;")]
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c >= 'a' && c <= 'z', c == '\'':
		default:
			return n > 0 && set[string(buf[:n])]
		}
		if n == len(buf) {
			return false
		}
		buf[n] = c
		n++
	}
	return n > 0 && set[string(buf[:n])]
}

// closingLine reports whether a trimmed line l, folded f, is a closing, alone or followed by a
// name: the words after the closing must each begin with a capital ("Merci, Jean Dupont",
// "Thanks - The Team"); "Merci, je n'arrive plus à me connecter" is no closing.
func closingLine(l, f string) bool {
	m := closingRE.FindStringSubmatchIndex(f)
	if m == nil {
		return false
	}
	from := m[len(m)-4] // The name group, when present.
	if from < 0 {
		return true
	}
	name := strings.Fields(f[from:])
	words := strings.Fields(l)
	if len(name) > len(words) {
		return false
	}
	for _, w := range words[len(words)-len(name):] {
		if r, _ := utf8.DecodeRuneInString(w); !unicode.IsUpper(r) {
			return false
		}
	}
	return true
}

// phoneRE matches a phone number: eight digits or more, grouped, with a country code or not.
var phoneRE = regexp.MustCompile(`^\+?\(?\d[\d .()/\-]{6,}\d$`)

// ipv4RE matches an IPv4 address, which is no phone number.
var ipv4RE = regexp.MustCompile(`^\d{1,3}(\.\d{1,3}){3}(/\d+)?$`)

// The items of a contact line, in lower case: an e-mail address, a web site, a postal address
// (a postcode and its city, a street, a post-office box), each after its label if any.
var (
	emailRE  = regexp.MustCompile(`^((e-?mail|courriel|mail)\s*[:.]?\s*)?[^\s@]+@[\w.\-]+\.\w+$`)
	webRE    = regexp.MustCompile(`^((web|site|site web|website)\s*[:.]?\s*)?((https?://|www\.)\S+|[\w\-]+(\.[\w\-]+)*\.(fr|com|net|org|eu|io|be|ch|de|uk|ca|lu|info|biz)/?)$`)
	postalRE = regexp.MustCompile(`^(\d{5}\s+\pL[\pL\s'\-]{1,40}|[a-z]{1,2}-?\d{4,5}\s+\pL[\pL\s'\-]{1,40}|(bp|cs|tsa)\s*\d+.*|` +
		`\d{1,4}(\s?(bis|ter))?,?\s+(rue|avenue|av\.?|boulevard|bd|place|pl\.|all[eé]e|chemin|impasse|quai|route|cours|square|parvis|esplanade|street|st\.?|road|rd\.?|lane|drive|way)\s.{1,60})$`)
)

// phoneLabelRE matches the label before a phone number, in lower case.
var phoneLabelRE = regexp.MustCompile(`^(t[ée]l[ée]phone|t[ée]l|phone|mobile|mob|portable|port|gsm|fax|ligne directe|direct line|direct|standard|office|cell|poste|ext|bureau|work|switchboard|t|m|p|f|d)\.?\s*(\([^)]*\))?\s*[:.]?\s*`)

// requestContactLine reports whether a trimmed line is a signature's contact line: every part
// of it (parts are cut at "|", "—", "–", "•", "·", " - ", ",") a contact item (a phone, an e-mail
// address, a web site, a postal address) or a few words (a name, a service), one a contact item
// at least: "Service comptabilité — Groupe X — 01 23 45 67 89 — www.groupe-x.fr".
func requestContactLine(l string) bool {
	if !mayBeContact(l) {
		return false
	}
	if strings.HasPrefix(l, "[") && contactLine(l) { // signature.go's: a logo's place, "[image: logo]".
		return true
	}
	item := false
	for _, part := range splitContact(l) {
		p := strings.TrimSpace(part)
		if p == "" {
			continue
		}
		if contactItem(strings.ToLower(p)) {
			item = true
			continue
		}
		if len(strings.Fields(p)) > 5 || strings.ContainsAny(p, "?!") {
			return false
		}
	}
	return item
}

// mayBeContact is a cheap test before requestContactLine's expressions: every contact item has
// a digit, an "@", or a dot between two letters (a web site).
func mayBeContact(l string) bool {
	for i := 0; i < len(l); i++ {
		switch c := l[i]; {
		case c >= '0' && c <= '9', c == '@':
			return true
		case c == '.' && i > 0 && i+1 < len(l) && isASCIILetter(l[i-1]) && isASCIILetter(l[i+1]):
			return true
		}
	}
	return false
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// contactItem reports whether a part of a line, in lower case, is a phone, an e-mail address, a
// web site or a postal address.
func contactItem(f string) bool {
	d := digits(f)
	if d >= 8 {
		if num := phoneLabelRE.ReplaceAllString(f, ""); phoneRE.MatchString(num) && !ipv4RE.MatchString(num) {
			return true
		}
	}
	switch {
	case strings.IndexByte(f, '@') >= 0:
		return emailRE.MatchString(f)
	case d > 0 && strings.Contains(f, "cedex"):
		return len(strings.Fields(f)) <= 6
	case d > 0 && postalRE.MatchString(f):
		return true
	}
	return strings.IndexByte(f, '.') >= 0 && webRE.MatchString(f)
}

// digits counts the ASCII digits of s.
func digits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}

// splitContact cuts a line at the separators of a signature's contact line, commas among them
// ("Groupe X, 12 rue de la Paix, 75002 Paris").
func splitContact(l string) []string {
	return strings.FieldsFunc(strings.ReplaceAll(l, " - ", " | "), func(r rune) bool {
		switch r {
		case '|', '—', '–', '•', '·', '\uf0a7', '■', '◆', ',':
			return true
		}
		return false
	})
}

// mobileLineRE matches a mail app's line, folded ("envoye de mon iphone", "sent from outlook
// for android", "get outlook for ios").
var mobileLineRE = regexp.MustCompile(`^[(<\[*]*((sent|envoye|envoyee|expedie) (from|de|depuis|with|via|using|a partir de|avec) |(get|obtenir|obtenez|telecharger|telechargez) \[?outlook (for|pour) |[\w ]{0,20}\bfrom (my )?(mobile|phone|iphone|ipad|android|smartphone)\b)`)

// isMobileLine reports whether a trimmed line is a mail app's signature line: "Envoyé de mon
// iPhone", "Sent from my Galaxy", "Sent from Outlook for Android", "Get Outlook for iOS". The
// word after "from", "de" ("my", "mon" aside) must name a device or an app, with a capital or as
// a device's word: "Sent from my desk, it is easier" and "Sent with urgency" are sentences.
func isMobileLine(l string) bool {
	return len(l) <= 100 && mayBeMobileLine(l) && mobileLine(l)
}

// mobileLine is isMobileLine past its cheap tests.
func mobileLine(l string) bool {
	words := strings.Fields(l)
	if len(words) > 8 {
		return false
	}
	f := Fold(l)
	if !mobileLineRE.MatchString(f) {
		return false
	}
	if !strings.HasPrefix(strings.TrimLeft(f, "(<[*"), "sent") && !strings.HasPrefix(strings.TrimLeft(f, "(<[*"), "envoy") &&
		!strings.HasPrefix(strings.TrimLeft(f, "(<[*"), "expedie") {
		return true // "Get Outlook for iOS", "Typed from my mobile".
	}
	for _, w := range words[1:] {
		fw := strings.Trim(Fold(w), ".,!()")
		switch fw {
		case "from", "de", "depuis", "with", "via", "using", "a", "partir", "avec", "my", "mon", "ma":
			continue
		}
		r, _ := utf8.DecodeRuneInString(w)
		return unicode.IsUpper(r) || unicode.IsDigit(r) || deviceWords[fw]
	}
	return false
}

// mayBeMobileLine is a cheap test before isMobileLine's expression: the line opens with what
// mobileLineRE's phrases open with, or says "from".
func mayBeMobileLine(l string) bool {
	l = strings.TrimLeft(l, "(<[* ")
	if len(l) < 3 {
		return false
	}
	switch l[0] | 0x20 {
	case 's', 'e', 'g', 'o', 't':
		// What follows the first letter: the phrases' next two, or a "from" further on, in any
		// case; a line beyond ASCII folds to letters of its own. Lines that open with "Thanks",
		// "Objet" or "Tél" ran Fold and the expression (TestMayBeMobileLine).
		if !isASCII(l) {
			return true
		}
		for _, o := range mobileLineOpenings {
			if l[1]|0x20 == o[1] && l[2]|0x20 == o[2] && l[0]|0x20 == o[0] {
				return true
			}
		}
		for i := 0; i+4 <= len(l); i++ {
			if l[i]|0x20 == 'f' && l[i+1]|0x20 == 'r' && l[i+2]|0x20 == 'o' && l[i+3]|0x20 == 'm' {
				return true
			}
		}
		return false
	}
	return strings.Contains(l, "from") || strings.Contains(l, "From")
}

// mobileLineOpenings are the first three letters of mobileLineRE's phrases, folded; a byte
// that is not a letter is not c|0x20 of any of them.
var mobileLineOpenings = []string{"sen", "env", "exp", "get", "obt", "tel"}

// isASCII reports whether s is ASCII.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// deviceWords are the lower-case names of devices after "Sent from my", "Envoyé de mon".
var deviceWords = map[string]bool{"mobile": true, "cell": true, "phone": true, "telephone": true,
	"smartphone": true, "tablet": true, "tablette": true, "appareil": true, "device": true,
	"portable": true, "android": true, "iphone": true, "ipad": true, "galaxy": true, "samsung": true,
	"pixel": true, "huawei": true, "xiaomi": true, "blackberry": true}
