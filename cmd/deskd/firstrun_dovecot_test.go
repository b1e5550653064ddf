package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	deskconfig "github.com/deskd/deskd/cmd/deskd/config"
)

// appendMail puts a mail into the desk's INBOX over IMAP, with its flags and its INTERNALDATE,
// as a mail client moving old mail in would.
func (dc *dovecot) appendMail(t *testing.T, c *imapclient.Client, raw []byte, arrived time.Time, flags ...imap.Flag) {
	t.Helper()
	raw = bytes.ReplaceAll(raw, []byte("\n"), []byte("\r\n"))
	cmd := c.Append("INBOX", int64(len(raw)), &imap.AppendOptions{Flags: flags, Time: arrived})
	if _, err := cmd.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := cmd.Wait(); err != nil {
		t.Fatalf("append: %v", err)
	}
}

// inboxFlags returns the flags of every mail in the INBOX, by Message-ID.
func (dc *dovecot) inboxFlags(t *testing.T) map[string][]imap.Flag {
	t.Helper()
	c, err := imapclient.DialInsecure(dc.addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("helpdesk", "secret").Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Fetch(imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}, &imap.FetchOptions{Flags: true, Envelope: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]imap.Flag{}
	for _, m := range msgs {
		out[m.Envelope.MessageID] = m.Flags
	}
	return out
}

// TestDovecotFirstRun: a new desk pointed at a real Dovecot INBOX that holds 20 read
// two-month-old mails, one unread from a month ago and one unread from this morning. deskd
// check says what the first run will take; deskd poll --once opens two tickets, acknowledges only
// this morning's (the month-old one is past ack_max_age), tells the technician of both, and
// leaves the 20 read mails as they were. A second desk on another database, on the same
// mailbox, takes nothing: everything there is read by then.
func TestDovecotFirstRun(t *testing.T) {
	if _, err := os.Stat(dovecotBin); err != nil {
		t.Skipf("Dovecot is not installed (%s: %v)", dovecotBin, err)
	}
	if os.Geteuid() != 0 {
		t.Skip("the test starts its own Dovecot, which must run as root")
	}
	dc := newDovecot(t)
	dc.start(t)
	sink := newMailSink(t)
	dir := filepath.Join(dc.dir, "deskd")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "deskd.toml")
	text := onTestDatabase(t, deskconfig.Local(deskconfig.Sample(), dc.addr, "secret", sink.addr))
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	deskd := func(args ...string) (string, int) {
		t.Helper()
		var out, errOut bytes.Buffer
		code := run(context.Background(), append(args, "--config", path), &out, &errOut)
		return out.String() + errOut.String(), code
	}

	c, err := imapclient.DialInsecure(dc.addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("helpdesk", "secret").Wait(); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	mail := func(id, from, subject string) []byte {
		return mailText(map[string]string{"From": from, "To": "helpdesk@corp.example", "Subject": subject, "Message-ID": "<" + id + ">"}, subject+"\n")
	}
	for i := range 20 {
		dc.appendMail(t, c, mail(fmt.Sprintf("old%d@client.example", i), fmt.Sprintf("user%d@corp.example", i), "Le VPN ne marche plus"),
			now.AddDate(0, -2, 0), imap.FlagSeen)
	}
	dc.appendMail(t, c, mail("month@client.example", "late@corp.example", "L'imprimante est en panne"), now.AddDate(0, 0, -30))
	dc.appendMail(t, c, mail("today@client.example", "fresh@corp.example", "Le wifi ne marche plus"), now.Add(-time.Hour))

	out, code := deskd("check")
	want := "first run: 2 mails (1 arrived over 7d ago: a ticket, no acknowledgement); 20 already read are left alone"
	if code != 0 || !strings.Contains(out, want) {
		t.Fatalf("deskd check: exit %d; want %q in:\n%s", code, want, out)
	}
	t.Logf("deskd check:\n%s", strings.TrimSpace(out))

	out, code = deskd("poll", "--once")
	if code != 0 || !strings.Contains(out, "fetched 2: opened 2,") || !strings.Contains(out, "sent 3") {
		t.Fatalf("deskd poll --once: exit %d; want two tickets and three mails:\n%s", code, out)
	}
	var acks, notices []string
	for _, m := range sink.all() {
		switch m.header.Get("X-Deskd-Kind") {
		case "ack":
			acks = append(acks, m.rcpt...)
		case "assigned":
			notices = append(notices, m.header.Get("X-Deskd-Ticket"))
		}
	}
	if !slices.Equal(acks, []string{"fresh@corp.example"}) {
		t.Errorf("acknowledgements went to %v, want this morning's requester alone", acks)
	}
	if slices.Sort(notices); !slices.Equal(notices, []string{"1", "2"}) {
		t.Errorf("assignment notices for tickets %v, want both", notices)
	}
	flags := dc.inboxFlags(t)
	if len(flags) != 22 {
		t.Fatalf("%d mails in the INBOX, want all 22 still there", len(flags))
	}
	for id, f := range flags {
		if !slices.Equal(f, []imap.Flag{imap.FlagSeen}) {
			t.Errorf("%s: flags %v, want \\Seen (the read ones as they were, the two taken flagged)", id, f)
		}
	}
	out, _ = deskd("ticket", "show", "1")
	if !strings.Contains(out, "not sent: arrived") {
		t.Errorf("ticket 1's history does not say why it was not acknowledged:\n%s", out)
	}

	out, code = deskd("check")
	if code != 0 || strings.Contains(out, "first run") {
		t.Fatalf("deskd check after the first run: exit %d, and no first run to announce:\n%s", code, out)
	}

	// The same mailbox, a new database: a first run again, which takes nothing.
	text = freshTestDatabase(t, deskconfig.SetKey(text, "desk", "database", `"other.db"`))
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	out, code = deskd("check")
	if want := "first run: 0 mails; 22 already read are left alone"; code != 0 || !strings.Contains(out, want) {
		t.Fatalf("deskd check on a new database: exit %d; want %q in:\n%s", code, want, out)
	}
	sent := len(sink.all())
	out, code = deskd("poll", "--once")
	if code != 0 || !strings.Contains(out, "fetched 0: opened 0,") || len(sink.all()) != sent {
		t.Fatalf("deskd poll --once on a new database: exit %d, %d mails sent; want nothing:\n%s", code, len(sink.all())-sent, out)
	}
}
