// Package bench makes the mail and the desks that bench/run.sh measures deskd with: French and
// English requests of every category, replies into existing tickets, out-of-office replies, and
// desks of any size written straight into the database.
//
// Everything is a function of a seed and an index, so that two programs (the desk seeder and the
// mail generator) agree on which ticket has which requester and subject without talking.
package bench

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"mime"
	"mime/quotedprintable"
	"strings"
	"time"
)

// Domain is the organisation's mail domain in the benchmark desk.
const Domain = "corp.example"

// Kind says what a generated mail is.
type Kind int

// Kinds of generated mail.
const (
	Request     Kind = iota // A new request: opens a ticket, gets an ack and an assignment notice.
	Reply                   // A requester's reply into an existing open ticket.
	Thanks                  // A short thank-you into an existing ticket: recorded, no reopening.
	OutOfOffice             // An automatic reply: opens nothing, answered by nothing.
)

// Mix is how a batch of generated mail is made up, in parts per hundred; the rest are requests.
type Mix struct {
	Replies     int // Replies into existing open tickets (needs a seeded desk).
	Thanks      int // Thank-you notes into existing tickets (needs a seeded desk).
	OutOfOffice int
}

// Mail is one generated message.
type Mail struct {
	Kind      Kind
	MessageID string // Without <>.
	Ticket    int64  // The ticket a reply goes to; 0 for a request.
	Raw       []byte // LF line ends, as a Maildir file has them.
}

var firstFR = []string{"Céline", "Hélène", "Jérôme", "François", "Amélie", "Loïc", "Gaëlle", "Benoît", "Inès", "Théo", "Élodie", "Mathieu", "Chloé", "Noël", "Zoé", "Rémi"}
var lastFR = []string{"Dupré", "Lefèvre", "Moreau", "Girard", "Bérénger", "Fontaine", "Chevalier", "Rousseau", "Lemaître", "Garnier", "Faure", "Mercier"}
var firstEN = []string{"Priya", "James", "Olivia", "Liam", "Sophie", "Ethan", "Grace", "Noah", "Hannah", "Oscar", "Amelia", "Jack"}
var lastEN = []string{"Raman", "Smith", "Taylor", "Brown", "Walker", "Hughes", "Clarke", "Turner", "Patel", "Morgan", "Evans", "Wright"}

// topic is a request's subject and opening, per category and language.
type topic struct {
	category string
	subject  string
	body     string
}

var topicsFR = []topic{
	{"network", "Le VPN ne se connecte plus", "Depuis ce matin le VPN refuse de se connecter depuis chez moi (erreur 809)."},
	{"network", "Pas de wifi en salle B204", "Le wifi « CORP » n'apparaît plus dans la liste des réseaux en salle B204."},
	{"network", "Internet très lent au 3e étage", "Les pages mettent plus d'une minute à s'afficher, le réseau semble saturé."},
	{"hardware", "Imprimante bloquée", "L'imprimante du couloir affiche « bourrage papier » alors qu'il n'y a rien dedans."},
	{"hardware", "Écran qui clignote", "Mon deuxième écran clignote toutes les deux secondes depuis la mise à jour."},
	{"hardware", "Portable qui ne démarre plus", "Mon ordinateur portable reste sur un écran noir au démarrage, le voyant de charge est orange."},
	{"accounts", "Mot de passe expiré", "Mon mot de passe a expiré pendant mes congés et je ne peux plus ouvrir de session."},
	{"accounts", "Compte verrouillé", "Mon compte est verrouillé après trois essais, je n'arrive plus à me connecter à la messagerie."},
	{"software", "Excel plante à l'ouverture", "Excel se ferme tout seul dès que j'ouvre le classeur des budgets."},
	{"software", "Installer un logiciel de dessin", "Pourriez-vous installer le logiciel Inkscape sur mon poste ?"},
	{"software", "Outlook ne synchronise plus", "Outlook reste sur « Connexion en cours » et ne reçoit plus aucun message."},
	{"", "Question sur la salle de réunion", "Qui faut-il contacter pour réserver la grande salle de réunion jeudi prochain ?"},
}

