package tickets

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
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
