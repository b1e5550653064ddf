package tickets

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"mime/quotedprintable"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message"
)

// TestDeskLinksNotKept: a staff member answers a sign-in mail they did not ask for, quoting it
// ("is this phishing?"); a requester forwards a desk mail with their page and vote links. The
// tickets these open keep none of the links' tokens (nothing shows them to other technicians or
// quotes them in notices), the sign-in link is spent, and a link of another site is left alone.
func TestDeskLinksNotKept(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	var nonce string
	if err := d.Update(ctx, t0, func(tx *Tx) error {
		var err error
		nonce, err = tx.IssueSignIn("nadia@corp.example")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	signIn := d.Signer.SignInToken(nonce, "nadia@corp.example")
	page := d.Signer.Link(LinkClaim{Purpose: LinkPage, TicketID: 7, Recipient: "sophie@corp.example", Expires: t0.AddDate(0, 2, 0)})
	vote := d.Signer.Link(LinkClaim{Purpose: LinkSolved, TicketID: 7, Recipient: "sophie@corp.example", Expires: t0.AddDate(0, 2, 0)})
	other := "https://git.example.org/r/" + strings.Repeat("Ab3_", 12)
	phishing := request("p@x", "nadia@corp.example", "RE: [HD] Votre lien de connexion",
		"Bonjour, je n'ai rien demandé, est-ce une tentative de phishing ?\n\n> Votre lien : https://desk.corp.example/signin/"+signIn+"\n> Il expire dans 15 minutes.")
	forward := request("f@x", "sophie@corp.example", "TR: [HD #7] Demande résolue",
		"Marc, regarde ça.\n\nSuivi : https://desk.corp.example/r/"+page+"\nRésolu ? https://desk.corp.example/v/"+vote+"\nVoir aussi "+other)
	forward.Attachments = []IncomingAttachment{{Name: "message.txt", ContentType: "text/plain; charset=utf-8", Data: []byte("lien https://desk.corp.example/r/" + page)}}
	ingest(t, d, t0.Add(time.Minute), phishing, forward)

	var texts []string
	rows, err := d.Store.Reader().Query(`SELECT text FROM events`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		texts = append(texts, s)
	}
	rows.Close()
	all := strings.Join(texts, "\n")
	for name, token := range map[string]string{"sign-in": signIn, "page": page, "vote": vote} {
		if strings.Contains(all, token) {
			t.Errorf("the %s link's token is kept in the history", name)
		}
	}
	if !strings.Contains(all, "/signin/…") || !strings.Contains(all, "/r/…") || !strings.Contains(all, other) {
		t.Errorf("history:\n%s", all)
	}
	var data []byte
	if err := d.Store.Reader().QueryRow(`SELECT data FROM attachments WHERE name = 'message.txt'`).Scan(&data); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), page) {
		t.Error("the page link's token is kept in the text file")
	}
	if _, _, err := d.SignIn(ctx, signIn, t0.Add(2*time.Minute)); !errors.Is(err, ErrSignIn) {
		t.Errorf("the sign-in link that came back still works: %v", err)
	}
}

