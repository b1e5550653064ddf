package mailin

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestRepeatedFields: a field DKIM reads last and deskd first, when there are two, is named, so
// that the desk does not take the mail as authenticated.
func TestRepeatedFields(t *testing.T) {
	raw := "From: Alice <alice@corp.example>\r\nFrom: Mallory <mallory@evil.example>\r\nTo: helpdesk@corp.example\r\n" +
		"Subject: [HD #1] x\r\nSubject: hello\r\nMessage-ID: <a@b>\r\nMessage-Id: <c@d>\r\nReceived: from a\r\nReceived: from b\r\n\r\n#priority urgent\r\n"
	in := Incoming(mustParse(t, raw, ParseOptions{}), "fr")
	if !slices.Equal(in.Repeated, []string{"From", "Subject", "Message-Id"}) {
		t.Fatalf("repeated %v", in.Repeated)
	}
	if in.From != "alice@corp.example" {
		t.Fatalf("from %s", in.From)
	}
	one := Incoming(mustParse(t, strings.Replace(raw, "From: Mallory <mallory@evil.example>\r\n", "", 1), ParseOptions{}), "fr")
	if !slices.Equal(one.Repeated, []string{"Subject", "Message-Id"}) {
		t.Fatalf("repeated %v", one.Repeated)
	}
}

// TestBounceDetails: a delivery report gives each failed recipient's status, and the envelope
// recipients the final delivery recorded (where the report came back to).
func TestBounceDetails(t *testing.T) {
	raw := strings.ReplaceAll(`Return-Path: <>
Delivered-To: helpdesk+b-abc@corp.example
X-Original-To: helpdesk+b-abc@corp.example
From: MAILER-DAEMON@mx.example
To: helpdesk+b-abc@corp.example
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn@mx.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

Sorry.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example

Final-Recipient: rfc822; full@corp.example
Action: failed
Status: 4.2.2 (mailbox full)

Final-Recipient: rfc822; gone@corp.example
Action: failed
Status: 5.1.1

Final-Recipient: rfc822; slow@corp.example
Action: delayed
Status: 4.4.1

--B--
`, "\n", "\r\n")
	in := Incoming(mustParse(t, raw, ParseOptions{}), "en")
	if in.Verdict != VerdictBounce || !slices.Equal(in.FailedRecipients, []string{"full@corp.example", "gone@corp.example"}) {
		t.Fatalf("verdict %s, failed %v", in.Verdict, in.FailedRecipients)
	}
	if in.FailedStatus["full@corp.example"] != "4.2.2" || in.FailedStatus["gone@corp.example"] != "5.1.1" {
		t.Fatalf("status %v", in.FailedStatus)
	}
	if !slices.Equal(in.DeliveredTo, []string{"helpdesk+b-abc@corp.example", "helpdesk+b-abc@corp.example"}) {
		t.Fatalf("delivered to %v", in.DeliveredTo)
	}
}

// BenchmarkIngestHugeCc reads one request copying 10,000 people of the organisation from IMAP
// into the desk: the whole path, parse and ingest. Only max_watchers of them join, the rest are
// recorded; it took 11 s when the watchers were deduplicated in quadratic time.
func BenchmarkIngestHugeCc(b *testing.B) {
	srv := newTestServer(b)
	d := newDesk(b, srv.addr, "", 200)
	g := d.ingester()
	ctx := context.Background()
	var cc []string
	for i := range 10000 {
		cc = append(cc, fmt.Sprintf("person%05d@corp.example", i))
	}
	header := "Cc: " + strings.Join(cc, ",\n ")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		srv.deliver(b, "INBOX", testMail(fmt.Sprintf("huge%d@x", i), "celine@corp.example", "Problème de wifi", "Le wifi ne marche plus.", header))
		b.StartTimer()
		st, err := g.Once(ctx)
		if err != nil || st.Opened != 1 {
			b.Fatalf("%+v, %v", st, err)
		}
	}
	if n := count(b, d, `SELECT COUNT(*) FROM watchers`); n != 10*b.N {
		b.Fatalf("%d watchers", n)
	}
}
