package mailin

import "strings"

// rawPart is a part of a mail rawMail builds: its Content-Type, its Content-Disposition ("" for
// none) and its body, lines ended by "\n".
type rawPart struct {
	contentType, disposition, body string
}

// rawMail builds a raw mail of the tests, with CRLF line ends: a header of the fields given
// ("From: …") with a Date and MIME-Version, and a multipart/mixed body of the parts.
func rawMail(fields []string, parts ...rawPart) string {
	var b strings.Builder
	for _, f := range fields {
		b.WriteString(f + "\n")
	}
	b.WriteString("Date: Tue, 1 Dec 2026 15:00:00 +0100\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b1\"\n\n")
	for _, p := range parts {
		b.WriteString("--b1\nContent-Type: " + p.contentType + "\n")
		if p.disposition != "" {
			b.WriteString("Content-Disposition: " + p.disposition + "\n")
		}
		b.WriteString("\n" + strings.TrimSuffix(p.body, "\n") + "\n")
	}
	b.WriteString("--b1--\n")
	return strings.ReplaceAll(b.String(), "\n", "\r\n")
}

// icsPart is an attached calendar file, its VEVENT's properties given, one a line.
func icsPart(method string, properties ...string) rawPart {
	return rawPart{`text/calendar; charset=utf-8; name="invite.ics"`, `attachment; filename="invite.ics"`,
		"BEGIN:VCALENDAR\nMETHOD:" + method + "\nBEGIN:VEVENT\n" + strings.Join(properties, "\n") + "\nEND:VEVENT\nEND:VCALENDAR"}
}
