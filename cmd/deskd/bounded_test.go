package main

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/deskd/deskd/tickets"
)

// TestLongMailKeptWhole: a request far longer than a ticket keeps (tickets.MaxText) opens its
// ticket with the beginning as its text; the whole text is a file of the ticket, message.txt,
// which reaches the technician with the assignment notice; the raw mail is kept as received.
// A mail with more files than the reader keeps records how many it left out.
func TestLongMailKeptWhole(t *testing.T) {
	f := newFlow(t, "")
	var body strings.Builder
	body.WriteString("Bonjour,\nl'imprimante du 2e étage n'imprime plus que des pages blanches.\n\n")
	for i := 0; body.Len() < 2*tickets.MaxText; i++ {
		fmt.Fprintf(&body, "Ligne %d du journal de l'imprimante : erreur de tête d'impression.\n", i)
	}
	body.WriteString("Merci,\nCéline\n")
	tk := f.open(msg{from: "celine@corp.example", name: "Céline Dupré", subject: "Imprimante en panne", body: body.String()})

	msgs := f.events(tk.ID, tickets.EventMessage)
	if len(msgs) != 1 || len(msgs[0].Text) > tickets.MaxText || !strings.HasPrefix(msgs[0].Text, "Bonjour,") {
		t.Fatalf("ticket text: %d events, %d bytes", len(msgs), len(msgs[0].Text))
	}
	js := f.show(tk.ID)
	var full int64
	for _, a := range *js.Attachments {
		if a.Name == "message.txt" && !a.Omitted {
			full = a.Size
		}
	}
	if want := int64(len(strings.TrimRight(body.String(), "\n"))); full != want {
		t.Errorf("message.txt of %d bytes, want the whole text, %d", full, want)
	}
	var raw int
	if err := f.dm.store.Reader().QueryRow(`SELECT length(raw) FROM messages WHERE ticket_id = ?`, tk.ID).Scan(&raw); err != nil || raw < body.Len() {
		t.Errorf("raw mail of %d bytes kept (%v), want all of it", raw, err)
	}
	m := f.one(alice, "assigned", tk.ID)
	b, err := io.ReadAll(m.Body)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `filename="message.txt"`) {
		t.Errorf("the assignment notice does not carry message.txt")
	}

	var files strings.Builder
	files.WriteString("Voici les journaux.\n")
	for i := range 120 {
		fmt.Fprintf(&files, "begin 644 f%d.log\n#86)C\n`\nend\n", i)
	}
	tk2 := f.open(msg{from: "celine@corp.example", name: "Céline Dupré", subject: "Journaux", body: files.String()})
	if n := len(*f.show(tk2.ID).Attachments); n != 100 {
		t.Errorf("%d files kept, want 100", n)
	}
	found := false
	for _, e := range f.events(tk2.ID, tickets.EventNote) {
		found = found || strings.HasPrefix(e.Text, "20 more files")
	}
	if !found {
		t.Errorf("the ticket does not say that 20 files were left out")
	}
}

// TestNoticeFitsTheWorldsSize: the desk's SMTP server declares a SIZE below a request's whole
// text. The technician is still told: her notice comes under the SIZE, without message.txt,
// which it names as too large to send by mail (before, such a notice was refused and she never
// knew).
func TestNoticeFitsTheWorldsSize(t *testing.T) {
	f := newFlow(t, "")
	var body strings.Builder
	body.WriteString("Bonjour,\nle serveur de fichiers refuse les connexions depuis ce matin.\n\n")
	for i := 0; body.Len() < 3*tickets.MaxText; i++ {
		fmt.Fprintf(&body, "Ligne %d du journal du serveur : connexion refusée par le pare-feu.\n", i)
	}
	id := f.send(msg{from: "celine@corp.example", name: "Céline Dupré", subject: "Serveur de fichiers", body: body.String()})
	const limit = 600 << 10 // Above a notice with the ticket's text, below one with message.txt too.
	f.w.stopSMTP(t)
	f.w.smtp.MaxMessageBytes = limit
	f.w.startSMTP(t)
	f.step()
	var tk *tickets.Ticket
	list, err := f.dm.desk.Store.List(f.ctx, tickets.ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range list {
		if x.OriginMessageID == strings.ToLower(id) {
			tk = x
		}
	}
	if tk == nil {
		t.Fatal("no ticket")
	}
	m := f.one(alice, "assigned", tk.ID)
	b, err := io.ReadAll(m.Body)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > limit {
		t.Errorf("notice body of %d bytes, over the server's %d", len(b), limit)
	}
	if strings.Contains(string(b), `filename="message.txt"`) {
		t.Error("message.txt attached, over the server's SIZE")
	}
	if !strings.Contains(string(b), "trop volumineux pour partir") {
		t.Error("the notice does not say that message.txt was too large to send by mail")
	}
}

// TestHeaderFloodEndToEnd: a request whose header holds 5,000 junk fields before its From,
// Subject and Message-ID, and whose subject is 20,000 encoded words, goes through the desk's
// IMAP inbox like any other. Past the reader's field limit, the fields deskd reads are still
// read: the ticket is Céline's, under its Message-ID, its subject a bounded line, and she gets
// her acknowledgement.
func TestHeaderFloodEndToEnd(t *testing.T) {
	f := newFlow(t, "")
	var b strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&b, "X-Junk-%d: %s\r\n", i, strings.Repeat("j", 40))
	}
	b.WriteString("From: =?utf-8?q?C=C3=A9line_Dupr=C3=A9?= <celine@corp.example>\r\nTo: " + desk + "\r\nSubject:")
	for range 20000 {
		b.WriteString("\r\n =?utf-8?q?imprimante=C3=A9?=") // Folded: one line per word.
	}
	b.WriteString("\r\nMessage-ID: <flood@corp.example>\r\nDate: " + time.Now().Format(time.RFC1123Z) +
		"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nL'imprimante ne marche plus.\r\n")
	f.sendRaw("celine@corp.example", []string{desk}, b.String())
	f.step()
	list, err := f.dm.desk.Store.List(f.ctx, tickets.ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].OriginMessageID != "flood@corp.example" || list[0].Requester != "celine@corp.example" {
		t.Fatalf("tickets %+v, want one, Céline's, under flood@corp.example", list)
	}
	tk := list[0]
	if n := len([]rune(tk.Subject)); n == 0 || n > 150 || !strings.HasPrefix(tk.Subject, "imprimanteé") {
		t.Errorf("subject of %d runes: %.80q", n, tk.Subject)
	}
	if m := f.one("celine@corp.example", "ack", tk.ID); len(subjectOf(m)) > 998 {
		t.Errorf("acknowledgement subject of %d bytes", len(subjectOf(m)))
	}
}
