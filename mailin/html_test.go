package mailin

import "testing"

func TestHTMLToText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"paragraphs", "<p>Bonjour,</p><p>L'imprimante&nbsp;est en panne.</p>", "Bonjour,\n\nL'imprimante est en panne."},
		{"br and div", "<div>one<br>two</div><div>three</div>", "one\ntwo\nthree"},
		{"whitespace", "<p>  lots \n\t of   space  </p>", "lots of space"},
		{"entities", "<p>caf&eacute; &amp; th&#233; &lt;ok&gt; &euro;</p>", "café & thé <ok> €"},
		{"script style", "<html><head><style>p{color:red}</style><title>t</title></head><body><script>alert(1)</script><p>text</p></body></html>", "text"},
		{"list", "<p>Steps:</p><ul><li>restart</li><li>log in</li></ul>", "Steps:\n\n- restart\n- log in"},
		{"ordered list", "<ol><li>one</li><li>two</li></ol>", "1. one\n2. two"},
		{"nested list", "<ul><li>a<ul><li>b</li></ul></li></ul>", "- a\n  - b"},
		{"link differs", `<p>See <a href="https://wiki.corp.example/vpn">the VPN guide</a>.</p>`, "See the VPN guide (https://wiki.corp.example/vpn)."},
		{"link same", `<a href="https://corp.example/">https://corp.example/</a>`, "https://corp.example/"},
		{"mailto", `<a href="mailto:alice@corp.example">alice@corp.example</a>`, "alice@corp.example"},
		{"table", "<table><tr><th>Host</th><th>State</th></tr><tr><td>pc-12</td><td>down</td></tr></table>", "Host | State\npc-12 | down"},
		{"blockquote", "<p>Yes.</p><blockquote><p>Is it on?</p></blockquote>", "Yes.\n\n> Is it on?"},
		{"pre", "<pre>line 1\n  line 2</pre>", "line 1\n  line 2"},
		{"invalid utf8", "<p>a\xffb</p>", "a\uFFFDb"},
		{"not html", "just text", "just text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := HTMLToText(tt.in); got != tt.want {
				t.Errorf("HTMLToText:\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestVisibleHTML(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"gmail quote",
			`<div dir="ltr">It works, thanks.</div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Mon, 23 Nov 2026 at 10:05, Alice &lt;<a href="mailto:alice@corp.example">alice@corp.example</a>&gt; wrote:<br></div><blockquote class="gmail_quote"><div>Please restart.</div></blockquote></div>`,
			"It works, thanks."},
		{"gmail quote fr",
			`<div dir="ltr">Ça marche.</div><div class="gmail_quote"><div class="gmail_attr">Le lun. 23 nov. 2026 à 10:05, Alice &lt;alice@corp.example&gt; a écrit :<br></div><blockquote class="gmail_quote">Redémarrez.</blockquote></div>`,
			"Ça marche."},
		{"gmail forward kept",
			`<div>FYI</div><div class="gmail_quote"><div class="gmail_attr">---------- Forwarded message ---------<br>From: Bob &lt;bob@corp.example&gt;<br>Date: Mon, 23 Nov 2026<br>Subject: Badge<br></div><div>My badge is broken.</div></div>`,
			"FYI\n\n---------- Forwarded message ---------\nFrom: Bob <bob@corp.example>\nDate: Mon, 23 Nov 2026\nSubject: Badge\nMy badge is broken."},
		{"outlook divRplyFwdMsg",
			`<html><body><div>Done.</div><div><br></div><hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg" dir="ltr"><b>From:</b> Support<br><b>Sent:</b> Monday<br><b>To:</b> Priya<br><b>Subject:</b> VPN</div><div>Old text</div><div>More old text</div></body></html>`,
			"Done."},
		{"outlook desktop divider",
			`<div class="WordSection1"><p class="MsoNormal">C'est bon.</p><div><div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm"><p class="MsoNormal"><b>De&nbsp;:</b> Support<br><b>Envoyé&nbsp;:</b> lundi<br><b>À&nbsp;:</b> Céline<br><b>Objet&nbsp;:</b> Imprimante</p></div></div><p class="MsoNormal">Ancien message</p></div>`,
			"C'est bon."},
		{"apple blockquote cite",
			`<html><body><div>Thanks!</div><div><br><blockquote type="cite"><div>On 23 Nov 2026, at 10:05, Alice wrote:</div><br><div>Try again.</div></blockquote></div></body></html>`,
			"Thanks!"},
		{"apple attribution before cite",
			`<div>Merci !</div><div><br><div>Le 23 nov. 2026 à 10:05, Alice &lt;alice@corp.example&gt; a écrit :</div><br><blockquote type="cite"><div>Réessayez.</div></blockquote></div>`,
			"Merci !"},
		{"thunderbird",
			`<body><p>Works.</p><div class="moz-cite-prefix">On 23/11/2026 10:05, Alice wrote:<br></div><blockquote type="cite">Try again.</blockquote></body>`,
			"Works."},
		{"plain blockquote inline",
			`<p>See below.</p><blockquote>Which room?</blockquote><p>Room 204, building B, second floor.</p><p>Since this morning.</p><p>Thanks</p>`,
			"See below.\n\n> Which room?\n\nRoom 204, building B, second floor.\n\nSince this morning.\n\nThanks"},
		{"signature", `<p>OK.</p><p>Sent from my iPhone</p>`, "OK."},
		{"zimbra",
			`<html><body><div style="font-family: arial"><div>Toujours pareil.</div><div><br></div><hr id="zwchr" data-marker="__DIVIDER__"><div data-marker="__HEADERS__"><b>De: </b>"Support" &lt;helpdesk@corp.example&gt;<br><b>À: </b>"Lucas" &lt;l@corp.example&gt;<br><b>Envoyé: </b>Lundi 30 Novembre 2026 19:37:00<br><b>Objet: </b>[HD #5] Demande reçue<br></div><br><div data-marker="__QUOTED_TEXT__"><div>Bonjour Lucas,</div></div></div></body></html>`,
			"Toujours pareil."},
		{"zimbra plain rule",
			`<div>Toujours pareil.</div><div><br></div><div>----- Mail original -----</div><div>De: "Support" &lt;helpdesk@corp.example&gt;</div><div>À: l@corp.example</div><div>Envoyé: Lundi 30 Novembre 2026</div><div>Objet: Demande reçue</div><div><br></div><div>Bonjour Lucas,</div>`,
			"Toujours pareil."},
		{"apple forward kept",
			`<div>Pour info.</div><div><br><div>Début du message réexpédié :</div><br><blockquote type="cite"><div><b>De: </b>Bob &lt;bob@corp.example&gt;</div><div><b>Objet: </b>Badge</div><br><div>Mon badge ne marche pas.</div></blockquote></div>`,
			"Pour info.\n\nDébut du message réexpédié :\n\n> De: Bob <bob@corp.example>\n> Objet: Badge\n>\n> Mon badge ne marche pas."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := VisibleHTML(tt.in); got != tt.want {
				t.Errorf("VisibleHTML:\n%s\n--- want:\n%s", got, tt.want)
			}
		})
	}
}

func TestHTMLToTextOutlookParagraphs(t *testing.T) {
	in := `<div class=WordSection1><p class=MsoNormal>Bonjour,<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p><p class=MsoNormal>C'est réparé.<o:p></o:p></p><p class=MsoNormal>Merci,<o:p></o:p></p><p class=MsoNormal>Céline<o:p></o:p></p></div>`
	want := "Bonjour,\n\nC'est réparé.\nMerci,\nCéline"
	if got := HTMLToText(in); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
