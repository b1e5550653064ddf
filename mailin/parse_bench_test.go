package mailin

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/deskd/deskd/bench"
)

// BenchmarkParseGenerated parses the mail bench/run.sh delivers (French and English requests,
// plain, HTML and Latin-1, some with attachments, out-of-office replies), the header pass and
// the whole mail as the ingester does, and turns it into the desk's Incoming.
//
//	go test ./mailin -run '^$' -bench ParseGenerated -cpuprofile cpu.out
func BenchmarkParseGenerated(b *testing.B) {
	raws, size := generatedMail()
	opts := ParseOptions{DeskAddresses: []string{"helpdesk@" + bench.Domain}}
	b.SetBytes(int64(size / len(raws)))
	cpu0 := cpuTime()
	i := 0
	for b.Loop() {
		raw := raws[i%len(raws)]
		i++
		head, err := Parse(headerOf(raw), opts)
		if err != nil {
			b.Fatal(err)
		}
		m, err := parseWhole(raw, head, opts)
		if err != nil {
			b.Fatal(err)
		}
		_ = Incoming(m, "fr")
	}
	reportCPU(b, cpu0)
}

// BenchmarkParseGeneratedSteps measures the steps of BenchmarkParseGenerated apart: the header
// pass, the whole mail after it (parseWhole), and Incoming of the parsed mail.
func BenchmarkParseGeneratedSteps(b *testing.B) {
	raws, size := generatedMail()
	opts := ParseOptions{DeskAddresses: []string{"helpdesk@" + bench.Domain}}
	parsed := make([]*Message, len(raws))
	heads := make([]*Message, len(raws))
	for i, raw := range raws {
		m, err := Parse(raw, opts)
		if err != nil {
			b.Fatal(err)
		}
		parsed[i] = m
		if heads[i], err = Parse(headerOf(raw), opts); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("header", func(b *testing.B) {
		cpu0 := cpuTime()
		i := 0
		for b.Loop() {
			if _, err := Parse(headerOf(raws[i%len(raws)]), opts); err != nil {
				b.Fatal(err)
			}
			i++
		}
		reportCPU(b, cpu0)
	})
	b.Run("whole", func(b *testing.B) {
		b.SetBytes(int64(size / len(raws)))
		cpu0 := cpuTime()
		i := 0
		for b.Loop() {
			if _, err := parseWhole(raws[i%len(raws)], heads[i%len(raws)], opts); err != nil {
				b.Fatal(err)
			}
			i++
		}
		reportCPU(b, cpu0)
	})
	b.Run("incoming", func(b *testing.B) {
		cpu0 := cpuTime()
		i := 0
		for b.Loop() {
			_ = Incoming(parsed[i%len(parsed)], "fr")
			i++
		}
		reportCPU(b, cpu0)
	})
}

// generatedMail is the mail of BenchmarkParseGenerated, and its size.
func generatedMail() (raws [][]byte, size int) {
	g := &bench.Generator{Desk: "helpdesk@" + bench.Domain, Tag: "HD", Prefix: "p",
		Mix: bench.Mix{OutOfOffice: 2}, Rand: rand.New(rand.NewPCG(1, 2)), Now: time.Now()}
	for i := range 500 {
		m := g.Make(i)
		raws = append(raws, m.Raw)
		size += len(m.Raw)
	}
	return raws, size
}

// headerOf is a mail's header, as IMAP's BODY.PEEK[HEADER] returns it: up to and with the
// blank line, CRLF or LF (the generator writes LF, as a Maildir file has it).
func headerOf(raw []byte) []byte {
	for i := 0; i+1 < len(raw); i++ {
		if raw[i] != '\n' {
			continue
		}
		if raw[i+1] == '\n' {
			return raw[:i+2]
		}
		if i+2 < len(raw) && raw[i+1] == '\r' && raw[i+2] == '\n' {
			return raw[:i+3]
		}
	}
	return raw
}

// cpuTime is the process's user and system time so far: what a benchmark on a shared machine
// can measure without the time spent waiting for a core.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU time per operation since cpu0, garbage collection included.
func reportCPU(b *testing.B, cpu0 time.Duration) {
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// parseCases are one mail of each common shape, for BenchmarkParseCases.
func parseCases() []struct {
	name string
	raw  []byte
} {
	head := func(ct string) string {
		return "Return-Path: <marie.dupont@client.example>\r\n" +
			"Received: from mx.client.example (mx.client.example [192.0.2.7]) by mx.corp.example with ESMTPS id 4AbC; Mon, 30 Nov 2026 09:12:03 +0100\r\n" +
			"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=client.example; s=s1; h=from:to:subject:date:message-id; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=dGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZSBidXQgaXQgaXMgbG9uZyBlbm91Z2g=\r\n" +
			"Authentication-Results: mx.corp.example; dkim=pass header.d=client.example; spf=pass smtp.mailfrom=client.example\r\n" +
			"From: =?utf-8?q?Marie_Dupont?= <marie.dupont@client.example>\r\n" +
			"To: Helpdesk <helpdesk@corp.example>\r\nCc: jean.martin@client.example\r\n" +
			"Subject: =?utf-8?q?Imprimante_du_3=C3=A8me_=C3=A9tage_en_panne?=\r\n" +
			"Date: Mon, 30 Nov 2026 09:12:01 +0100\r\nMessage-ID: <CAF1234567.abcdef@mail.client.example>\r\n" +
			"MIME-Version: 1.0\r\nContent-Type: " + ct + "\r\n"
	}
	text := "Bonjour,\r\n\r\nL'imprimante du troisième étage n'imprime plus depuis ce matin : elle affiche « erreur 49 » et redémarre.\r\nPouvez-vous envoyer quelqu'un ?\r\n\r\nMerci d'avance,\r\nMarie Dupont\r\nService comptabilité\r\n"
	html := "<html><head><style>p{margin:0}</style></head><body><div dir=\"ltr\"><p>Bonjour,</p><p><br></p><p>L'imprimante du troisième étage n'imprime plus depuis ce matin : elle affiche « <b>erreur 49</b> » et redémarre.<br>Pouvez-vous envoyer quelqu'un ?</p><p><br></p><p>Merci d'avance,</p><div class=\"signature\">Marie Dupont<br>Service comptabilité</div></div></body></html>\r\n"
	latin1 := "Bonjour,\r\n\r\nL'imprimante du troisi=E8me =E9tage n'imprime plus depuis ce matin : elle affic=\r\nhe =AB erreur 49 =BB et red=E9marre.\r\nPouvez-vous envoyer quelqu'un ?\r\n\r\nMerci d'avance,\r\nMarie Dupont\r\n"
	var quoted strings.Builder
	quoted.WriteString("Merci, c'est réparé de mon côté.\r\n\r\nMarie\r\n\r\n")
	for i := range 12 {
		fmt.Fprintf(&quoted, "Le lun. %d nov. 2026 à 10:%02d, Helpdesk <helpdesk@corp.example> a écrit :\r\n", i+1, i)
		for range i + 1 {
			quoted.WriteString("> ")
		}
		quoted.WriteString("Bonjour, nous avons bien reçu votre demande et un technicien passe dans la journée.\r\n")
		for range i + 1 {
			quoted.WriteString("> ")
		}
		quoted.WriteString("Cordialement, le support informatique\r\n")
	}
	att := make([]byte, 20<<10)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range att {
		att[i] = byte(r.Uint32())
	}
	b64 := base64.StdEncoding.EncodeToString(att)
	var wrapped strings.Builder
	for len(b64) > 76 {
		wrapped.WriteString(b64[:76] + "\r\n")
		b64 = b64[76:]
	}
	wrapped.WriteString(b64 + "\r\n")
	cases := []struct {
		name string
		raw  []byte
	}{
		{"plain", []byte(head("text/plain; charset=utf-8") + "Content-Transfer-Encoding: 8bit\r\n\r\n" + text)},
		{"latin1-qp", []byte(head("text/plain; charset=iso-8859-1") + "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + latin1)},
		{"alternative", []byte(head(`multipart/alternative; boundary="alt"`) + "\r\n--alt\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + text +
			"--alt\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + html + "--alt--\r\n")},
		{"html", []byte(head("text/html; charset=utf-8") + "Content-Transfer-Encoding: 8bit\r\n\r\n" + html)},
		{"attachment", []byte(head(`multipart/mixed; boundary="mix"`) + "\r\n--mix\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + text +
			"--mix\r\nContent-Type: application/pdf; name=\"facture.pdf\"\r\nContent-Disposition: attachment; filename=\"facture.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + wrapped.String() + "--mix--\r\n")},
		{"reply", []byte(strings.Replace(head("text/plain; charset=utf-8"), "Subject: =?utf-8?q?", "In-Reply-To: <ticket-123@corp.example>\r\nReferences: <ticket-123@corp.example> <r1@corp.example> <r2@corp.example>\r\nSubject: =?utf-8?q?RE:_", 1) +
			"Content-Transfer-Encoding: 8bit\r\n\r\n" + quoted.String())},
	}
	return cases
}

// BenchmarkParseCases parses one mail of each common shape as the ingester does: the header
// pass, the whole mail after it, and Incoming.
//
//	go test ./mailin -run '^$' -bench ParseCases -benchmem
func BenchmarkParseCases(b *testing.B) {
	opts := ParseOptions{DeskAddresses: []string{"helpdesk@corp.example"}}
	for _, c := range parseCases() {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.raw)))
			for b.Loop() {
				head, err := Parse(headerOf(c.raw), opts)
				if err != nil {
					b.Fatal(err)
				}
				m, err := parseWhole(c.raw, head, opts)
				if err != nil {
					b.Fatal(err)
				}
				_ = Incoming(m, "fr")
			}
		})
	}
}
