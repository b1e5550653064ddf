package main

import (
	"net/mail"
	"slices"
	"strings"
	"testing"
)

// TestFlowOutlookAddressCommands: desktop Outlook composes in HTML and renders a typed address in
// its text part as "addr<mailto:addr>"; #cc and #assign written so are obeyed (review finding
// F12). #assign without an address is refused with what to write, in the technician's language.
func TestFlowOutlookAddressCommands(t *testing.T) {
	f := newFlow(t, "")
	const paul = "paul.garnier@corp.example"
	tk := f.openVPN("celine@corp.example")
	outlook := func(orig *mail.Message, command string) {
		t.Helper()
		to, err := mail.ParseAddress(orig.Header.Get("Reply-To"))
		if err != nil {
			t.Fatal(err)
		}
		id := orig.Header.Get("Message-Id")
		addr := command[strings.LastIndexByte(command, ' ')+1:]
		html := strings.TrimSuffix(command, addr)
		if addr != "" && !strings.HasPrefix(addr, "#") {
			html += `<a href="mailto:` + addr + `">` + addr + `</a>`
			command += "<mailto:" + addr + ">"
		}
		body := "--b1\nContent-Type: text/plain; charset=utf-8\n\n" + command + "\n\n" +
			"From: Support Informatique <helpdesk@corp.example>\nSent: Thursday, November 26, 2026 10:05 AM\nSubject: " + subjectOf(orig) + "\n\n" +
			strings.TrimSpace(f.text(orig)) + "\n--b1\nContent-Type: text/html; charset=utf-8\n\n" +
			`<html><body><p class="MsoNormal">` + html + `</p><div style="border-top:solid #E1E1E1 1.0pt">quoted</div></body></html>` + "\n--b1--"
		f.send(msg{from: alice, name: "Alice Martin", to: []string{to.Address}, subject: "RE: " + subjectOf(orig), body: body,
			headers: map[string]string{"In-Reply-To": id, "References": id, "MIME-Version": "1.0",
				"Content-Type": `multipart/alternative; boundary="b1"`}})
		f.step()
	}
	outlook(f.one(alice, "assigned", tk.ID), "#cc "+paul)
	if got := f.ticket(tk.ID); !slices.Contains(got.Watchers, paul) {
		t.Fatalf("watchers %v; rejected: %v", got.Watchers, f.kinds(alice))
	}
	outlook(f.one(alice, "assigned", tk.ID), "#assign "+chloe)
	if got := f.ticket(tk.ID); got.Assignee != chloe {
		t.Fatalf("assignee %s; rejected: %v", got.Assignee, f.kinds(alice))
	}
	f.one(chloe, "assigned", tk.ID)
	outlook(f.one(alice, "assigned", tk.ID), "#assign")
	if text := f.text(f.one(alice, "rejected", tk.ID)); !strings.Contains(text, "donnez une adresse : #assign EMAIL") {
		t.Fatalf("rejection %q", text)
	}
}
