package mailin

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/pelletier/go-toml/v2"

	"github.com/deskd/deskd/tickets"
	"github.com/deskd/deskd/tickets/storetest"
)

// testServer is an in-process IMAP server on 127.0.0.1 with one user, "helpdesk".
type testServer struct {
	addr  string
	user  *imapmemserver.User            // The desk's: helpdesk.
	users map[string]*imapmemserver.User // Every account, helpdesk and those others asked for.
	srv   *imapserver.Server
}

// newTestServer starts an in-memory IMAP server with the account helpdesk, and the others named,
// each with an INBOX and the password "secret".
func newTestServer(t testing.TB, others ...string) *testServer {
	t.Helper()
	mem := imapmemserver.New()
	users := map[string]*imapmemserver.User{}
	for _, name := range append([]string{"helpdesk"}, others...) {
		u := imapmemserver.NewUser(name, "secret")
		if err := u.Create("INBOX", nil); err != nil {
			t.Fatal(err)
		}
		mem.AddUser(u)
		users[name] = u
	}
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}, imap.CapIdle: {}, imap.CapMove: {}, imap.CapUIDPlus: {}},
		InsecureAuth: true,
		Logger:       discardLogger{},
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return &testServer{addr: ln.Addr().String(), user: users["helpdesk"], users: users, srv: srv}
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}

type literal struct {
	*bytes.Reader
	n int64
}

func (l literal) Size() int64 { return l.n }

// deliver appends a raw mail to a mailbox, as an MTA would.
func (s *testServer) deliver(t testing.TB, mailbox, raw string) {
	t.Helper()
	s.deliverTo(t, s.user, mailbox, raw)
}

// deliverTo appends a mail to an account's mailbox.
func (s *testServer) deliverTo(t testing.TB, u *imapmemserver.User, mailbox, raw string) {
	t.Helper()
	b := []byte(strings.ReplaceAll(raw, "\n", "\r\n"))
	if _, err := u.Append(mailbox, literal{bytes.NewReader(b), int64(len(b))}, &imap.AppendOptions{}); err != nil {
		t.Fatal(err)
	}
}

// mailbox lists a mailbox's messages: their UIDs and whether they are \Seen.
func (s *testServer) mailbox(t testing.TB, name string) (n int, seen int) {
	t.Helper()
	c, err := imapclient.DialInsecure(s.addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("helpdesk", "secret").Wait(); err != nil {
		t.Fatal(err)
	}
	st, err := c.Status(name, &imap.StatusOptions{NumMessages: true, NumUnseen: true}).Wait()
	if err != nil {
		return 0, 0
	}
	return int(*st.NumMessages), int(*st.NumMessages - *st.NumUnseen)
}

// sampleConfig is the sample desk of cmd/deskd/config: what `deskd init` writes and the demo runs on.
var sampleConfig = func() string {
	b, err := os.ReadFile(filepath.Join("..", "cmd", "deskd", "config", "sample.toml"))
	if err != nil {
		panic(err)
	}
	return string(b)
}()

// testDesk is a desk on a fresh database, with the settings of its ingester.
type testDesk struct {
	*tickets.Desk
	settings Settings
	db       string // The database file.
}

func newDesk(t testing.TB, addr, done string, batch int) *testDesk {
	t.Helper()
	file := struct {
		tickets.Config
		IMAP Config `toml:"imap"`
	}{tickets.DefaultConfig(), DefaultConfig()}
	if err := toml.Unmarshal([]byte(sampleConfig), &file); err != nil {
		t.Fatal(err)
	}
	// The sample desk on the test's server, without TLS.
	file.IMAP.Address, file.IMAP.Security, file.IMAP.Password = addr, "none", "secret"
	file.IMAP.DoneMailbox, file.IMAP.BatchSize = done, batch
	cfg := file.Config
	cfg.Incidents.Detect = false // The tests open many requests alike, each its own.
	cfg.Complete()
	if err := cfg.Validate([]string{"en", "fr"}); err != nil {
		t.Fatal(err)
	}
	db := storetest.Database(t)
	store, err := tickets.OpenStore(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = store.Close() })
	d, err := tickets.NewDesk(&cfg, store, []byte("0123456789abcdef0123456789abcdef"), nil)
	if err != nil {
		t.Fatal(err)
	}
	s := Settings{IMAP: file.IMAP, Parse: DeskOptions(cfg.Desk, d.Signer), Language: cfg.Desk.Language}
	return &testDesk{Desk: d, settings: s, db: db}
}

