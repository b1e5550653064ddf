package mailin

import (
	"strconv"
	"strings"
	"testing"
)

// TestHiddenHTMLText: text a mail client does not show (display:none, visibility:hidden,
// mso-hide:all, opacity:0, the hidden attribute, a zero height that clips, a font too small to
// read) is not in the text; what is shown next to it, or inside a child that sets a readable font
// again, is.
func TestHiddenHTMLText(t *testing.T) {
	tests := []struct {
		name, html string
		want       []string
	}{
		{"Outlook preheader", `<body><span style="display:none !important; mso-hide:all">PREHEADER</span><p class=MsoNormal>Bonjour,</p><p class=MsoNormal>Mon second écran reste noir.</p></body>`,
			[]string{"Bonjour,", "Mon second écran reste noir."}},
		{"visibility and mso-hide", `<div>Visible<span style="visibility: hidden">GHOST</span></div><div style="MSO-HIDE: ALL">OUTLOOK</div><div style="opacity:0">FADED</div>`,
			[]string{"Visible"}},
		{"hidden attribute", `<p>Shown</p><div hidden><p>HIDDEN</p></div>`, []string{"Shown"}},
		{"clipped to nothing", `<div style="max-height:0px;overflow:hidden;">PREVIEW TEXT</div><div style="max-height:0">overflows, shown</div><p>Body</p>`,
			[]string{"overflows, shown", "Body"}},
		{"font-size 0 in a layout table", `<table><tr><td style="font-size:0;line-height:0">SPACER<div style="display:inline-block"><p style="font-size:14px">Column one</p></div><div style="display:inline-block"><span style="font-size: 1pt">x</span><p style="font-size:10pt">Column two</p></div></td></tr></table>`,
			[]string{"Column one", "Column two"}},
		{"preheader by font", `<div style="font-size:1px;color:#ffffff;line-height:1px">TINY PREVIEW</div><p>Hello</p>`, []string{"Hello"}},
		{"style words that hide nothing", `<div style="display:block;visibility:visible;font-size:small;height:auto;overflow:hidden">Kept</div>`, []string{"Kept"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for name, got := range map[string]string{"text": HTMLToText(tt.html), "visible": VisibleHTML(tt.html)} {
				for _, w := range tt.want {
					if !strings.Contains(got, w) {
						t.Errorf("%s %q lacks %q", name, got, w)
					}
				}
				for _, bad := range []string{"PREHEADER", "GHOST", "OUTLOOK", "FADED", "HIDDEN", "PREVIEW", "SPACER", "TINY", "x\n"} {
					if strings.Contains(got+"\n", bad) {
						t.Errorf("%s %q holds hidden %q", name, got, bad)
					}
				}
			}
		})
	}
}

// TestSignatureLogo: a small inline image in the sender's signature (after the sign-off or in a
// signature block, before the quoted history) is not a file of the ticket, so that each reply
// does not add the logo again; a screenshot pasted above the sign-off stays, as does a large
// image below it and an image in no signature.
func TestSignatureLogo(t *testing.T) {
	shot, logo, bigLogo, small := pngLike(60000, 1), pngLike(6000, 2), pngLike(40000, 3), pngLike(6000, 4)
	const head = "From: Marie <marie.dupont@corp.example>\r\nTo: helpdesk@corp.example\r\nSubject: Second écran noir\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/related; boundary=r\r\n\r\n--r\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
	mail := func(html string, parts ...string) string {
		s := head + html + "\r\n"
		for _, p := range parts {
			s += "--r\r\n" + p
		}
		return s + "--r--\r\n"
	}
	tests := []struct {
		name, raw string
		files     []string // Content sizes of the files kept, in order.
	}{
		{"Outlook: screenshot in the text, logo after Cordialement",
			mail(`<html><head><style>p.MsoNormal{margin:0}</style></head><body><span style="display:none">PREHEADER-HIDDEN-TEXT</span>`+
				`<p class=MsoNormal>Bonjour,</p><p class=MsoNormal>Voici l'écran :</p><p class=MsoNormal><img width=600 src="cid:image001.png@01DB"></p>`+
				`<table><tr><td>Poste</td><td>PC-COMPTA-12</td></tr></table>`+
				`<p class=MsoNormal>Cordialement,</p><p class=MsoNormal>Marie Dupont<br>Comptabilité</p><p class=MsoNormal><img width=120 src="cid:image002.jpg@01DB"></p></body></html>`,
				imagePart("image/png", "image001.png@01DB", "inline", shot), imagePart("image/jpeg", "image002.jpg@01DB", "inline", logo)),
			[]string{"60000"}},
		{"Outlook on the web: logo in id=Signature, above the quote",
			mail(`<div>Toujours noir ce matin.</div><div id="Signature"><p>Marie Dupont</p><img src="cid:logo@x"></div>`+
				`<div id="appendonsend"></div><hr><div id="divRplyFwdMsg"><b>De :</b> Support</div><div>Bonjour, <img src="cid:quoted@x"></div>`,
				imagePart("image/png", "logo@x", "inline", logo), imagePart("image/png", "quoted@x", "inline", small)),
			[]string{"6000"}}, // The image in the quoted history is not the signature's.
		{"Gmail signature block",
			mail(`<div dir="ltr">Merci de regarder.<br clear="all"><div><br></div><span class="gmail_signature_prefix">-- </span><br><div dir="ltr" class="gmail_signature"><div>Marie</div><img src="cid:ii_logo"></div></div>`,
				imagePart("image/png", "ii_logo", "", logo)),
			nil},
		{"Merci, then the name and the logo",
			mail(`<p>Le scanner ne démarre plus.</p><p>Merci,</p><p>Marie<br><img src="cid:logo"></p>`, imagePart("image/png", "logo", "inline", logo)),
			nil},
		{"a large image below the sign-off is kept",
			mail(`<p>Voici.</p><p>Best regards,</p><p>Marie</p><img src="cid:big">`, imagePart("image/png", "big", "inline", bigLogo)),
			[]string{"40000"}},
		{"Merci above the text is no sign-off",
			mail(`<p>Merci !</p><p>Voici la fenêtre d'erreur :</p><img src="cid:err"><p>Marie</p>`, imagePart("image/png", "err", "inline", small)),
			[]string{"6000"}},
		{"no signature at all: a small pasted image stays",
			mail(`<p>L'erreur :</p><img src="cid:err">`, imagePart("image/png", "err", "inline", small)),
			[]string{"6000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, tt.raw, ParseOptions{})
			in := Incoming(m, "fr")
			var got []string
			for _, a := range in.Attachments {
				got = append(got, strconv.FormatInt(a.Size, 10))
			}
			if strings.Join(got, ",") != strings.Join(tt.files, ",") {
				t.Errorf("files %v (%q); want sizes %v", got, names(m), tt.files)
			}
			if strings.Contains(in.Text, "PREHEADER") || strings.Contains(m.Text, "PREHEADER") {
				t.Errorf("hidden preheader in the text: %q", in.Text)
			}
		})
	}
}
