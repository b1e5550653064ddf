package main

import (
	"testing"
)

// TestSubjectHeaderInjection: an encoded CR LF in a requester's subject must not become a header
// of the desk's mails (it would add recipients or headers to the acknowledgement).
func TestSubjectHeaderInjection(t *testing.T) {
	f := newFlow(t, "")
	raw := "From: Eve <eve@corp.example>\r\nTo: helpdesk@corp.example\r\nSubject: =?utf-8?q?Printer=0D=0ABcc:_victim@evil.example=0D=0AX-Injected:_yes?=\r\nMessage-ID: <inj@x>\r\nContent-Type: text/plain\r\n\r\nprinter jam\r\n"
	f.sendRaw("eve@corp.example", []string{desk}, raw)
	f.step()
	if got := f.w.received("victim@evil.example"); len(got) != 0 {
		t.Fatalf("header injection: victim got %d mails", len(got))
	}
	for _, m := range f.w.received("eve@corp.example") {
		if m.Header.Get("X-Injected") != "" || m.Header.Get("Bcc") != "" {
			t.Fatalf("injected header: %v", m.Header)
		}
		t.Logf("subject %q", m.Header.Get("Subject"))
	}
}
