package mailout

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net"
	netmail "net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/pelletier/go-toml/v2"

	"github.com/deskd/deskd/tickets"
	"github.com/deskd/deskd/tickets/storetest"
)

// sink is an in-process SMTP server that keeps what it receives, and can refuse on demand.
type sink struct {
	addr string

	mu       sync.Mutex
	srv      *smtp.Server
	msgs     []sunk
	datas    int                     // DATA commands seen, accepted or not.
	mailErr  func(from string) error // Called for every MAIL FROM; an error refuses the sender.
	rcptErr  func(to string) error   // Called for every RCPT TO; an error refuses the recipient.
	dataErr  func(datas int) error   // Called for every DATA with the count so far.
	maxBytes int64                   // The SIZE the server declares and enforces (from the next start); 0: none.
	maxConns int                     // Sessions at once; more are refused with 421. 0: no limit.
	conns    int                     // Sessions open now.
	peak     int                     // The most sessions open at once.
}

type sunk struct {
	From string
	To   []string
	Data []byte
}

func newSink(t testing.TB) *sink {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	k := &sink{addr: l.Addr().String()}
	k.serve(l)
	t.Cleanup(k.stop)
	return k
}

func (k *sink) serve(l net.Listener) {
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		k.mu.Lock()
		defer k.mu.Unlock()
		if k.maxConns > 0 && k.conns >= k.maxConns {
			return nil, &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0}, Message: "too many connections"}
		}
		k.conns++
		k.peak = max(k.peak, k.conns)
		return &session{k: k}, nil
	}))
	srv.Domain = "sink.example"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	k.mu.Lock()
	srv.MaxMessageBytes = k.maxBytes
	k.srv = srv
	k.mu.Unlock()
	go func() { _ = srv.Serve(l) }()
}

// stop closes the server: connections are refused until start.
func (k *sink) stop() {
	k.mu.Lock()
	srv := k.srv
	k.srv = nil
	k.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// start listens again on the same address.
func (k *sink) start(t testing.TB) {
	t.Helper()
	var l net.Listener
	var err error
	for range 50 { // The port may take a moment to be free again.
		if l, err = net.Listen("tcp", k.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	k.serve(l)
}

// refuse sets the RCPT and DATA hooks (nil for none).
func (k *sink) refuse(rcpt func(to string) error, data func(datas int) error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.rcptErr, k.dataErr = rcpt, data
}

func (k *sink) received() []sunk {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]sunk(nil), k.msgs...)
}

type session struct {
	k    *sink
	from string
	to   []string
}

func (s *session) Reset() { s.from, s.to = "", nil }
func (s *session) Logout() error {
	s.k.mu.Lock()
	s.k.conns--
	s.k.mu.Unlock()
	return nil
}
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.k.mu.Lock()
	f := s.k.mailErr
	s.k.mu.Unlock()
	if f != nil {
		if err := f(from); err != nil {
			return err
		}
	}
	s.from = from
	return nil
}
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.k.mu.Lock()
	f := s.k.rcptErr
	s.k.mu.Unlock()
	if f != nil {
		if err := f(to); err != nil {
			return err
		}
	}
	s.to = append(s.to, to)
	return nil
}
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.k.mu.Lock()
	defer s.k.mu.Unlock()
	s.k.datas++
	if s.k.dataErr != nil {
		if err := s.k.dataErr(s.k.datas); err != nil {
			return err
		}
	}
	s.k.msgs = append(s.k.msgs, sunk{From: s.from, To: s.to, Data: b})
	return nil
}

func smtpErr(code int, msg string) error {
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 0, 0}, Message: msg}
}

// parsed is a received mail, decoded.
type parsed struct {
	Header  netmail.Header
	Subject string
	Text    string
	HTML    string
	Rcpts   []string
}

func parse(t testing.TB, m sunk) parsed {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, m.Data)
	}
	p := parsed{Header: msg.Header, Rcpts: m.To}
	if p.Subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("content type %q, %v", msg.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(part)
		if err != nil {
			t.Fatal(err)
		}
		b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
		switch ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type")); ct {
		case "text/plain":
			p.Text = string(b)
		case "text/html":
			p.HTML = string(b)
		default:
			t.Fatalf("unexpected part %s", ct)
		}
	}
	if p.Text == "" || p.HTML == "" {
		t.Fatalf("a part is missing:\n%s", m.Data)
	}
	return p
}

// env is a desk on a fresh database with a sender pointed at a sink.
type env struct {
	t      testing.TB
	desk   *tickets.Desk
	store  *tickets.Store
	sink   *sink
	sender *Sender
	smtp   Config // The sender's settings.
	dbPath string
}

