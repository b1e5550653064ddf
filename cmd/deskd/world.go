package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-smtp"

	"github.com/deskd/deskd/internal/memimap"
)

// world is the demo's embedded mail system on loopback: an SMTP server that delivers mail for the
// desk into the desk's IMAP inbox, and mail for anyone else into that person's own IMAP mailbox,
// so that a mail client can open any mailbox and see what deskd sent.
type world struct {
	IMAPAddr, SMTPAddr string
	Password           string // Every mailbox's password.

	desk  string // The desk address; its mailbox's user name is DeskUser.
	mem   *imapmemserver.Server
	imap  *imapserver.Server
	smtp  *smtp.Server
	mu    sync.Mutex
	users map[string]*imapmemserver.User
	mail  map[string][]*mail.Message // Everything delivered, by recipient, for the story's checks.
	seen  chan struct{}              // Signalled on every delivery.
}

// DeskUser is the IMAP user name of the desk's mailbox.
const DeskUser = "helpdesk"

func startWorld(deskAddress, password string) (*world, error) {
	w := &world{desk: strings.ToLower(deskAddress), Password: password, mem: imapmemserver.New(),
		users: map[string]*imapmemserver.User{}, mail: map[string][]*mail.Message{}, seen: make(chan struct{}, 1)}
	w.user(DeskUser)
	w.imap = imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return memimap.NewSession(w.mem), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}, imap.CapIdle: {}, imap.CapMove: {}, imap.CapUIDPlus: {}},
		InsecureAuth: true,
		Logger:       quietLogger{},
	})
	iln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("imap listen: %w", err)
	}
	go func() { _ = w.imap.Serve(iln) }()
	w.IMAPAddr = iln.Addr().String()

	w.smtp = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &smtpSession{w: w}, nil }))
	w.smtp.Domain = "localhost"
	w.smtp.AllowInsecureAuth = true
	w.smtp.ReadTimeout, w.smtp.WriteTimeout = time.Minute, time.Minute
	w.smtp.MaxMessageBytes = 50 << 20
	sln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = w.imap.Close()
		return nil, fmt.Errorf("smtp listen: %w", err)
	}
	go func() { _ = w.smtp.Serve(sln) }()
	w.SMTPAddr = sln.Addr().String()
	return w, nil
}

func (w *world) Close() error {
	return errors.Join(w.smtp.Close(), w.imap.Close())
}

type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}

// user returns the IMAP user for an address (or the desk user name), creating it.
func (w *world) user(name string) *imapmemserver.User {
	w.mu.Lock()
	defer w.mu.Unlock()
	if u, ok := w.users[name]; ok {
		return u
	}
	u := imapmemserver.NewUser(name, w.Password)
	if err := u.Create("INBOX", nil); err != nil {
		panic(err) // A new user has no mailbox yet.
	}
	w.mem.AddUser(u)
	w.users[name] = u
	return u
}

type literal struct{ *bytes.Reader }

func (l literal) Size() int64 { return l.Reader.Size() }

// deliver puts a mail in a recipient's INBOX, with the Return-Path (the envelope sender) and
// Delivered-To (the envelope recipient) a final delivery adds (RFC 5321 section 4.4).
func (w *world) deliver(from, rcpt string, raw []byte) error {
	rcpt = strings.ToLower(rcpt)
	trace := "Delivered-To: " + rcpt + "\r\n"
	if !bytes.HasPrefix(raw, []byte("Return-Path:")) && !bytes.Contains(raw, []byte("\nReturn-Path:")) {
		trace = "Return-Path: <" + from + ">\r\n" + trace
	}
	raw = append([]byte(trace), raw...)
	name := rcpt
	local, domain, _ := strings.Cut(rcpt, "@")
	deskLocal, deskDomain, _ := strings.Cut(w.desk, "@")
	if domain == deskDomain && (local == deskLocal || strings.HasPrefix(local, deskLocal+"+")) {
		name = DeskUser
	}
	if _, err := w.user(name).Append("INBOX", literal{bytes.NewReader(raw)}, &imap.AppendOptions{Time: time.Now()}); err != nil {
		return fmt.Errorf("deliver to %s: %w", rcpt, err)
	}
	if m, err := mail.ReadMessage(bytes.NewReader(raw)); err == nil {
		w.mu.Lock()
		w.mail[rcpt] = append(w.mail[rcpt], m)
		w.mu.Unlock()
	}
	select {
	case w.seen <- struct{}{}:
	default:
	}
	return nil
}

// received returns the mails delivered to an address so far.
func (w *world) received(addr string) []*mail.Message {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]*mail.Message(nil), w.mail[strings.ToLower(addr)]...)
}

// smtpSession receives one SMTP transaction.
type smtpSession struct {
	w     *world
	from  string
	rcpts []string
}

func (s *smtpSession) AuthMechanisms() []string { return nil }
func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}
func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.rcpts = append(s.rcpts, to)
	return nil
}
func (s *smtpSession) Reset()        { s.from, s.rcpts = "", nil }
func (s *smtpSession) Logout() error { return nil }
func (s *smtpSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	for _, rc := range s.rcpts {
		if err := s.w.deliver(s.from, rc, raw); err != nil {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: err.Error()}
		}
	}
	return nil
}