var topicsEN = []topic{
	{"network", "VPN keeps disconnecting", "The VPN drops every ten minutes when I work from home."},
	{"network", "No network in meeting room 2", "The wall socket in meeting room 2 gives no network at all."},
	{"network", "Wi-Fi password for guests", "We have visitors tomorrow: what is the guest wi-fi password?"},
	{"hardware", "Printer on the 3rd floor keeps jamming", "The printer next to room 312 jams on every second page."},
	{"hardware", "Laptop battery swollen", "The battery of my laptop looks swollen and the case no longer closes."},
	{"hardware", "Second screen not detected", "My docking station no longer detects the second screen."},
	{"accounts", "Password reset please", "I forgot my password after the holidays and cannot log in."},
	{"accounts", "Account locked", "My account is locked and I cannot reach my mailbox."},
	{"software", "Outlook crashes on start", "Outlook crashes on start since this morning's update."},
	{"software", "Please install Python", "Could you install Python 3 on my workstation for the data course?"},
	{"software", "Teams has no sound", "In Teams meetings nobody hears me, although the microphone works elsewhere."},
	{"", "Where do I order a new badge?", "My badge stopped opening the car park gate; who handles badges?"},
}

var urgentFR = []string{"C'est urgent, toute l'équipe est bloquée.", "Je suis bloqué, merci de traiter rapidement.", ""}
var urgentEN = []string{"This is urgent: the whole team is blocked.", "I am blocked, please treat this ASAP.", ""}

var closeFR = []string{"Merci d'avance,", "Cordialement,", "Bonne journée,", "Merci,"}
var closeEN = []string{"Thanks in advance,", "Best regards,", "Cheers,", "Thank you,"}

var replyFR = []string{"Je suis en salle B204, bâtiment Est.", "Le problème est revenu ce matin, même message d'erreur.", "Voici la capture d'écran demandée, l'erreur est toujours là."}
var replyEN = []string{"I am in room 312, east wing.", "It happened again this morning, same error.", "Here is the screenshot you asked for; the error is still there."}

// Person is a generated requester.
type Person struct {
	Name, Email, Language string
}

// Requester is the requester of seeded ticket id (and of generated request i with a prefix):
// French for two in three, English otherwise, each address distinct.
func Requester(prefix string, id int64) Person {
	r := rand.New(rand.NewPCG(uint64(id), 0x5eed))
	if id%3 != 2 {
		f, l := firstFR[r.IntN(len(firstFR))], lastFR[r.IntN(len(lastFR))]
		return Person{f + " " + l, fmt.Sprintf("%s.%s.%s.%d@%s", ascii(f), ascii(l), prefix, id, Domain), "fr"}
	}
	f, l := firstEN[r.IntN(len(firstEN))], lastEN[r.IntN(len(lastEN))]
	return Person{f + " " + l, fmt.Sprintf("%s.%s.%s.%d@%s", ascii(f), ascii(l), prefix, id, Domain), "en"}
}

// Topic returns the subject, opening and category of seeded ticket id in its requester's language.
func Topic(id int64, language string) (subject, body, category string) {
	ts := topicsFR
	if language == "en" {
		ts = topicsEN
	}
	t := ts[int(id*7+id/13)%len(ts)]
	return t.subject, t.body, t.category
}

var asciiFold = strings.NewReplacer("é", "e", "è", "e", "ê", "e", "ë", "e", "É", "e", "ï", "i", "î", "i", "ô", "o", "ç", "c", "à", "a")

func ascii(s string) string { return strings.ToLower(asciiFold.Replace(s)) }

// Generator makes mail. Open reports whether seeded ticket id is open (replies go only there).
type Generator struct {
	Desk   string // The help desk's address.
	Tag    string // The subject tag, e.g. "HD".
	Prefix string // Makes requesters and Message-IDs of this batch distinct from every other.
	Seeded int64  // Tickets 1..Seeded exist in the desk, made by Seed.
	Mix    Mix
	Rand   *rand.Rand
	Now    time.Time
}

