package main

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/deskd/deskd/tickets"
)

// TestFlowOutlookThreading: an Outlook user's request (Exchange's upper-case Message-ID,
// Thread-Index and Thread-Topic) gets mails that name that Message-ID as it was written in
// References, and carry the requester's conversation (the same 22-byte header, one response
// level more) and topic: Outlook shows them in the requester's thread. A request from another
// program gets a conversation of the ticket's own, the same on every mail of it.
func TestFlowOutlookThreading(t *testing.T) {
	f := newFlow(t, "")
	header := append([]byte{1, 0xdb, 0x40, 0x12, 0x34, 0x56}, []byte("0123456789abcdef")...)
	index := base64.StdEncoding.EncodeToString(header)
	const id = "AM0PR01MB6543C2D1E0F9A8B7C6D5E4F3A2B1C0D9@AM0PR01MB6543.eurprd01.prod.exchangelabs.com"
	raw := "From: \"Dupont, Marie\" <marie.dupont@corp.example>\r\nTo: " + desk + "\r\n" +
		"Subject: Le VPN ne se connecte plus\r\nMessage-ID: <" + id + ">\r\nDate: Mon, 30 Nov 2026 09:00:00 +0100\r\n" +
		"Thread-Topic: Le VPN ne se connecte plus\r\nThread-Index: " + index + "\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBonjour,\r\nle VPN refuse de se connecter.\r\nMarie\r\n"
	f.sendRaw("marie.dupont@corp.example", []string{desk}, raw)
	f.step()
	var tk *tickets.Ticket
	for _, c := range []int64{1, 2, 3} {
		if x := f.ticket(c); x.OriginMessageID == id {
			tk = x
			break
		}
	}
	if tk == nil {
		t.Fatal("no ticket keeps the Message-ID as written")
	}
	ack := f.one("marie.dupont@corp.example", "ack", tk.ID)
	if refs := ack.Header.Get("References"); !strings.Contains(refs, "<"+id+">") || ack.Header.Get("In-Reply-To") != "<"+id+">" {
		t.Errorf("the acknowledgement does not name the request as written: References %s, In-Reply-To %s", refs, ack.Header.Get("In-Reply-To"))
	}
	for _, m := range []struct{ who, kind string }{{"marie.dupont@corp.example", "ack"}, {alice, "assigned"}} {
		h := f.one(m.who, m.kind, tk.ID).Header
		got, err := base64.StdEncoding.DecodeString(h.Get("Thread-Index"))
		if err != nil || len(got) != 27 || !bytes.Equal(got[:22], header) {
			t.Errorf("%s: Thread-Index %q (%x, %v), want the requester's header and one level", m.kind, h.Get("Thread-Index"), got, err)
		}
		if h.Get("Thread-Topic") != "Le VPN ne se connecte plus" {
			t.Errorf("%s: Thread-Topic %q", m.kind, h.Get("Thread-Topic"))
		}
	}

	// Another program: the ticket's own conversation, one for all its mails.
	other := f.openVPN("celine@corp.example")
	a := f.one("celine@corp.example", "ack", other.ID).Header
	b := f.one(alice, "assigned", other.ID).Header
	ia, errA := base64.StdEncoding.DecodeString(a.Get("Thread-Index"))
	ib, errB := base64.StdEncoding.DecodeString(b.Get("Thread-Index"))
	if errA != nil || errB != nil || len(ia) != 27 || len(ib) != 27 || ia[0] != 1 || !bytes.Equal(ia[:22], ib[:22]) || bytes.Equal(ia[:22], header) {
		t.Errorf("the ticket's own conversation: %x, %x", ia, ib)
	}
	if a.Get("Thread-Topic") != other.Subject || b.Get("Thread-Topic") != other.Subject {
		t.Errorf("Thread-Topic %q, %q, want %q", a.Get("Thread-Topic"), b.Get("Thread-Topic"), other.Subject)
	}
}