// issueSignInLink issues a sign-in link for addr at t0 and returns its token.
func issueSignInLink(t *testing.T, d *Desk, addr string) string {
	t.Helper()
	var nonce string
	if err := d.Update(context.Background(), t0, func(tx *Tx) error {
		var err error
		nonce, err = tx.IssueSignIn(addr)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return d.Signer.SignInToken(nonce, addr)
}

// TestDeskLinksNotKeptInForwardedMail: a staff member forwards her sign-in mail as an .eml file
// (its HTML part base64, its text part quoted-printable with the token cut by a soft line break)
// and as an HTML file, asking whether it is phishing. The files any staff can download keep
// neither the sign-in nor the page link's token, the .eml still reads as the mail it was, and
// the sign-in link is spent.
func TestDeskLinksNotKeptInForwardedMail(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	signIn := issueSignInLink(t, d, "nadia@corp.example")
	page := d.Signer.Link(LinkClaim{Purpose: LinkPage, TicketID: 7, Recipient: "nadia@corp.example", Expires: t0.AddDate(0, 2, 0)})
	url := "https://desk.corp.example/signin/" + signIn
	var qp strings.Builder
	w := quotedprintable.NewWriter(&qp)
	if _, err := w.Write([]byte("Bonjour Nadia, voici votre lien de connexion \xe0 usage unique, valable quinze minutes : " + url + "\r\nSuivi : https://desk.corp.example/r/" + page + "\r\n")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(qp.String(), signIn) {
		t.Fatal("the test's quoted-printable text should cut the token")
	}
	html := base64.StdEncoding.EncodeToString([]byte(`<p>Bonjour Nadia, <a href="` + url + `">Se connecter</a></p>`))
	eml := "From: helpdesk@corp.example\r\nTo: nadia@corp.example\r\nSubject: Votre lien\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n" +
		"--b1\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" + qp.String() + "\r\n" +
		"--b1\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" + html + "\r\n--b1--\r\n"
	fw := request("p@x", "nadia@corp.example", "TR: lien de connexion suspect", "Bonjour, est-ce du phishing ? (mail joint)")
	fw.Attachments = []IncomingAttachment{
		{Name: "Votre lien.eml", ContentType: "message/rfc822", Data: []byte(eml), Size: int64(len(eml))},
		{Name: "lien.html", ContentType: "text/html; charset=utf-8", Data: []byte(`<a href="` + url + `">x</a> <a href="https://desk.corp.example/r/` + page + `">suivi</a>`)},
	}
	ingest(t, d, t0.Add(time.Minute), fw)

	rows, err := d.Store.Reader().Query(`SELECT name, data FROM attachments`)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for rows.Next() {
		var n string
		var b []byte
		if err := rows.Scan(&n, &b); err != nil {
			t.Fatal(err)
		}
		files[n] = b
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 {
		t.Fatalf("stored files: %d, want 2", len(files))
	}
	for n, b := range files {
		if bytes.Contains(b, []byte(signIn)) || bytes.Contains(b, []byte(page)) {
			t.Errorf("%s keeps a link token as stored", n)
		}
	}
	if !bytes.Contains(files["lien.html"], []byte("/signin/…")) || !bytes.Contains(files["lien.html"], []byte("/r/…")) {
		t.Errorf("lien.html: %s", files["lien.html"])
	}
	// The .eml, decoded, reads as the mail it was, tokens aside.
	var decoded strings.Builder
	e, err := message.Read(bytes.NewReader(files["Votre lien.eml"]))
	if err != nil {
		t.Fatal(err)
	}
	if e.Header.Get("Subject") != "Votre lien" {
		t.Errorf("the .eml lost its header: %v", e.Header)
	}
	if err := e.Walk(func(_ []int, p *message.Entity, err error) error {
		if err != nil {
			return err
		}
		if p.MultipartReader() == nil {
			b, err := io.ReadAll(p.Body)
			decoded.Write(b)
			return err
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got := decoded.String()
	if strings.Contains(got, signIn) || strings.Contains(got, page) {
		t.Error("the .eml keeps a link token once decoded")
	}
	for _, want := range []string{"usage unique", "/signin/…", "/r/…", "Se connecter"} {
		if !strings.Contains(got, want) {
			t.Errorf("the .eml, decoded, lacks %q:\n%s", want, got)
		}
	}
	if _, _, err := d.SignIn(ctx, signIn, t0.Add(2*time.Minute)); !errors.Is(err, ErrSignIn) {
		t.Errorf("the sign-in link forwarded in an .eml still works: %v", err)
	}
}

// TestSignInSpentFromRawMail: a sign-in link the desk's reader kept no text or file of (here the
// link of a base64 HTML part, the mail's text being its plain alternative) is spent all the same.
func TestSignInSpentFromRawMail(t *testing.T) {
	d := newTestDesk(t)
	signIn := issueSignInLink(t, d, "nadia@corp.example")
	html := base64.StdEncoding.EncodeToString([]byte(`<a href="https://desk.corp.example/signin/` + signIn + `">Se connecter</a>`))
	in := request("h@x", "nadia@corp.example", "TR: Votre lien", "Est-ce du phishing ?")
	in.Raw = []byte("From: nadia@corp.example\r\nSubject: TR: Votre lien\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain\r\n\r\nEst-ce du phishing ?\r\n--b\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\n" + html + "\r\n--b--\r\n")
	ingest(t, d, t0.Add(time.Minute), in)
	if _, _, err := d.SignIn(context.Background(), signIn, t0.Add(2*time.Minute)); !errors.Is(err, ErrSignIn) {
		t.Errorf("a sign-in link in the raw mail's HTML part still works: %v", err)
	}
}

// TestMayHoldSignIn: the cheap look finds a sign-in path in base64 at any alignment, and none
// in a mail without one.
func TestMayHoldSignIn(t *testing.T) {
	for k := range 3 {
		url := strings.Repeat("x", k) + `<a href="https://desk.corp.example/signin/abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ">`
		raw := "Content-Transfer-Encoding: base64\r\n\r\n" + base64.StdEncoding.EncodeToString([]byte(url))
		if !mayHoldSignIn([]byte(raw)) {
			t.Errorf("alignment %d: %s not seen", k, raw)
		}
	}
	plain := "Content-Transfer-Encoding: base64\r\n\r\n" + base64.StdEncoding.EncodeToString([]byte("Bonjour, mon imprimante ne marche plus. https://intranet.corp.example/sign/in"))
	if mayHoldSignIn([]byte(plain)) {
		t.Errorf("a mail without a sign-in path: %s", plain)
	}
}