// ingester returns an ingester with the desk's settings.
func (d *testDesk) ingester() *Ingester { return NewIngester(d.Desk, d.settings, nil) }

// state reads the ingester's state of a mailbox, as the desk stores it.
func (d *testDesk) state(t testing.TB, mailbox string) mailboxState {
	t.Helper()
	cfg := d.settings.IMAP
	cfg.Mailbox = mailbox
	st, err := d.ingester().loadState(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// setState records the ingester's state of a mailbox, as a crashed run would have left it.
func (d *testDesk) setState(t testing.TB, mailbox string, st mailboxState) {
	t.Helper()
	if err := d.ingester().saveState(context.Background(), mailbox, st); err != nil {
		t.Fatal(err)
	}
}

func testMail(id, from, subject, body string, headers ...string) string {
	h := ""
	for _, x := range headers {
		h += x + "\n"
	}
	return fmt.Sprintf("From: %s\nTo: helpdesk@corp.example\nSubject: %s\nMessage-ID: <%s>\nDate: Thu, 26 Nov 2026 09:00:00 +0100\n%sContent-Type: text/plain; charset=utf-8\n\n%s\n", from, subject, id, h, body)
}

func count(t testing.TB, d *testDesk, q string) int {
	t.Helper()
	var n int
	if err := d.Store.Reader().QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestOnceOpensThreadsAndFlags(t *testing.T) {
	srv := newTestServer(t)
	d := newDesk(t, srv.addr, "", 100)
	ctx := context.Background()
	g := d.ingester()

	srv.deliver(t, "INBOX", testMail("q1@client", "Céline Dupré <celine@corp.example>", "Le VPN ne marche plus", "Bonjour,\nle vpn ne se connecte plus depuis ce matin.\nMerci"))
	srv.deliver(t, "INBOX", testMail("q1@client", "Céline Dupré <celine@corp.example>", "Le VPN ne marche plus", "same mail delivered twice"))
	srv.deliver(t, "INBOX", testMail("ooo@client", "paul@corp.example", "Out of Office", "I am away", "Auto-Submitted: auto-replied"))
	st, err := g.Once(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Opened != 1 || st.Duplicates != 1 || st.Automatic != 1 {
		t.Fatalf("stats %+v", st)
	}
	if n, seen := srv.mailbox(t, "INBOX"); n != 3 || seen != 3 {
		t.Fatalf("INBOX %d messages, %d seen; want all 3 flagged", n, seen)
	}
	tk, err := d.Store.Ticket(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Requester != "celine@corp.example" || tk.RequesterName != "Céline Dupré" || tk.Language != "fr" || tk.Category != "network" {
		t.Fatalf("ticket %+v", tk)
	}

	// A reply threaded by In-Reply-To to the desk's acknowledgement, with quoted history.
	reply := testMail("q2@client", "celine@corp.example", "Re: [HD #1] Demande reçue", "C'est le bureau 204.\n\nLe jeu. 26 nov. 2026 à 10:05, Support Informatique <helpdesk@corp.example> a écrit :\n> Nous avons bien reçu votre demande.\n", "In-Reply-To: <"+tk.RootMessageID+">")
	srv.deliver(t, "INBOX", reply)
	if st, err = g.Once(ctx); err != nil || st.Appended != 1 || st.Fetched != 1 {
		t.Fatalf("second pass %+v %v (only the new mail must be fetched)", st, err)
	}
	show, err := d.Store.Show(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	var last tickets.EventJSON
	for _, e := range show.Events {
		if e.Kind == "message" {
			last = e
		}
	}
	if last.Text != "C'est le bureau 204." {
		t.Fatalf("visible text %q: the quoted history must be stripped", last.Text)
	}
	var raw []byte
	if err := d.Store.Reader().QueryRow(`SELECT raw FROM messages WHERE message_id = 'q2@client'`).Scan(&raw); err != nil || !bytes.Contains(raw, []byte("Nous avons bien re")) {
		t.Fatalf("the raw original is not kept whole (%v)", err)
	}
}

func TestMoveToDoneMailbox(t *testing.T) {
	srv := newTestServer(t)
	d := newDesk(t, srv.addr, "Done", 100)
	srv.deliver(t, "INBOX", testMail("a@x", "a@corp.example", "wifi", "wifi down"))
	if _, err := d.ingester().Once(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n, _ := srv.mailbox(t, "INBOX"); n != 0 {
		t.Fatalf("%d left in INBOX", n)
	}
	if n, _ := srv.mailbox(t, "Done"); n != 1 {
		t.Fatalf("%d in Done", n)
	}
}

// TestCrashBetweenCommitAndFlag: the ticket was committed but the process died before the mail
// was flagged; the next run must flag it without opening a second ticket.
func TestCrashBetweenCommitAndFlag(t *testing.T) {
	srv := newTestServer(t)
	d := newDesk(t, srv.addr, "", 100)
	ctx := context.Background()
	raw := testMail("c@x", "c@corp.example", "vpn", "vpn down")
	srv.deliver(t, "INBOX", raw)
	m, err := Parse([]byte(strings.ReplaceAll(raw, "\n", "\r\n")), d.settings.Parse)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Ingest(ctx, time.Now(), []*tickets.Incoming{Incoming(m, "fr")}); err != nil {
		t.Fatal(err)
	}
	st, err := d.ingester().Once(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Duplicates != 1 || count(t, d, `SELECT COUNT(*) FROM tickets`) != 1 || count(t, d, `SELECT COUNT(*) FROM outbox WHERE kind = 'ack'`) != 1 {
		t.Fatalf("stats %+v: doubled", st)
	}
	if _, seen := srv.mailbox(t, "INBOX"); seen != 1 {
		t.Fatal("not flagged after the restart")
	}
}

func TestUIDValidityChangeRescansSafely(t *testing.T) {
	srv := newTestServer(t)
	d := newDesk(t, srv.addr, "", 100)
	ctx := context.Background()
	g := d.ingester()
	srv.deliver(t, "INBOX", testMail("u1@x", "u@corp.example", "vpn", "one"))
	if _, err := g.Once(ctx); err != nil {
		t.Fatal(err)
	}
	s1 := d.state(t, "INBOX")
	v1, last := s1.UIDValidity, s1.LastUID
	// The server rebuilds the mailbox: new UIDVALIDITY, the old mail again plus a new one.
	if err := srv.user.Delete("INBOX"); err != nil {
		t.Fatal(err)
	}
	if err := srv.user.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	srv.deliver(t, "INBOX", testMail("u1@x", "u@corp.example", "vpn", "one"))
	srv.deliver(t, "INBOX", testMail("u2@x", "v@corp.example", "wifi", "two"))
	st, err := g.Once(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s2 := d.state(t, "INBOX")
	v2, last2 := s2.UIDValidity, s2.LastUID
	if v2 == v1 || st.Duplicates != 1 || st.Opened != 1 || last2 != 2 || last != 1 {
		t.Fatalf("validity %d→%d last %d→%d stats %+v", v1, v2, last, last2, st)
	}
	if n := count(t, d, `SELECT COUNT(*) FROM tickets`); n != 2 {
		t.Fatalf("%d tickets", n)
	}
}

// TestPoisonMailQuarantined: a mail whose processing always fails is retried, then moved to the
// quarantine mailbox; the mails after it are not held up.
func TestPoisonMailQuarantined(t *testing.T) {
	srv := newTestServer(t)
	d := newDesk(t, srv.addr, "", 100)
	ctx := context.Background()
	// Fail any mail with the subject "poison" inside the database, as a disk or constraint
	// error would.
	db := openWriter(t, d)
	trigger := `CREATE TRIGGER poison BEFORE INSERT ON messages WHEN NEW.subject = 'poison'
		BEGIN SELECT RAISE(ABORT, 'poisoned'); END`
	if d.Store.Dialect() == "postgres" {
		trigger = `CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN IF NEW.subject = 'poison' THEN RAISE EXCEPTION 'poisoned'; END IF; RETURN NEW; END $$;
			CREATE TRIGGER poison BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION poison()`
	}
	if _, err := db.ExecContext(ctx, trigger); err != nil {
		t.Fatal(err)
	}
	srv.deliver(t, "INBOX", testMail("p@x", "p@corp.example", "poison", "x"))
	srv.deliver(t, "INBOX", testMail("ok@x", "ok@corp.example", "wifi", "fine"))
	g := d.ingester()
	// One group attempt, then maxAttempts attempts alone.
	for i := 0; i <= maxAttempts; i++ {
		if _, err := g.Once(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := srv.mailbox(t, "deskd-quarantine"); n != 1 {
		t.Fatalf("%d mails in quarantine", n)
	}
	if n, seen := srv.mailbox(t, "INBOX"); n != 1 || seen != 1 {
		t.Fatalf("INBOX: %d mails, %d seen", n, seen)
	}
	if c := count(t, d, `SELECT COUNT(*) FROM tickets`); c != 1 {
		t.Fatalf("%d tickets", c)
	}
	if last := d.state(t, "INBOX").LastUID; last != 2 {
		t.Fatalf("last UID %d", last)
	}
}

func TestRunUsesIdleAndStops(t *testing.T) {
	srv := newTestServer(t)
	d := newDesk(t, srv.addr, "", 100)
	run := startRun(t, d.ingester())
	time.Sleep(100 * time.Millisecond) // Let it reach IDLE; the poll interval is a minute.
	srv.deliver(t, "INBOX", testMail("idle@x", "i@corp.example", "vpn", "idle"))
	if s := run.await("new mail not noticed through IDLE", 10*time.Second); s.Opened != 1 {
		t.Fatalf("stats %+v", s)
	}
	run.stop()
}

func BenchmarkIngest(b *testing.B) {
	srv := newTestServer(b)
	d := newDesk(b, srv.addr, "", 200)
	g := d.ingester()
	ctx := context.Background()
	const perRound = 500
	b.ResetTimer()
	total := 0
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		for j := 0; j < perRound; j++ {
			srv.deliver(b, "INBOX", testMail(fmt.Sprintf("b%d.%d@x", i, j), fmt.Sprintf("user%d@corp.example", j), "Problème de wifi", "Bonjour,\nle wifi ne marche plus au 3e étage.\nMerci"))
		}
		b.StartTimer()
		st, err := g.Once(ctx)
		if err != nil {
			b.Fatal(err)
		}
		total += st.Opened
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "mails/s")
}

// BenchmarkIngestFirstRun is a first import: a fresh desk meets a mailbox of 1,000 unread mails
// (backfill "unseen"), taken in batches of 200.
func BenchmarkIngestFirstRun(b *testing.B) {
	const mails = 1000
	total := 0
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		srv := newTestServer(b)
		d := newDesk(b, srv.addr, "", 200)
		g := d.ingester()
		for j := range mails {
			srv.deliver(b, "INBOX", testMail(fmt.Sprintf("f%d.%d@x", i, j), fmt.Sprintf("user%d@corp.example", j), "Problème de wifi", "Bonjour,\nle wifi ne marche plus au 3e étage.\nMerci"))
		}
		b.StartTimer()
		st, err := g.Once(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if st.Opened != mails {
			b.Fatalf("stats %+v", st)
		}
		total += st.Opened
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "mails/s")
}

// openWriter opens a second connection to the desk's database, to change its schema in tests.
func openWriter(t testing.TB, d *testDesk) *sql.DB {
	t.Helper()
	db, err := tickets.OpenRaw(d.db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// TestHugeMailReadInPart: a mail over max_message is read only that far; its ticket opens with
// the text, and the truncation is recorded.
func TestHugeMailReadInPart(t *testing.T) {
	srv := newTestServer(t)
	d := newDesk(t, srv.addr, "", 100)
	d.settings.IMAP.MaxMessage = 64 << 10
	big := strings.Repeat("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\n", 20000) // ~740 KB of base64.
	raw := "From: big@corp.example\nTo: helpdesk@corp.example\nSubject: wifi logs\nMessage-ID: <big@x>\n" +
		"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nThe wifi drops, logs attached.\n" +
		"--b\nContent-Type: application/octet-stream; name=logs.bin\nContent-Transfer-Encoding: base64\n\n" + big + "--b--\n"
	srv.deliver(t, "INBOX", raw)
	st, err := d.ingester().Once(context.Background())
	if err != nil || st.Opened != 1 {
		t.Fatalf("stats %+v %v", st, err)
	}
	var stored []byte
	if err := d.Store.Reader().QueryRow(`SELECT raw FROM messages WHERE message_id = 'big@x'`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if len(stored) != 64<<10 {
		t.Fatalf("stored %d bytes, want the first %d", len(stored), 64<<10)
	}
	show, err := d.Store.Show(context.Background(), 1)
	if err != nil || !strings.Contains(show.Events[0].Text, "The wifi drops") {
		t.Fatalf("ticket text %q (%v)", show.Events[0].Text, err)
	}
}

// TestCrashingMailSetAside: a mail whose processing kills the process never returns an error, so
// only the attempts recorded before each try can stop it. Its batch-mates, caught in the same
// crashed group commit, are then processed one by one and opened; the culprit alone is
// quarantined after maxAttempts crashes of its own (review finding: the whole batch was).
func TestCrashingMailSetAside(t *testing.T) {
	srv := newTestServer(t)
	d := newDesk(t, srv.addr, "", 100)
	ctx := context.Background()
	srv.deliver(t, "INBOX", testMail("crash@x", "c@corp.example", "crash", "x"))
	srv.deliver(t, "INBOX", testMail("fine1@x", "f1@corp.example", "wifi", "fine"))
	srv.deliver(t, "INBOX", testMail("fine2@x", "f2@corp.example", "vpn", "fine"))
	// A group commit of the three died with the process; then, mail by mail, the two innocent
	// ones committed and the culprit died three times.
	d.setState(t, "INBOX", mailboxState{Inflight: []string{"crash@x", "fine1@x", "fine2@x"},
		Attempts: map[string]int{"crash@x": maxAttempts}})
	st, err := d.ingester().Once(ctx)
	if err != nil || st.Opened != 2 || st.Quarantined != 1 {
		t.Fatalf("stats %+v %v", st, err)
	}
	if n, _ := srv.mailbox(t, "deskd-quarantine"); n != 1 {
		t.Fatalf("%d in quarantine", n)
	}
	if st := d.state(t, "INBOX"); len(st.Attempts)+len(st.Inflight) != 0 {
		t.Fatalf("attempt counters or mails in flight left: %+v", st)
	}
}

// TestBatchMatesOfACrashAreProcessed: after one crashed group commit, the next pass takes the
// mails one by one; all are opened.
func TestBatchMatesOfACrashAreProcessed(t *testing.T) {
	srv := newTestServer(t)
	d := newDesk(t, srv.addr, "", 100)
	ctx := context.Background()
	var ids []string
	for i := 0; i < 3; i++ {
		id := fmt.Sprintf("m%d@x", i)
		ids = append(ids, id)
		srv.deliver(t, "INBOX", testMail(id, fmt.Sprintf("u%d@corp.example", i), "wifi", "down"))
	}
	d.setState(t, "INBOX", mailboxState{Inflight: ids}) // A crashed group commit blames nobody.
	if st, err := d.ingester().Once(ctx); err != nil || st.Opened != 3 || st.Quarantined != 0 {
		t.Fatalf("stats %+v %v", st, err)
	}
}

// TestReloadChangingMailboxReconnects: a reload that changes [imap] ends the session, and the
// next one reads the new mailbox; state is never recorded under the wrong name.
func TestReloadChangingMailboxReconnects(t *testing.T) {
	srv := newTestServer(t)
	if err := srv.user.Create("Support", nil); err != nil {
		t.Fatal(err)
	}
	d := newDesk(t, srv.addr, "", 100)
	g := d.ingester()
	run := startRun(t, g)
	srv.deliver(t, "INBOX", testMail("a@x", "a@corp.example", "vpn", "in INBOX"))
	run.await("INBOX mail not processed", 10*time.Second)
	s := d.settings
	s.IMAP.Mailbox = "Support"
	s.IMAP.PollInterval.Duration = 50 * time.Millisecond
	g.SetConfig(s)
	srv.deliver(t, "Support", testMail("b@x", "b@corp.example", "wifi", "in Support"))
	if s := run.await("the new mailbox was never read", 15*time.Second); s.Opened != 1 {
		t.Fatalf("stats %+v", s)
	}
	run.stop()
	s1, s2 := d.state(t, "INBOX"), d.state(t, "Support")
	v1, last1, v2, last2 := s1.UIDValidity, s1.LastUID, s2.UIDValidity, s2.LastUID
	if last1 != 1 || last2 != 1 || v1 == 0 || v2 == 0 {
		t.Fatalf("INBOX %d/%d, Support %d/%d", v1, last1, v2, last2)
	}
}
