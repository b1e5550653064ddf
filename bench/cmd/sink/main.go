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
//
// The SMTP side is written here (smtp.go), not with go-smtp, which this sink used before: the
// sink runs on the same cores as the deskd it measures, and go-smtp's DATA reader takes the
// message a byte at a time, its header is parsed whole, and each reply is written and flushed
// by itself. This one reads the message a line at a time from its buffer, keeps the four header
// fields it counts, and sends the replies of a pipelined group in one write, as Postfix does.
// A 4.4 kB acknowledgement of mailout's golden file, sent as deskd sends it (one write a mail,
// pipelined) by a client in another process: go-smtp's sink took 472,300 instructions a mail,
// this one 40,200 (callgrind on the sink process, GOMAXPROCS=1, 2,500 mails less 500); by
// /proc/PID/stat over 20,000 mails, at load 12 on 2 cores, 234–272 CPU-µs a mail against 43–54.
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"
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
	go func() {
		if err := k.serve(sl); err != nil {
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
	_ = sl.Close()
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

// fields are the header fields the sink keeps of a mail (the first of each), unfolded and
// trimmed as textproto.Reader.ReadMIMEHeader gives them.
type fields struct {
	messageID, kind, ticket, inReplyTo string
}

func (k *sink) add(at time.Time, rcpts int, size int64, h fields, perr error) {
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
	id := strings.Trim(h.messageID, "<> ")
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
	kind, ticket := h.kind, h.ticket
	k.kinds[kind]++
	if kind == "ack" || kind == "assigned" {
		k.per[kind+" "+ticket]++
	}
	if kind == "ack" {
		irt := strings.ToLower(strings.Trim(h.inReplyTo, "<> "))
		if _, ok := k.ackAt[irt]; !ok {
			k.ackAt[irt] = ns
		}
	}
}

// mailID is what the copies of one mail share in their Message-ID, "dk.TOKEN.RANDOM@domain":
// RANDOM@domain. Any other Message-ID is its own.
func mailID(id string) string {
	local, domain, ok := strings.Cut(id, "@")
	token, random, two := strings.Cut(strings.TrimPrefix(local, "dk."), ".")
	if !ok || !strings.HasPrefix(local, "dk.") || !two || strings.Contains(random, ".") || strings.Contains(token, ".") {
		return id
	}
	return random + "@" + domain
}
