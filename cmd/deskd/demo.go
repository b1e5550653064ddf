package main

import (
	"context"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	"net/mail"
	"net/smtp"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/deskd/deskd/cmd/deskd/config"
	"github.com/deskd/deskd/tickets"
)

// story is the demo's scripted run: it plays people writing to the desk and checks each step.
type story struct {
	ctx    context.Context
	w      *world
	a      *app
	out    io.Writer
	failed []string
}

func demoCommand() *command {
	var exit bool
	var keep string
	return &command{
		name: "demo", args: "[--exit] [--dir DIR]", summary: "The whole desk on embedded servers, with a scripted story.",
		flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&exit, "exit", false, "end after the story; exit 0 only if every step happened as expected")
			fs.StringVar(&keep, "dir", "", "keep the desk (deskd.toml, the database) in this new folder")
		},
		run: func(ctx context.Context, e *env, args []string) error {
			return runDemo(ctx, e, exit, keep)
		},
	}
}

// runDemo plays the story; keep, when not "", is a folder to create and leave the desk in.
func runDemo(ctx context.Context, e *env, exit bool, keep string) error {
	w, err := startWorld("helpdesk@corp.example", "demo")
	if err != nil {
		return err
	}
	defer w.Close()
	dir := keep
	if keep == "" {
		if dir, err = os.MkdirTemp("", "deskd-demo-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	} else if err := os.Mkdir(keep, 0o700); err != nil {
		return err
	}
	// The sample desk, on the embedded servers.
	text := config.SetKey(config.Local(config.Sample(), w.IMAPAddr, w.Password, w.SMTPAddr), "imap", "poll_interval", `"10s"`)
	cfg, err := config.Parse(filepath.Join(dir, "deskd.toml"), []byte(text))
	if err != nil {
		return fmt.Errorf("demo config: %w", err)
	}
	if keep != "" {
		if err := os.WriteFile(cfg.Path, []byte(text), 0o600); err != nil {
			return err
		}
	}
	if e.log == nil || !e.log.Enabled(ctx, slog.LevelDebug) {
		e.log = slog.New(slog.NewTextHandler(io.Discard, nil)) // The story tells what happens.
	}
	a, err := newApp(ctx, cfg, e.log, serving)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.web.Listen(); err != nil {
		return err
	}
	if keep != "" {
		// The file left behind names the port just chosen, not "127.0.0.1:0": the CLI run on this
		// desk builds its mails' links from it.
		text = config.SetKey(text, "web", "address", strconv.Quote(a.web.Addr()))
		if err := os.WriteFile(cfg.Path, []byte(text), 0o600); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- a.serve(ctx) }()
	defer func() {
		cancel()
		<-served
	}()

	fmt.Fprintf(e.stdout, "deskd demo — embedded IMAP %s and SMTP %s on loopback, web desk %s, database %s\n\n",
		w.IMAPAddr, w.SMTPAddr, a.web.BaseURL(), cfg.Database)
	s := &story{ctx: ctx, w: w, a: a, out: e.stdout}
	s.play()
	s.table()
	if len(s.failed) > 0 {
		fmt.Fprintf(e.stdout, "\n%s did not happen as expected:\n", count(len(s.failed), "step", "steps"))
		for _, f := range s.failed {
			fmt.Fprintf(e.stdout, "  ✗ %s\n", f)
		}
	} else {
		fmt.Fprintln(e.stdout, "\nEvery step happened as expected.")
	}
	if exit {
		if len(s.failed) > 0 {
			return fmt.Errorf("demo: %s failed", count(len(s.failed), "step", "steps"))
		}
		return nil
	}
	coordinator := a.desk.Config().Coordinator[0]
	link, err := s.signInLink(coordinator.Email)
	if err != nil {
		return err
	}
	last := s.lastEvent()
	fmt.Fprintf(e.stdout, `
deskd keeps serving. Open any mailbox with a mail client (plain IMAP/SMTP, no TLS):
  IMAP %s, SMTP %s, password %q
  users: %s (the desk), alice@corp.example, bob@corp.example, celine.dupre@corp.example, …
Write to helpdesk@corp.example through the SMTP server to open a ticket.

The web desk: %s
  sign in as %s (%s) with this link, valid 15 minutes, once:
  %s
  or ask for a new link at %s/signin: it arrives in that person's mailbox above.
Ctrl-C stops. What happens on the desk from now on is told here, a line per ticket event, its
time in the desk's zone (%s).
`, w.IMAPAddr, w.SMTPAddr, w.Password, DeskUser, a.web.BaseURL(), coordinator.Name, coordinator.Email, link, a.web.BaseURL(),
		a.desk.Config().Location())
	s.follow(last, time.Second)
	return nil
}

// follow tells each ticket event recorded after the event last, a line each, every interval,
// until the demo stops.
func (s *story) follow(last int64, interval time.Duration) {
	for {
		evs, err := s.a.desk.Store.EventsSince(s.ctx, last, 1000)
		if err != nil && s.ctx.Err() == nil {
			fmt.Fprintf(s.out, "events: %v\n", err)
		}
		for _, ev := range evs {
			last = ev.ID
			fmt.Fprintln(s.out, eventLine(ev, s.a.desk.Config().Location()))
		}
		select {
		case <-s.ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

// lastEvent is the id of the last ticket event recorded.
func (s *story) lastEvent() int64 {
	last := int64(0)
	for {
		evs, err := s.a.desk.Store.EventsSince(s.ctx, last, 1000)
		if err != nil || len(evs) == 0 {
			return last
		}
		last = evs[len(evs)-1].ID
	}
}

// eventLine is one ticket event as the demo tells it: "15:04:05 #6 message   celine@… — text".
func eventLine(ev tickets.Event, loc *time.Location) string {
	line := fmt.Sprintf("%s #%d %-9s %s", ev.At.In(loc).Format("15:04:05"), ev.TicketID, ev.Kind, ev.Actor)
	text, _, _ := strings.Cut(strings.TrimSpace(ev.Text), "\n")
	if text = clip(strings.TrimSpace(text), 80); text != "" {
		line += " — " + text
	}
	return line
}

// check records a step's outcome.
func (s *story) check(ok bool, what string, args ...any) bool {
	msg := fmt.Sprintf(what, args...)
	if ok {
		fmt.Fprintf(s.out, "   ✓ %s\n", msg)
	} else {
		fmt.Fprintf(s.out, "   ✗ %s\n", msg)
		s.failed = append(s.failed, msg)
	}
	return ok
}

// waitFor polls cond until it holds or 20 seconds pass.
func (s *story) waitFor(cond func() bool) bool {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		select {
		case <-s.ctx.Done():
			return false
		case <-time.After(50 * time.Millisecond):
		}
	}
	return cond()
}

// send submits a mail through the embedded SMTP server, as a mail client would.
func (s *story) send(from, name, to, subject, body string, headers map[string]string) string {
	id := fmt.Sprintf("%d.%s", time.Now().UnixNano(), from)
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s>\r\nDate: %s\r\n", (&mail.Address{Name: name, Address: from}).String(), to, mimeWord(subject), id, time.Now().Format(time.RFC1123Z))
	for k, v := range headers {
		fmt.Fprintf(&b, "%s: %s\r\n", k, v)
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString(strings.ReplaceAll(body, "\n", "\r\n") + "\r\n")
	if err := smtp.SendMail(s.w.SMTPAddr, nil, from, []string{strings.Trim(to, "<>")}, []byte(b.String())); err != nil {
		s.check(false, "send %q: %v", subject, err)
	}
	return id
}

func mimeWord(s string) string {
	for _, r := range s {
		if r > 127 {
			return "=?utf-8?b?" + b64(s) + "?="
		}
	}
	return s
}

// reply answers a received mail the way a mail client does: to its Reply-To, threaded under it,
// with the original quoted below.
func (s *story) reply(from, name string, orig *mail.Message, body string) {
	to := orig.Header.Get("Reply-To")
	if to == "" {
		to = orig.Header.Get("From")
	}
	addr, err := mail.ParseAddress(to)
	if err != nil {
		s.check(false, "reply address %q: %v", to, err)
		return
	}
	id := orig.Header.Get("Message-Id")
	refs := strings.TrimSpace(orig.Header.Get("References") + " " + id)
	subject := decodeSubject(orig.Header.Get("Subject"))
	origBody, _ := io.ReadAll(orig.Body)
	quoted := "> " + strings.ReplaceAll(strings.TrimSpace(firstPart(string(origBody))), "\n", "\n> ")
	full := body + "\n\nLe " + time.Now().Format("02/01/2006 15:04") + ", Support Informatique <helpdesk@corp.example> a écrit :\n" + quoted
	s.send(from, name, addr.Address, "RE: "+subject, full, map[string]string{"In-Reply-To": id, "References": refs})
}

func decodeSubject(s string) string {
	d, err := mimeDecoder.DecodeHeader(s)
	if err != nil {
		return s
	}
	return d
}

// firstPart returns the text part of a multipart body, roughly: enough to quote it.
func firstPart(body string) string {
	if i := strings.Index(body, "\r\n\r\n"); i >= 0 && strings.HasPrefix(strings.TrimSpace(body), "--") {
		body = body[i+4:]
		if j := strings.Index(body, "\r\n--"); j >= 0 {
			body = body[:j]
		}
	}
	if len(body) > 600 {
		body = body[:600]
	}
	return body
}

// received returns the mails of one kind about one ticket that an address got.
func (s *story) received(addr, kind string, ticket int64) []*mail.Message {
	var out []*mail.Message
	for _, m := range s.w.received(addr) {
		if m.Header.Get("X-Deskd-Kind") == kind && (ticket == 0 || m.Header.Get("X-Deskd-Ticket") == fmt.Sprint(ticket)) {
			out = append(out, m)
		}
	}
	return out
}

func (s *story) ticket(id int64) *tickets.Ticket {
	tk, err := s.a.desk.Store.Ticket(context.Background(), id)
	if err != nil {
		return &tickets.Ticket{}
	}
	return tk
}

func (s *story) ticketOf(origin string) *tickets.Ticket {
	list, _ := s.a.desk.Store.List(context.Background(), tickets.ListFilter{})
	for _, tk := range list {
		if tk.OriginMessageID == strings.ToLower(origin) {
			return tk
		}
	}
	return nil
}

type request struct {
	from, name, subject, body, lang string
	headers                         map[string]string
}

var requests = []request{
	{"celine.dupre@corp.example", "Céline Dupré", "Le VPN ne se connecte plus",
		"Bonjour,\n\nDepuis ce matin le VPN refuse de se connecter depuis chez moi (erreur 809).\nPouvez-vous m'aider ?\n\nMerci,\nCéline", "fr", nil},
	{"priya.raman@corp.example", "Priya Raman", "Printer on the 3rd floor keeps jamming",
		"Hi,\n\nThe printer next to room 312 jams on every second page. The whole team prints there.\n\nThanks,\nPriya", "en",
		map[string]string{"Cc": "tom.baker@corp.example"}},
	{"jean.moreau@corp.example", "Jean Moreau", "URGENT : compte verrouillé, je suis bloqué",
		"Bonjour,\n\nMon compte est verrouillé après le changement de mot de passe, je suis bloqué et j'ai une démo client à 14h.\nC'est urgent !\n\nJean", "fr", nil},
	{"emma.wilson@corp.example", "Emma Wilson", "Excel crashes when opening large files",
		"Hello,\n\nExcel crashes every time I open the quarterly report (45 MB). Smaller files are fine.\n\nBest,\nEmma", "en", nil},
	{"lucas.bernard@corp.example", "Lucas Bernard", "Écran noir sur mon portable",
		"Bonjour,\n\nMon portable démarre mais l'écran reste noir. Le voyant est allumé.\n\nCordialement,\nLucas Bernard", "fr", nil},
}

func (s *story) play() {
	ids := make([]string, len(requests))
	fmt.Fprintln(s.out, "1. Five people write to helpdesk@corp.example")
	for i, r := range requests {
		ids[i] = s.send(r.from, r.name, "helpdesk@corp.example", r.subject, r.body, r.headers)
	}
	tks := make([]*tickets.Ticket, len(requests))
	for i, r := range requests {
		ok := s.waitFor(func() bool {
			tk := s.ticketOf(ids[i])
			return tk != nil && len(s.received(r.from, "ack", tk.ID)) == 1 && (tk.Assignee == "" || len(s.received(tk.Assignee, "assigned", tk.ID)) == 1)
		})
		tk := s.ticketOf(ids[i])
		if !s.check(ok && tk != nil, "%s: %q → ticket opened, acknowledged, assignee notified", r.name, r.subject) {
			continue
		}
		tks[i] = tk
		ack := s.received(r.from, "ack", tk.ID)[0]
		fmt.Fprintf(s.out, "     #%d %s · %s · %s · assigned to %s\n", tk.ID, dash(tk.Category), tk.Priority, tk.Language, dash(tk.Assignee))
		fmt.Fprintf(s.out, "     ack: %q (Content-Language %s)\n", decodeSubject(ack.Header.Get("Subject")), ack.Header.Get("Content-Language"))
		s.check(ack.Header.Get("Content-Language") == r.lang && strings.Contains(decodeSubject(ack.Header.Get("Subject")), fmt.Sprintf("[HD #%d]", tk.ID)),
			"acknowledgement in %s with [HD #%d] in the subject", r.lang, tk.ID)
	}
	if tks[0] == nil || tks[2] == nil || tks[3] == nil || tks[1] == nil {
		return
	}
	if w := tks[1].Watchers; !s.check(len(w) == 1 && w[0] == "tom.baker@corp.example", "Tom, in copy of Priya's mail, is a watcher") {
		return
	}
	s.check(tks[2].Priority == tickets.PriorityUrgent, "Jean's \"urgent, blocked, client demo\" is urgent (got %s)", tks[2].Priority)

	vpn := tks[0]
	assigned := s.received(vpn.Assignee, "assigned", vpn.ID)[0]
	techName := s.a.desk.Config().Technicians[0].Name
	for _, te := range s.a.desk.Config().Technicians {
		if te.Email == vpn.Assignee {
			techName = te.Name
		}
	}

	fmt.Fprintf(s.out, "\n2. %s answers ticket #%d with \"#resolve\" and no note\n", techName, vpn.ID)
	s.reply(vpn.Assignee, techName, assigned, "#resolve")
	ok := s.waitFor(func() bool { return len(s.received(vpn.Assignee, "rejected", vpn.ID)) == 1 })
	s.check(ok && s.ticket(vpn.ID).Status == tickets.StatusOpen, "refused: the ticket stays open, %s is told how to write it", techName)

	fmt.Fprintf(s.out, "\n3. %s answers again, with the resolution note\n", techName)
	s.reply(vpn.Assignee, techName, assigned, "#résolu Le profil VPN a été réinstallé ; la connexion fonctionne de nouveau.")
	ok = s.waitFor(func() bool { return len(s.received(vpn.Requester, "resolved", vpn.ID)) == 1 })
	s.check(ok && s.ticket(vpn.ID).Status == tickets.StatusResolved, "ticket #%d resolved; %s receives the note", vpn.ID, requests[0].name)

	excel := tks[3]
	fmt.Fprintf(s.out, "\n4. The technician on ticket #%d escalates it\n", excel.ID)
	before := s.ticket(excel.ID)
	exAssigned := s.received(excel.Assignee, "assigned", excel.ID)
	if s.check(len(exAssigned) == 1, "%s holds the assignment notice", excel.Assignee) {
		s.reply(excel.Assignee, "", exAssigned[0], "#escalate Crash reproduced with macros disabled; needs a specialist.")
	}
	ok = s.waitFor(func() bool {
		return s.ticket(excel.ID).Tier == 2 && len(s.received(excel.Requester, "escalated", excel.ID)) == 1
	})
	after := s.ticket(excel.ID)
	s.check(ok && after.Priority == before.Priority.Raise() && after.Assignee != before.Assignee,
		"priority %s → %s, tier 1 → %d, now with %s; %s and the coordinators told", before.Priority, after.Priority, after.Tier, after.Assignee, requests[3].name)
	s.check(len(s.received(after.Assignee, "escalated", excel.ID)) == 1, "the specialist receives the history")

	acct := tks[2]
	fmt.Fprintf(s.out, "\n5. Nobody answers the urgent tickets (first response due in 30 minutes); the escalation job runs 45 minutes later, three times\n")
	later := time.Now().Add(45 * time.Minute)
	runs := map[int64]int{} // How often each ticket was escalated.
	var order []int64
	for i := 0; i < 3; i++ { // Three runs: one breach escalates once.
		rep, err := s.a.desk.RunEscalation(s.ctx, later.Add(time.Duration(i)*time.Minute))
		if err != nil {
			s.check(false, "escalation job: %v", err)
		}
		for _, id := range rep.Escalated {
			if runs[id] == 0 {
				order = append(order, id)
			}
			runs[id]++
		}
	}
	s.a.out.Wake()
	for _, id := range order {
		tk := s.ticket(id)
		ok := s.waitFor(func() bool { return len(s.received(tk.Requester, "escalated", id)) == 1 })
		s.check(ok && runs[id] == 1 && tk.Escalations == 1,
			"ticket #%d %q escalated once in 3 runs: %s, tier %d, now with %s; %s told", id, tk.Subject, tk.Priority, tk.Tier, dash(tk.Assignee), tk.Requester)
	}
	got := s.ticket(acct.ID)
	s.check(runs[acct.ID] == 1 && got.Tier == 2, "Jean's ticket #%d is among them (%s)", acct.ID, count(len(order), "ticket escalated", "tickets escalated"))

	outage := s.outage()

	fmt.Fprintln(s.out, "\n7. The morning digest")
	if err := s.a.jobs["digest"](s.ctx, time.Now()); err != nil {
		s.check(false, "digest job: %v", err)
	}
	s.a.out.Wake()
	for _, co := range s.a.desk.Config().Coordinator {
		ok := s.waitFor(func() bool { return len(s.received(co.Email, "digest", 0)) == 1 })
		if s.check(ok, "%s receives the digest in %s", co.Name, co.Language) {
			m := s.received(co.Email, "digest", 0)[0]
			fmt.Fprintf(s.out, "     %q\n", decodeSubject(m.Header.Get("Subject")))
		}
	}
	auto := 0
	for _, r := range requests {
		for _, m := range s.w.received(r.from) {
			if m.Header.Get("Auto-Submitted") != "" {
				auto++
			}
		}
	}
	all, _ := s.a.desk.Store.List(s.ctx, tickets.ListFilter{})
	want := len(requests) + len(outage)
	s.check(auto > 0 && len(all) == want+1, "desk mail is marked Auto-Submitted; no loop: %d requests, %d tickets (and one incident)", want, len(all)-1)

	fmt.Fprintf(s.out, "\n8. The web desk at %s\n", s.a.web.BaseURL())
	vpnPage := linkOf(s.body(s.received(vpn.Requester, "resolved", vpn.ID)[0]), s.a.web.BaseURL()+"/r/")
	body, code := s.get(vpnPage)
	s.check(code == http.StatusOK && strings.Contains(body, "Le VPN ne se connecte plus") && strings.Contains(body, "réinstallé"),
		"%s opens the link of her resolution mail: her request and its answer, in French", requests[0].name)
	link, err := s.signInLink(s.a.desk.Config().Coordinator[0].Email)
	if err == nil {
		body, code = s.get(link)
	}
	s.check(err == nil && code == http.StatusOK && strings.Contains(body, `id="signin"`), "a coordinator's sign-in link opens the sign-in page")
}

// signInLink makes a sign-in link for a staff member, as the mail the web desk sends carries.
func (s *story) signInLink(email string) (string, error) {
	var nonce string
	if err := s.a.desk.Update(s.ctx, time.Now(), func(tx *tickets.Tx) error {
		var err error
		nonce, err = tx.IssueSignIn(email)
		return err
	}); err != nil {
		return "", err
	}
	return s.a.web.BaseURL() + "/signin/" + s.a.desk.Signer.SignInToken(nonce, email), nil
}

// get fetches a page of the web desk.
func (s *story) get(url string) (string, int) {
	resp, err := http.Get(url)
	if err != nil {
		return err.Error(), 0
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b), resp.StatusCode
}

// linkOf returns the first link in text that starts with prefix, "" for none.
func linkOf(text, prefix string) string {
	for _, f := range strings.Fields(text) {
		if strings.HasPrefix(f, prefix) {
			return f
		}
	}
	return ""
}

// outageRequests are three people writing about one Wi-Fi outage, each in their own words.
var outageRequests = []request{
	{"manon.riviere@corp.example", "Manon Rivière", "Plus de wifi au bâtiment B",
		"Bonjour,\n\nLe wifi ne fonctionne plus du tout dans le bâtiment B, aucun réseau visible.\n\nManon", "fr", nil},
	{"jacob.stone@corp.example", "Jacob Stone", "Wi-Fi down in building B",
		"Hi,\n\nNo Wi-Fi in building B since 10 minutes ago, the corporate network does not show up.\n\nJacob", "en", nil},
	{"laura.simon@corp.example", "Laura Simon", "Réseau sans fil bât. B en panne",
		"Bonjour,\n\nAucune connexion wifi au 2e étage du bâtiment B.\n\nLaura", "fr", nil},
}

// outage plays a small outage: three alike requests are linked into one incident, the third
// requester is told the problem is known, and one #resolve answers all three. It returns the
// requests' tickets.
func (s *story) outage() []*tickets.Ticket {
	fmt.Fprintln(s.out, "\n6. An outage: three people write about the Wi-Fi in building B")
	var tks []*tickets.Ticket
	for _, r := range outageRequests {
		id := s.send(r.from, r.name, "helpdesk@corp.example", r.subject, r.body, nil)
		ok := s.waitFor(func() bool { tk := s.ticketOf(id); return tk != nil && len(s.received(r.from, "ack", tk.ID)) == 1 })
		tk := s.ticketOf(id)
		if !s.check(ok && tk != nil, "%s: %q → ticket opened and acknowledged", r.name, r.subject) {
			return nil
		}
		tks = append(tks, tk)
	}
	inc := s.ticket(s.ticket(tks[2].ID).Incident)
	linked := 0
	for _, tk := range tks {
		if s.ticket(tk.ID).Incident == inc.ID && inc.ID != 0 {
			linked++
		}
	}
	if !s.check(inc.IsIncident() && linked == 3, "the three requests are linked into incident #%d, held by %s", inc.ID, dash(inc.Assignee)) {
		return tks
	}
	ack := s.received(outageRequests[2].from, "ack", tks[2].ID)[0]
	s.check(strings.Contains(s.body(ack), "Nous connaissons déjà ce problème"),
		"%s is told the problem is known already (in French)", outageRequests[2].name)
	ok := s.waitFor(func() bool { return len(s.received(inc.Assignee, "assigned", inc.ID)) == 1 })
	if !s.check(ok, "%s hears of the incident once, with its three requests", inc.Assignee) {
		return tks
	}
	fmt.Fprintf(s.out, "     %s answers the incident with one \"#resolve\"\n", inc.Assignee)
	s.reply(inc.Assignee, "", s.received(inc.Assignee, "assigned", inc.ID)[0], "#resolve Le contrôleur wifi du bâtiment B a été redémarré ; le réseau est revenu.")
	ok = s.waitFor(func() bool {
		for i, r := range outageRequests {
			if len(s.received(r.from, "resolved", tks[i].ID)) != 1 {
				return false
			}
		}
		return true
	})
	langs := []string{}
	for i, r := range outageRequests {
		if m := s.received(r.from, "resolved", tks[i].ID); len(m) == 1 {
			langs = append(langs, m[0].Header.Get("Content-Language"))
		}
	}
	s.check(ok && s.ticket(inc.ID).Status == tickets.StatusResolved,
		"one #resolve answers each requester once, in their own thread and language (%s)", strings.Join(langs, ", "))
	return tks
}

// body returns the text/plain part of a received mail, decoded. It reads the body: once a mail.
func (s *story) body(m *mail.Message) string {
	return plainPart(m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body)
}

// plainPart returns the first text/plain part of a body, decoded.
func plainPart(ctype, cte string, r io.Reader) string {
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(r, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				return ""
			}
			if text := plainPart(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); text != "" {
				return text
			}
		}
	}
	if mt != "text/plain" {
		return ""
	}
	switch strings.ToLower(cte) {
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, strings.NewReader(strings.NewReplacer("\r", "", "\n", "").Replace(readAll(r))))
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	}
	return readAll(r)
}

func readAll(r io.Reader) string {
	b, _ := io.ReadAll(r)
	return string(b)
}

func (s *story) table() {
	fmt.Fprintln(s.out, "\nTickets:")
	if err := streamTable(context.Background(), s.out, s.a.desk.Store, tickets.ListFilter{}); err != nil {
		fmt.Fprintln(s.out, err)
		return
	}
	counts, err := s.a.desk.Store.OutboxCounts(context.Background())
	if err == nil {
		var parts []string
		for _, state := range slices.Sorted(maps.Keys(counts)) {
			parts = append(parts, fmt.Sprintf("%d %s", counts[state], state))
		}
		fmt.Fprintf(s.out, "\nOutbox: %s\n", strings.Join(parts, ", "))
	}
}

var mimeDecoder mime.WordDecoder

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
