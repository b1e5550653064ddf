// Command sink is the benchmark's SMTP server: it accepts every mail, keeps only what the
// benchmark counts (arrival time, Message-ID, X-Deskd-Kind, X-Deskd-Ticket, In-Reply-To) and
// answers over HTTP:
//
//	GET  /stats   counts: mails, by kind, Message-IDs seen twice, tickets with two acks or notices
//	GET  /acks    for each request's Message-ID, when its acknowledgement was accepted (Unix ns)
//	POST /reset   forget everything
//
// The arrival time is taken when the whole DATA has been read, just before the 250 reply:
// "accepted by the SMTP server".
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"io"
	"log"
	"net"
	"net/http"
	"net/textproto"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/emersion/go-smtp"
)

func main() {
	smtpAddr := flag.String("smtp", "127.0.0.1:0", "SMTP listen address")
	httpAddr := flag.String("http", "127.0.0.1:0", "HTTP listen address for /stats, /acks, /reset")
	ready := flag.String("ready", "", "write \"SMTP_ADDR HTTP_ADDR\" to this file once listening")
	flag.Parse()

	k := &sink{}
	sl, err := net.Listen("tcp", *smtpAddr)
	if err != nil {
		log.Fatal(err)
	}
	hl, err := net.Listen("tcp", *httpAddr)
	if err != nil {
		log.Fatal(err)
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{k: k}, nil }))
	srv.Domain = "sink.example"
	srv.AllowInsecureAuth = true
	srv.MaxMessageBytes = 64 << 20
	srv.MaxRecipients = 1000
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	go func() {
		if err := srv.Serve(sl); err != nil {
			log.Print(err)
		}
	}()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, k.stats()) })
	mux.HandleFunc("GET /acks", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, k.acks()) })
	mux.HandleFunc("POST /reset", func(w http.ResponseWriter, r *http.Request) { k.reset() })
	go func() { log.Print(http.Serve(hl, mux)) }()

	if *ready != "" {
		if err := os.WriteFile(*ready, []byte(sl.Addr().String()+" "+hl.Addr().String()+"\n"), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	_ = srv.Close()
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(v); err != nil {
		log.Print(err)
	}
}

// sink holds what the benchmark needs of every mail received.
type sink struct {
	mu      sync.Mutex
	mails   int
	kinds   map[string]int
	ids     map[string]bool   // Message-IDs seen.
	mailIDs map[string]bool   // Mails seen, a recipient's copy of each (mailID).
	dupIDs  int               // Mails whose Message-ID was seen before.
	per     map[string]int    // "kind ticket" → mails, for acks and assignment notices.
	ackAt   map[string]int64  // In-Reply-To of an ack → Unix ns it was accepted.
	first   int64             // Unix ns of the first and last mail.
	last    int64             //
	rcpts   int               // Recipients, all mails.
	bytes   int64             // Message bytes, all mails.
	errs    map[string]string // Unparsable mails, by the error (at most a few).
}

// Stats is what GET /stats returns.
type Stats struct {
	Mails         int            `json:"mails"`
	Recipients    int            `json:"recipients"`
	Bytes         int64          `json:"bytes"`
	Kinds         map[string]int `json:"kinds"`
	DupMessageIDs int            `json:"dup_message_ids"`
	Doubled       int            `json:"doubled"` // Tickets that got two acks, or two assignment notices.
	FirstNS       int64          `json:"first_ns"`
	LastNS        int64          `json:"last_ns"`
	Errors        []string       `json:"errors"`
}

func (k *sink) reset() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.mails, k.kinds, k.ids, k.dupIDs, k.per, k.ackAt, k.first, k.last, k.rcpts, k.bytes, k.errs = 0, nil, nil, 0, nil, nil, 0, 0, 0, 0, nil
	k.mailIDs = nil
}

func (k *sink) stats() Stats {
	k.mu.Lock()
	defer k.mu.Unlock()
	st := Stats{Mails: k.mails, Recipients: k.rcpts, Bytes: k.bytes, Kinds: map[string]int{}, DupMessageIDs: k.dupIDs,
		FirstNS: k.first, LastNS: k.last, Errors: []string{}}
	for kind, n := range k.kinds {
		st.Kinds[kind] = n
	}
	for _, n := range k.per {
		if n > 1 {
			st.Doubled++
		}
	}
	for e := range k.errs {
		st.Errors = append(st.Errors, e)
	}
	return st
}

func (k *sink) acks() map[string]int64 {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := make(map[string]int64, len(k.ackAt))
	for id, at := range k.ackAt {
		out[id] = at
	}
	return out
}

func (k *sink) add(at time.Time, rcpts int, size int64, h textproto.MIMEHeader, perr error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.kinds == nil {
		k.kinds, k.ids, k.per, k.ackAt, k.errs = map[string]int{}, map[string]bool{}, map[string]int{}, map[string]int64{}, map[string]string{}
		k.mailIDs = map[string]bool{}
	}
	ns := at.UnixNano()
	if k.first == 0 {
		k.first = ns
	}
	k.last = ns
	k.rcpts += rcpts
	k.bytes += size
	if perr != nil {
		k.mails++
		if len(k.errs) < 5 {
			k.errs[perr.Error()] = ""
		}
		return
	}
	id := strings.Trim(h.Get("Message-Id"), "<> ")
	if k.ids[id] {
		k.dupIDs++
	}
	k.ids[id] = true
	// deskd sends each recipient a copy of its own, "dk.TOKEN.RANDOM@domain", whose token names
	// the recipient: copies of one mail share RANDOM@domain, and count as one mail.
	if k.mailIDs[mailID(id)] {
		return
	}
	k.mailIDs[mailID(id)] = true
	k.mails++
	kind, ticket := h.Get("X-Deskd-Kind"), h.Get("X-Deskd-Ticket")
	k.kinds[kind]++
	if kind == "ack" || kind == "assigned" {
		k.per[kind+" "+ticket]++
	}
	if kind == "ack" {
		irt := strings.ToLower(strings.Trim(h.Get("In-Reply-To"), "<> "))
		if _, ok := k.ackAt[irt]; !ok {
			k.ackAt[irt] = ns
		}
	}
}

// mailID is what the copies of one mail share in their Message-ID, "dk.TOKEN.RANDOM@domain":
// RANDOM@domain. Any other Message-ID is its own.
func mailID(id string) string {
	local, domain, ok := strings.Cut(id, "@")
	parts := strings.Split(local, ".")
	if !ok || len(parts) != 3 || parts[0] != "dk" {
		return id
	}
	return parts[2] + "@" + domain
}

// session is one SMTP transaction at a time.
type session struct {
	k     *sink
	rcpts int
}

func (s *session) Reset()                                       { s.rcpts = 0 }
func (s *session) Logout() error                                { return nil }
func (s *session) Mail(string, *smtp.MailOptions) error         { return nil }
func (s *session) Rcpt(to string, opts *smtp.RcptOptions) error { s.rcpts++; return nil }

// Data reads the header, then the rest of the mail without keeping it.
func (s *session) Data(r io.Reader) error {
	cr := &countingReader{r: r}
	br := bufio.NewReader(cr)
	h, perr := textproto.NewReader(br).ReadMIMEHeader()
	if _, err := io.Copy(io.Discard, br); err != nil {
		return err
	}
	s.k.add(time.Now(), s.rcpts, cr.n, h, perr)
	return nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