// Make returns the i-th mail of the batch.
func (g *Generator) Make(i int) Mail {
	r := g.Rand
	roll := r.IntN(100)
	switch {
	case g.Seeded > 0 && roll < g.Mix.Replies:
		return g.reply(i, false)
	case g.Seeded > 0 && roll < g.Mix.Replies+g.Mix.Thanks:
		return g.reply(i, true)
	case roll >= 100-g.Mix.OutOfOffice:
		return g.outOfOffice(i)
	}
	return g.request(i)
}

// request is a new request from a requester seen nowhere else.
func (g *Generator) request(i int) Mail {
	r := g.Rand
	p := Requester(g.Prefix, int64(i))
	subject, opening, _ := Topic(int64(i)+r.Int64N(1000), p.Language)
	var b strings.Builder
	if p.Language == "fr" {
		b.WriteString("Bonjour,\n\n" + opening + "\n")
		if u := urgentFR[r.IntN(len(urgentFR))]; u != "" && r.IntN(4) == 0 {
			b.WriteString(u + "\n")
		}
		b.WriteString("Pouvez-vous m'aider ?\n\n" + closeFR[r.IntN(len(closeFR))] + "\n")
	} else {
		b.WriteString("Hello,\n\n" + opening + "\n")
		if u := urgentEN[r.IntN(len(urgentEN))]; u != "" && r.IntN(4) == 0 {
			b.WriteString(u + "\n")
		}
		b.WriteString("Could you help?\n\n" + closeEN[r.IntN(len(closeEN))] + "\n")
	}
	b.WriteString(strings.Fields(p.Name)[0] + "\n\n-- \n" + p.Name + "\n" + signatureLine(r, p.Language) + "\n")
	id := fmt.Sprintf("req.%s.%d@client.example", g.Prefix, i)
	h := g.header(p, subject, id, "", i)
	if r.IntN(10) == 0 && p.Language == "fr" {
		h = append(h, "Cc: "+Requester(g.Prefix+"cc", int64(i)).Email) // A colleague becomes a watcher.
	}
	return Mail{Kind: Request, MessageID: id, Raw: g.body(h, b.String(), r)}
}

// reply goes into seeded ticket t from its requester, by the subject tag.
func (g *Generator) reply(i int, thanks bool) Mail {
	r := g.Rand
	var t int64
	for {
		t = 1 + r.Int64N(g.Seeded)
		if thanks && SeedStatus(t) == "resolved" || !thanks && SeedStatus(t) == "open" {
			break
		}
	}
	p := Requester(SeedPrefix, t)
	subject, _, _ := Topic(t, p.Language)
	var text string
	switch {
	case thanks && p.Language == "fr":
		text = "Merci beaucoup !\n"
	case thanks:
		text = "Thanks a lot!\n"
	case p.Language == "fr":
		text = "Bonjour,\n\n" + replyFR[r.IntN(len(replyFR))] + "\n\nCordialement,\n" + p.Name + "\n"
	default:
		text = "Hello,\n\n" + replyEN[r.IntN(len(replyEN))] + "\n\nRegards,\n" + p.Name + "\n"
	}
	quoted := fmt.Sprintf("\nLe %s, %s <%s> a écrit :\n> %s\n> [%s #%d]\n", g.Now.Format("02/01/2006 15:04"), "Support Informatique", g.Desk, subject, g.Tag, t)
	if p.Language == "en" {
		quoted = fmt.Sprintf("\nOn %s, Support Informatique <%s> wrote:\n> %s\n", g.Now.Format("Mon, 2 Jan 2006"), g.Desk, subject)
	}
	id := fmt.Sprintf("rep.%s.%d@client.example", g.Prefix, i)
	kind := Reply
	if thanks {
		kind = Thanks
	}
	h := g.header(p, fmt.Sprintf("RE: [%s #%d] %s", g.Tag, t, subject), id, "", i)
	return Mail{Kind: kind, MessageID: id, Ticket: t, Raw: g.body(h, text+quoted, r)}
}

