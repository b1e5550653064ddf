package mailin

import (
	"math/rand/v2"
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
		{name: "read receipt in plain text", header: "From: a@example.com\nSubject: Read: [HD #37] Printer jammed\nContent-Type: text/plain",
			body: "\n\nYour message\n\n  To: helpdesk@corp.example\n  Subject: [HD #37] Printer jammed\n  Sent: Thursday, December 3, 2026 2:02 PM\n\nwas read on Thursday, December 3, 2026 2:05 PM.\n", want: VerdictAutoReply, hdr: VerdictPerson},
		{name: "accusé de lecture en texte", header: "From: a@example.com\nSubject: Lu : [HD #37] Imprimante bloquée\nContent-Type: text/plain; charset=utf-8",
			body: "\n\nVotre message\n\n  À : helpdesk@corp.example\n  Objet : [HD #37] Imprimante bloquée\n  Envoyé : jeudi 3 décembre 2026 14:02\n\na été lu le jeudi 3 décembre 2026 14:05.\n", want: VerdictAutoReply, hdr: VerdictPerson},
		{name: "read subject from a person", header: "From: a@example.com\nSubject: Lu : votre message sur le VPN", body: "\n\nJ'ai lu votre message mais le VPN ne marche toujours pas.\n", want: VerdictPerson},
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
				if strings.Join(m.FailedRecipients, ",") != "b@example.com" || strings.Join(m.ReturnedIDs, ",") != "Orig@corp.example" {
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

// TestVerdictInTheWild covers automatic mail seen opening tickets on real desks, and the
// persons' mails that look like it and must stay persons. The mails are written for the test.
func TestVerdictInTheWild(t *testing.T) {
	opt := ParseOptions{DeskAddresses: []string{"helpdesk@corp.example"}}
	const dsnDelayed = "Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nThis is an automatically generated Delivery Status Notification.\r\n\r\n" +
		"THIS IS A WARNING MESSAGE ONLY.\r\nYOU DO NOT NEED TO RESEND YOUR MESSAGE.\r\n\r\n" +
		"Delivery to the following recipients has been delayed:\r\n\r\n     jean.dupont@client.example\r\n\r\n" +
		"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx1.corp.example\r\n\r\n" +
		"Final-Recipient: rfc822; jean.dupont@client.example\r\nAction: delayed\r\nStatus: 4.4.7\r\n" +
		"Will-Retry-Until: Tue, 24 Nov 2026 10:05:00 +0100\r\n\r\n" +
		"--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <dk.1.abc@corp.example>\r\nSubject: Printer\r\n\r\n--b--\r\n"
	tests := []struct {
		name   string
		raw    string
		want   Verdict
		reason string // A substring of the reason; "" for any.
	}{
		// Lotus Notes / Domino out-of-office: no Auto-Submitted, no In-Reply-To.
		{"lotus notes en", "From: Jean Dupont <jean.dupont@client.example>\r\nTo: helpdesk@corp.example\r\n" +
			"Subject: AUTO: Jean Dupont is out of the office (returning 07/12/2026)\r\nX-Mailer: Lotus Notes Release 8.5.3 September 15, 2011\r\n" +
			"Message-ID: <OF1234@client.example>\r\n\r\nI am out of the office until 07/12/2026.\r\n\r\nI will respond to your message when I return.\r\n",
			VerdictAutoReply, "AUTO"},
		{"lotus notes fr", "From: Jean Dupont <jean.dupont@client.example>\r\nTo: helpdesk@corp.example\r\n" +
			"Subject: AUTO: Jean Dupont est absent(e) (retour le 07/12/2026)\r\nMessage-ID: <OF1235@client.example>\r\n\r\n" +
			"Je serai absent(e) du bureau à partir du 23/11/2026 et ne serai pas de retour avant le 07/12/2026.\r\n",
			VerdictAutoReply, "AUTO"},
		{"lotus notes de", "From: Hans Meier <hans.meier@client.example>\r\nTo: helpdesk@corp.example\r\n" +
			"Subject: AUTO: Hans Meier ist außer Haus (Rückkehr am 07.12.2026)\r\nMessage-ID: <OF1236@client.example>\r\n\r\n" +
			"Ich bin bis 07.12.2026 abwesend.\r\n", VerdictAutoReply, "AUTO"},
		{"auto generated subject", "From: Foo <foo@client.example>\r\nSubject: [AUTO GENERATED] Weekly report\r\nMessage-ID: <x1@client.example>\r\n\r\nSomething.\r\n",
			VerdictBulk, "AUTO GENERATED"},

		// Bounces without a delivery-status part and without Return-Path <> (the mail was
		// redirected by a server rule, which rewrote the envelope).
		{"exchange ndr en", "From: System Administrator <sysadmin@client.example>\r\nTo: helpdesk@corp.example\r\n" +
			"Subject: Undeliverable: RE: [HD #42] Printer\r\nMessage-ID: <ndr1@client.example>\r\n" +
			"Content-Type: text/plain; charset=us-ascii\r\n\r\n" +
			"Your message did not reach some or all of the intended recipients.\r\n\r\n      Subject:  RE: [HD #42] Printer\r\n" +
			"      Sent:     23/11/2026 10:05\r\n\r\nThe following recipient(s) cannot be reached:\r\n\r\n" +
			"      jean.dupont@client.example on 23/11/2026 10:05\r\n            The e-mail account does not exist at the organization this message was sent to.\r\n",
			VerdictBounce, "bounce subject"},
		{"exchange ndr fr", "From: Administrateur système <admin@client.example>\r\nTo: helpdesk@corp.example\r\n" +
			"Subject: Non remis : RE: [HD #42] Imprimante\r\nMessage-ID: <ndr2@client.example>\r\n" +
			"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
			"Votre message n'a pas atteint certains ou l'ensemble des destinataires.\r\n\r\n      Objet : RE: [HD #42] Imprimante\r\n" +
			"      Envoyé : 23/11/2026 10:05\r\n\r\nImpossible de joindre le(s) destinataire(s) suivant(s) :\r\n\r\n" +
			"      jean.dupont@client.example le 23/11/2026 10:05\r\n",
			VerdictBounce, "bounce subject"},
		{"bounce subject at the end", "From: Messagerie <messagerie@client.example>\r\nTo: helpdesk@corp.example\r\n" +
			"Subject: RE: [HD #42] Imprimante - non remis\r\nMessage-ID: <ndr3@client.example>\r\n" +
			"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
			"Votre message n'a pas pu être remis à jean.dupont@client.example : boîte aux lettres inexistante.\r\n",
			VerdictBounce, "bounce subject"},
		{"lotus notes delivery failure", "From: Mail Router <router@client.example>\r\nTo: helpdesk@corp.example\r\n" +
			"Subject: DELIVERY FAILURE: User jean.dupont (jean.dupont@client.example) not listed in Domino Directory\r\n" +
			"Message-ID: <ndr4@client.example>\r\n\r\nYour message\r\n\r\n  Subject: RE: [HD #42] Printer\r\n\r\n" +
			"was not delivered to:\r\n\r\n  jean.dupont@client.example\r\n\r\nbecause:\r\n\r\n  User jean.dupont (jean.dupont@client.example) not listed in Domino Directory\r\n",
			VerdictBounce, ""},

		// Delay warnings are not bounces: nothing failed yet.
		{"dsn delayed", "From: Mail Delivery System <MAILER-DAEMON@mx1.corp.example>\r\nTo: helpdesk@corp.example\r\n" +
			"Subject: Delivery Status Notification (Delay)\r\nMessage-ID: <dly1@mx1.corp.example>\r\n" + dsnDelayed,
			VerdictDelay, "delayed"},
		{"dsn delayed, subject silent", "From: postmaster@mx1.corp.example\r\nTo: helpdesk@corp.example\r\n" +
			"Subject: Delivery Status Notification\r\nMessage-ID: <dly2@mx1.corp.example>\r\n" + dsnDelayed,
			VerdictDelay, "delayed"},
		{"exim warning", "From: Mail Delivery System <Mailer-Daemon@mx1.corp.example>\r\nTo: helpdesk@corp.example\r\n" +
			"Subject: Warning: message 1kXyZ-0001Ab-Cd delayed 24 hours\r\nAuto-Submitted: auto-replied\r\nMessage-ID: <dly3@mx1.corp.example>\r\n\r\n" +
			"This message was created automatically by mail delivery software.\r\nA message that you sent has not yet been delivered to one or more of its\r\n" +
			"recipients after more than 24 hours on the queue on mx1.corp.example.\r\n\r\nNo action is required on your part. Delivery attempts will continue for some time.\r\n",
			VerdictDelay, "delayed"},
		{"postfix delayed mail", "From: MAILER-DAEMON@mx1.corp.example (Mail Delivery System)\r\nTo: helpdesk@corp.example\r\n" +
			"Subject: Delayed Mail (still being retried)\r\nMessage-ID: <dly4@mx1.corp.example>\r\n\r\n" +
			"This is the mail system at host mx1.corp.example.\r\n\r\n####################################################################\r\n" +
			"# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\r\n####################################################################\r\n",
			VerdictDelay, "delayed"},

		// Challenge/response systems.
		{"challenge en", "From: Jean Dupont <jean.dupont@client.example>\r\nTo: helpdesk@corp.example\r\n" +
			"Subject: Re: [HD #42] Printer [please confirm]\r\nIn-Reply-To: <dk.1.abc@corp.example>\r\nMessage-ID: <cr1@client.example>\r\n\r\n" +
			"Hello,\r\n\r\nYour message to jean.dupont@client.example has been held because I use a spam filter that only accepts mail from approved senders.\r\n" +
			"Please confirm you are human by clicking the link below, and your message will be delivered:\r\n\r\nhttps://verify.filter.example/c/8f3a\r\n",
			VerdictAutoReply, "challenge"},
		{"challenge tmda", "From: jean.dupont-confirm+1764-8f3a1c@client.example\r\nTo: helpdesk@corp.example\r\nSubject: Please confirm your message\r\n" +
			"X-Delivery-Agent: TMDA/1.1.12 (Ferndale)\r\nMessage-ID: <1764.8f3a.TMDA@client.example>\r\n\r\nClick to verify.\r\n", VerdictAutoReply, "challenge"},
		{"challenge fr", "From: Jean Dupont <jean.dupont@client.example>\r\nTo: helpdesk@corp.example\r\n" +
			"Subject: Votre message est en attente de validation\r\nMessage-ID: <cr3@client.example>\r\nReferences: <dk.1.abc@corp.example>\r\n" +
			"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
			"Bonjour,\r\n\r\nVotre message à destination de jean.dupont@client.example est en attente. Afin de protéger ma messagerie contre le spam, " +
			"merci de confirmer que vous n'êtes pas un robot en cliquant sur le lien ci-dessous :\r\n\r\nhttps://verify.filter.example/c/8f3a\r\n",
			VerdictAutoReply, "challenge"},

		// Persons whose words look automatic.
		{"undeliverable question", "From: paul@corp.example\r\nTo: helpdesk@corp.example\r\nSubject: Undeliverable mail question\r\nMessage-ID: <p1@corp.example>\r\n\r\n" +
			"Hi,\r\n\r\nWhen I write to our supplier I get 'your message could not be delivered', user unknown. Can you check?\r\n\r\nPaul\r\n",
			VerdictPerson, ""},
		{"undeliverable question with the bounce attached", "From: paul@corp.example\r\nTo: helpdesk@corp.example\r\nSubject: Undeliverable: RE: order 1234\r\n" +
			"Message-ID: <p2@corp.example>\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n" +
			"Hello, I keep getting the message below when I write to this client. Could you check?\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n" +
			"From: postmaster@client.example\r\nSubject: Undeliverable: RE: order 1234\r\n\r\nDelivery has failed to these recipients or groups: x@client.example\r\n--b--\r\n",
			VerdictPerson, ""},
		{"absence question", "From: paul@corp.example\r\nTo: helpdesk@corp.example\r\nSubject: Absence: how do I set it?\r\nMessage-ID: <p3@corp.example>\r\n\r\n" +
			"I will be out of the office next week, how do I set the automatic reply?\r\n", VerdictPerson, ""},
		{"auto question", "From: paul@corp.example\r\nTo: helpdesk@corp.example\r\nSubject: AUTO: my Outlook answers everyone that I am out of the office\r\nMessage-ID: <p4@corp.example>\r\n\r\n" +
			"Since yesterday everyone who writes to me gets my out-of-office, but I am here. How do I stop it?\r\n", VerdictPerson, ""},
		{"captcha question", "From: paul@corp.example\r\nTo: helpdesk@corp.example\r\nSubject: Please confirm you are human - intranet loop\r\nMessage-ID: <p5@corp.example>\r\n\r\n" +
			"Hello, the intranet keeps asking me to confirm I am human by clicking the link below the picture, and then asks again. Can you help?\r\n",
			VerdictPerson, ""},
		{"delay question", "From: paul@corp.example\r\nTo: helpdesk@corp.example\r\nSubject: Delivery delayed to our client?\r\nMessage-ID: <p6@corp.example>\r\n\r\n" +
			"My mails to client.example seem delayed by hours. Is something wrong with our server?\r\n", VerdictPerson, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, tt.raw, opt)
			if m.Verdict != tt.want || !strings.Contains(m.VerdictReason, tt.reason) {
				t.Errorf("verdict %s (%s), want %s (%q)", m.Verdict, m.VerdictReason, tt.want, tt.reason)
			}
			if tt.want == VerdictDelay && len(m.FailedRecipients) > 0 {
				t.Errorf("a delay names failed recipients: %v", m.FailedRecipients)
			}
		})
	}
}

// TestContainsASCIIFold: containsASCIIFold(s, ".tmda@") is what the verdict read before,
// strings.Contains(strings.ToUpper(s), ".TMDA@"), on random Message-IDs made of the pattern's
// pieces in either case and of runes that case-map to ASCII or from it (ı, ſ, K, ß), invalid
// UTF-8 included.
func TestContainsASCIIFold(t *testing.T) {
	pieces := []string{".", "t", "T", "m", "M", "d", "D", "a", "A", "@", ".tmda@", ".TMDA@", ".TmDa@", "ı", "ſ", "K", "ß", "\xff", "x", "12345", "<", ">"}
	r := rand.New(rand.NewPCG(9, 10))
	found := 0
	for range 50000 {
		var b strings.Builder
		for range r.IntN(10) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		s := b.String()
		want := strings.Contains(strings.ToUpper(s), ".TMDA@")
		if got := containsASCIIFold(s, ".tmda@"); got != want {
			t.Fatalf("containsASCIIFold(%q) = %v, ToUpper says %v", s, got, want)
		}
		if want {
			found++
		}
	}
	if found < 1000 {
		t.Fatalf("only %d of the Message-IDs hold the pattern", found)
	}
}
