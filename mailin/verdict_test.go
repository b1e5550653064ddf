package mailin

import (
	"strings"
	"testing"
)

func TestVerdict(t *testing.T) {
	opt := ParseOptions{DeskAddresses: []string{"helpdesk@corp.example"}}
	const body = "\n\nHello\n"
	tests := []struct {
		name   string
		header string
		body   string
		want   Verdict
		hdr    Verdict // judgeHeader's verdict when it differs; "" means same
	}{
		{name: "person", header: "From: a@example.com\nSubject: VPN down", want: VerdictPerson},
		{name: "auto-submitted no", header: "From: a@example.com\nAuto-Submitted: no", want: VerdictPerson},
		{name: "auto-replied", header: "From: a@example.com\nAuto-Submitted: auto-replied; owner-email=a@example.com", want: VerdictAutoReply},
		{name: "auto-generated", header: "From: a@example.com\nAuto-Submitted: auto-generated", want: VerdictBulk},
		{name: "auto-replied beats precedence bulk", header: "From: a@example.com\nPrecedence: bulk\nAuto-Submitted: auto-replied (zimbra; vacation)", want: VerdictAutoReply},
		{name: "precedence bulk", header: "From: a@example.com\nPrecedence: bulk", want: VerdictBulk},
		{name: "precedence auto_reply", header: "From: a@example.com\nPrecedence: auto_reply", want: VerdictAutoReply},
		{name: "x-autoreply", header: "From: a@example.com\nX-Autoreply: yes", want: VerdictAutoReply},
		{name: "exchange oof", header: "From: a@example.com\nX-Auto-Response-Suppress: All\nX-MS-Exchange-Inbox-Rules-Loop: a@example.com", want: VerdictAutoReply},
		{name: "inbox rule alone", header: "From: a@example.com\nX-MS-Exchange-Inbox-Rules-Loop: a@example.com", want: VerdictPerson},
		{name: "ooo subject fr", header: "From: a@example.com\nSubject: Réponse automatique : Imprimante\nIn-Reply-To: <dk.a.b@corp.example>", want: VerdictAutoReply},
		{name: "ooo subject en", header: "From: a@example.com\nSubject: Out of Office: printer\nReferences: <dk.a.b@corp.example>", want: VerdictAutoReply},
		{name: "ooo subject from a person asking", header: "From: a@example.com\nSubject: Out of Office: how do I set it?", want: VerdictPerson},
		{name: "absence in a person's subject", header: "From: a@example.com\nSubject: Absence de connexion VPN", want: VerdictPerson},
		{name: "list-id", header: "From: a@example.com\nList-Id: <x.lists.example.com>", want: VerdictBulk},
		{name: "list-unsubscribe", header: "From: a@example.com\nList-Unsubscribe: <mailto:u@example.com>", want: VerdictBulk},
		{name: "mailer-daemon", header: "From: MAILER-DAEMON@mx.example.com\nSubject: Undelivered Mail Returned to Sender", want: VerdictBounce},
		{name: "x-failed-recipients", header: "From: a@example.com\nX-Failed-Recipients: b@example.com", want: VerdictBounce},
		{name: "dsn", header: "From: postmaster@example.com\nContent-Type: multipart/report; report-type=delivery-status; boundary=b",
			body: "\n\n--b\nContent-Type: text/plain\n\nfailed\n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\nFinal-Recipient: rfc822; B@Example.com\nAction: failed\nStatus: 5.1.1\n\n--b\nContent-Type: text/rfc822-headers\n\nMessage-ID: <Orig@corp.example>\n\n--b--\n",
			want: VerdictBounce},
		{name: "null sender bounce text", header: "From: system@mx.example.com\nReturn-Path: <>\nSubject: Notice", body: "\n\nYour message could not be delivered to b@example.com.\n", want: VerdictBounce, hdr: VerdictAutoReply},
		{name: "undeliverable by a person", header: "From: a@example.com\nSubject: Undeliverable mail to a client", body: "\n\nI get errors when I send to them.\n", want: VerdictPerson},
		{name: "forwarded bounce", header: "From: a@example.com\nSubject: Fwd: Undeliverable: report", body: "\n\nCan you help?\n\nYour message could not be delivered\n", want: VerdictPerson},
		{name: "arf", header: "From: fbl@example.net\nContent-Type: multipart/report; report-type=feedback-report; boundary=b", body: "\n\n--b\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\n--b--\n", want: VerdictFeedback},
		{name: "read receipt", header: "From: a@example.com\nContent-Type: multipart/report; report-type=disposition-notification; boundary=b", body: "\n\n--b\nContent-Type: message/disposition-notification\n\nDisposition: automatic-action/MDN-sent-automatically; displayed\n--b--\n", want: VerdictAutoReply},
		{name: "from the desk", header: "From: Helpdesk <HelpDesk@corp.example>", want: VerdictLoop},
		{name: "from the desk plus address", header: "From: helpdesk+abc@corp.example", want: VerdictLoop},
		{name: "deskd ticket header", header: "From: a@example.com\nX-Deskd-Ticket: 42", want: VerdictLoop},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.body
			if b == "" {
				b = body
			}
			m := mustParse(t, tt.header+b, opt)
			if m.Verdict != tt.want {
				t.Errorf("verdict %s (%s), want %s", m.Verdict, m.VerdictReason, tt.want)
			}
			wantH := tt.hdr
			if wantH == "" {
				wantH = tt.want
			}
			if hv, reason := judgeHeader(m.Header, opt); hv != wantH && !(tt.body != "" && hv == VerdictPerson) {
				t.Errorf("header verdict %s (%s), want %s", hv, reason, wantH)
			}
			if m.VerdictReason == "" {
				t.Errorf("no reason")
			}
			if tt.name == "dsn" {
				if strings.Join(m.FailedRecipients, ",") != "b@example.com" || strings.Join(m.ReturnedIDs, ",") != "orig@corp.example" {
					t.Errorf("failed %v returned %v", m.FailedRecipients, m.ReturnedIDs)
				}
			}
		})
	}
}

// TestOutOfOfficeSubjectFromAPerson: an IT desk is asked about out-of-office settings; such a
// request from a person opens a ticket (review finding). The same subject in reply is automatic.
func TestOutOfOfficeSubjectFromAPerson(t *testing.T) {
	for _, subject := range []string{"Absence : impossible d'activer le message", "Out of office: how do I turn it on in Outlook?",
		"Réponse automatique : elle ne part plus", "Automatic reply not working since the migration"} {
		raw := "From: paul@corp.example\r\nTo: helpdesk@corp.example\r\nSubject: " + subject + "\r\nMessage-ID: <p@x>\r\n\r\nBonjour, ...\r\n"
		m, err := Parse([]byte(raw), ParseOptions{})
		if err != nil || m.Verdict != VerdictPerson {
			t.Errorf("%q: verdict %s (%s)", subject, m.Verdict, m.VerdictReason)
		}
		m, _ = Parse([]byte(strings.Replace(raw, "\r\n\r\n", "\r\nIn-Reply-To: <dk.x.y@corp.example>\r\n\r\n", 1)), ParseOptions{})
		if strings.HasPrefix(subject, "Absence") && m.Verdict != VerdictAutoReply {
			t.Errorf("%q in reply: verdict %s", subject, m.Verdict)
		}
	}
}