func (g *Generator) outOfOffice(i int) Mail {
	p := Requester(g.Prefix+"ooo", int64(i))
	id := fmt.Sprintf("ooo.%s.%d@client.example", g.Prefix, i)
	h := g.header(p, "Absence du bureau / Out of office", id, "Auto-Submitted: auto-replied\nX-Autoreply: yes", i)
	return Mail{Kind: OutOfOffice, MessageID: id,
		Raw: g.body(h, "Je suis absent jusqu'au lundi 7. / I am out of the office until Monday the 7th.\n", g.Rand)}
}

func signatureLine(r *rand.Rand, language string) string {
	if language == "fr" {
		return []string{"Service comptabilité — poste 4412", "Direction des achats, bâtiment Est", "Tél. 01 23 45 67 89"}[r.IntN(3)]
	}
	return []string{"Finance team, ext. 4412", "Procurement, east wing", "Tel. +44 20 7946 0000"}[r.IntN(3)]
}

func (g *Generator) header(p Person, subject, id, extra string, i int) []string {
	from := mime.QEncoding.Encode("utf-8", p.Name)
	h := []string{
		"Return-Path: <" + p.Email + ">",
		"From: " + from + " <" + p.Email + ">",
		"To: Support Informatique <" + g.Desk + ">",
		"Subject: " + mime.QEncoding.Encode("utf-8", subject),
		"Message-ID: <" + id + ">",
		"Date: " + g.Now.Add(time.Duration(i)*time.Millisecond).Format(time.RFC1123Z),
		"MIME-Version: 1.0",
	}
	if extra != "" {
		h = append(h, extra)
	}
	return h
}

// body finishes a mail: plain UTF-8 text mostly; some multipart/alternative with HTML, some
// quoted-printable Latin-1, some with a small attachment, as mail clients send them.
func (g *Generator) body(h []string, text string, r *rand.Rand) []byte {
	var b bytes.Buffer
	for _, l := range h {
		b.WriteString(l + "\n")
	}
	switch n := r.IntN(20); {
	case n < 11:
		b.WriteString("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n" + text)
	case n < 13:
		b.WriteString("Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\n")
		w := quotedprintable.NewWriter(&b)
		_, _ = w.Write(latin1(text))
		_ = w.Close()
		b.WriteString("\n")
	case n < 19:
		b.WriteString("Content-Type: multipart/alternative; boundary=\"alt-b\"\n\n--alt-b\n")
		b.WriteString("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n" + text + "\n--alt-b\n")
		b.WriteString("Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n<html><body><div dir=\"ltr\">")
		for _, l := range strings.Split(strings.TrimSpace(text), "\n") {
			if strings.HasPrefix(l, ">") {
				b.WriteString("<blockquote>" + htmlEscape(l) + "</blockquote>")
			} else {
				b.WriteString("<p>" + htmlEscape(l) + "</p>")
			}
		}
		b.WriteString("</div></body></html>\n--alt-b--\n")
	default:
		b.WriteString("Content-Type: multipart/mixed; boundary=\"mix-b\"\n\n--mix-b\n")
		b.WriteString("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n" + text + "\n--mix-b\n")
		b.WriteString("Content-Type: image/png; name=\"capture.png\"\nContent-Disposition: attachment; filename=\"capture.png\"\nContent-Transfer-Encoding: base64\n\n")
		img := make([]byte, 6000+r.IntN(20000))
		for i := range img {
			img[i] = byte(r.IntN(256))
		}
		enc := base64.StdEncoding.EncodeToString(append([]byte("\x89PNG\r\n\x1a\n"), img...))
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\n")
			enc = enc[76:]
		}
		b.WriteString(enc + "\n--mix-b--\n")
	}
	return b.Bytes()
}

func latin1(s string) []byte {
	out := make([]byte, 0, len(s))
	for _, c := range s {
		if c < 256 {
			out = append(out, byte(c))
		} else {
			out = append(out, '?')
		}
	}
	return out
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "\"", "&quot;")

func htmlEscape(s string) string { return htmlEscaper.Replace(s) }

// randFor is a random source of its own for seeded ticket id.
func (g *Generator) randFor(id int64) *rand.Rand { return rand.New(rand.NewPCG(uint64(id), 7)) }
