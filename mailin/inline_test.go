package mailin

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

// pngLike returns n bytes that start like a PNG, distinct for each seed.
func pngLike(n int, seed byte) []byte {
	b := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	for len(b) < n {
		b = append(b, byte(len(b)*7)^seed, seed)
	}
	return b[:n]
}

func imagePart(ct, cid, disp string, data []byte) string {
	h := "Content-Type: " + ct + "\r\nContent-Transfer-Encoding: base64\r\n"
	if cid != "" {
		h += "Content-ID: <" + cid + ">\r\n"
	}
	if disp != "" {
		h += "Content-Disposition: " + disp + "\r\n"
	}
	return h + "\r\n" + wrap76(base64.StdEncoding.EncodeToString(data))
}

// TestPastedScreenshot checks that an image pasted into a mail without a
// file name is a file of the ticket, named, and that the text says where it
// was.
func TestPastedScreenshot(t *testing.T) {
	shot := pngLike(50000, 1)
	const head = "From: Anne <anne@example.com>\r\nTo: desk@example.com\r\nSubject: error\r\nMIME-Version: 1.0\r\n"
	tests := []struct {
		name, raw, before, after string
	}{
		{
			"Outlook: related HTML and a plain alternative with [cid:]",
			head + "Content-Type: multipart/related; boundary=r; type=\"multipart/alternative\"\r\n\r\n" +
				"--r\r\nContent-Type: multipart/alternative; boundary=a\r\n\r\n" +
				"--a\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello, I get this error:\r\n\r\n[cid:image001.png@01DA1234.56789AB0]\r\n\r\nAnne\r\n" +
				"--a\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>Hello, I get this error:</p><p><img width=\"600\" src=\"cid:image001.png@01DA1234.56789AB0\"></p><p>Anne</p></body></html>\r\n--a--\r\n" +
				"--r\r\n" + imagePart("image/png", "image001.png@01DA1234.56789AB0", "inline", shot) + "--r--\r\n",
			"I get this error:", "Anne",
		},
		{
			"Gmail: HTML only, image referenced by cid",
			head + "Content-Type: multipart/related; boundary=r\r\n\r\n" +
				"--r\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<div dir=\"ltr\">Hello, I get this error:<div><img src=\"cid:ii_lq1w2e3r0\" alt=\"\"><br></div><div>Anne</div></div>\r\n" +
				"--r\r\n" + imagePart("image/png", "ii_lq1w2e3r0", "", shot) + "--r--\r\n",
			"I get this error:", "Anne",
		},
		{
			"not referenced from the text",
			head + "Content-Type: multipart/mixed; boundary=m\r\n\r\n" +
				"--m\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello, I get this error.\r\n" +
				"--m\r\n" + imagePart("image/png", "", "inline", shot) + "--m--\r\n",
			"I get this error.", "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, tt.raw, ParseOptions{})
			if len(m.Attachments) != 1 {
				t.Fatalf("attachments %q", names(m))
			}
			a := m.Attachments[0]
			if a.Name != "screenshot-1.png" || !bytes.Equal(a.Data, shot) || !a.Inline || a.ContentType != "image/png" {
				t.Errorf("attachment %q %s inline %v %s", a.Name, sum(a.Data), a.Inline, a.ContentType)
			}
			for _, text := range []string{m.Text, Incoming(m, "en").Text} {
				i := strings.Index(text, "[image: screenshot-1.png]")
				if i < 0 || !strings.Contains(text[:max(i, 0)], tt.before) || !strings.Contains(text[max(i, 0):], tt.after) || strings.Contains(text, "cid:") {
					t.Errorf("text %q", text)
				}
			}
			in := Incoming(m, "en")
			if len(in.Attachments) != 1 || in.Attachments[0].Name != "screenshot-1.png" {
				t.Errorf("ticket files %+v", in.Attachments)
			}
		})
	}
}

// TestDecorativeImages checks that small repeated images and tracking
// pixels are dropped, whether they have a name or not, and that a small
// image seen once is kept.
func TestDecorativeImages(t *testing.T) {
	logo := pngLike(3000, 2)
	named := pngLike(4000, 3)
	pixel := []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
	icon := pngLike(3500, 4)
	big := pngLike(40000, 5)
	var b strings.Builder
	b.WriteString("From: a@example.com\r\nSubject: thread\r\nMIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=r\r\n\r\n" +
		"--r\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>See below</p><img src=\"cid:logo1\"><img src=\"cid:pixel\"><img src=\"cid:icon\">" +
		"<blockquote><img src=\"cid:logo2\"><img src=\"cid:named1\"><img src=\"cid:named2\"><img src=\"cid:big1\"><img src=\"cid:big2\"></blockquote>\r\n")
	for _, p := range []struct {
		cid, disp string
		data      []byte
	}{
		{"logo1", "inline", logo}, {"logo2", "inline", logo}, {"pixel", "inline", pixel}, {"icon", "inline", icon},
		{"named1", "inline; filename=image002.png", named}, {"named2", "inline; filename=image002.png", named},
		{"big1", "inline", big}, {"big2", "inline", big},
	} {
		b.WriteString("--r\r\n" + imagePart("image/png", p.cid, p.disp, p.data))
	}
	b.WriteString("--r--\r\n")
	m := mustParse(t, b.String(), ParseOptions{})
	var got []string
	for _, a := range Incoming(m, "en").Attachments {
		got = append(got, fmt.Sprintf("%s:%d", a.Name, len(a.Data)))
	}
	if len(m.Attachments) != 8 {
		t.Errorf("the parse keeps every file: %q", names(m))
	}
	if want := "screenshot-1.png:3500|screenshot-2.png:40000|screenshot-3.png:40000"; strings.Join(got, "|") != want {
		t.Errorf("attachments %q, want %q", got, want)
	}
	if strings.Count(m.Text, "[image:") != 3 || strings.Contains(m.Text, "image002") {
		t.Errorf("text %q", m.Text)
	}
}