// sampleConfig is the sample desk of cmd/deskd/config: what `deskd init` writes and the demo runs on.
var sampleConfig = func() string {
	b, err := os.ReadFile(filepath.Join("..", "cmd", "deskd", "config", "sample.toml"))
	if err != nil {
		panic(err)
	}
	return string(b)
}()

// t0 is the tests' clock: a Thursday morning.
var t0 = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

func newEnv(t testing.TB) *env {
	t.Helper()
	k := newSink(t)
	file := struct {
		tickets.Config
		SMTP Config `toml:"smtp"`
	}{tickets.DefaultConfig(), DefaultConfig()}
	if err := toml.Unmarshal([]byte(sampleConfig), &file); err != nil {
		t.Fatal(err)
	}
	// The sample desk, sending to the sink without TLS or login.
	file.SMTP = DefaultConfig()
	file.SMTP.Address = k.addr
	cfg := file.Config
	cfg.Incidents.Detect = false         // The tests open many requests alike, each its own.
	cfg.Categories[0].LabelFR = "Réseau" // The network category, as the tests read it in French mails.
	cfg.Complete()
	if err := cfg.Validate([]string{"en", "fr"}); err != nil {
		t.Fatal(err)
	}
	db := storetest.Database(t)
	store, err := tickets.OpenStore(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := store.Close(); err != nil {
			t.Error(err)
		}
	})
	d, err := tickets.NewDesk(&cfg, store, []byte("0123456789abcdef0123456789abcdef"), nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(file.SMTP, cfg.Desk, store, d.Signer, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.jitter = func(time.Duration) time.Duration { return 0 }
	s.timeout = 5 * time.Second
	return &env{t: t, desk: d, store: store, sink: k, sender: s, smtp: file.SMTP, dbPath: db}
}

// open opens a ticket as a requester's mail would.
func (e *env) open(at time.Time, req tickets.NewTicket) *tickets.Ticket {
	e.t.Helper()
	var tk *tickets.Ticket
	err := e.desk.Update(context.Background(), at, func(tx *tickets.Tx) error {
		var err error
		tk, err = tx.Open(req)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return tk
}

func (e *env) do(id int64, at time.Time, fn func(*tickets.Tx, *tickets.Ticket) error) {
	e.t.Helper()
	if err := e.desk.Do(context.Background(), id, at, fn); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) drain(at time.Time) int {
	e.t.Helper()
	n, err := e.sender.Drain(context.Background(), at)
	if err != nil {
		e.t.Fatalf("drain: %v", err)
	}
	return n
}

// rawDB is a second writer on the test database, for queuing rows no operation makes yet.
func (e *env) rawDB() *sql.DB {
	e.t.Helper()
	db, err := tickets.OpenRaw(e.dbPath)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = db.Close() })
	return db
}

type execer interface {
	Exec(query string, args ...any) (sql.Result, error)
}

// queueRaw inserts an outbox row as tickets.Tx.queue would.
func (e *env) queueRaw(db execer, kind, lang string, n tickets.Notice, to, cc []string, automatic bool, at time.Time) string {
	e.t.Helper()
	id := e.desk.Signer.MessageID(n.Ticket.ID, "corp.example")
	data, _ := json.Marshal(n)
	tj, _ := json.Marshal(to)
	cj, _ := json.Marshal(cc)
	if cc == nil {
		cj = []byte("[]")
	}
	_, err := db.Exec(`INSERT INTO outbox (ticket_id, kind, recipients, cc, language, message_id,
		in_reply_to, refs, automatic, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		n.Ticket.ID, kind, string(tj), string(cj), lang, id, "", "", automatic, at.Unix(), at.Unix())
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO outbox_data (id, data) SELECT id, CAST(? AS TEXT) FROM outbox WHERE message_id = ?`, string(data), id); err != nil {
		e.t.Fatal(err)
	}
	return id
}

// row reads an outbox row's kind, attempts and last error.
func (e *env) row(t testing.TB, id int64) (kind string, attempts int, lastError string) {
	t.Helper()
	if err := e.store.Reader().QueryRow(`SELECT kind, attempts, last_error FROM outbox WHERE id = ?`, id).Scan(&kind, &attempts, &lastError); err != nil {
		t.Fatal(err)
	}
	return kind, attempts, lastError
}

func (e *env) counts() map[string]int {
	e.t.Helper()
	c, err := e.store.OutboxCounts(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func joinSorted(s []string) string { return strings.Join(s, ",") }
