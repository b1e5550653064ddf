package mailout

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/deskd/deskd/templates"
	"github.com/deskd/deskd/tickets"
)

// accept answers a scripted server as a server that takes every mail: 354 to DATA, 250 to the
// rest.
func accept(line string) string {
	if line == "DATA" {
		return "354 go on"
	}
	return "250 ok"
}

func testTx(i int) transaction {
	return transaction{from: "desk@corp.example", rcpts: []string{fmt.Sprintf("r%d@corp.example", i)},
		data: []byte(fmt.Sprintf("Subject: %d\r\n\r\nmail %d\r\n", i, i))}
}

// TestTransactPipelinesAcrossMails: with PIPELINING each message goes with the next mail's MAIL,
// RCPT and DATA in one write, and its outcome comes with their replies, not before, in order;
// the last message goes at the flush. The server reads once a mail.
func TestTransactPipelinesAcrossMails(t *testing.T) {
	s := newScripted(t, []string{"PIPELINING"}, accept)
	c := dialScripted(t, s.addr)
	const mails = 5
	var p pipe
	var got []string
	reads := s.nreads.Load()
	for i := 1; i <= mails; i++ {
		if err := c.transact(&p, testTx(i), func(err error) { got = append(got, fmt.Sprintf("%d %v", i, err)) }); err != nil {
			t.Fatal(err)
		}
		for _, o := range p.take() {
			o.done(o.err)
		}
		if len(got) != i-1 {
			t.Fatalf("after mail %d's commands, outcomes %q: want those of the %d before", i, got, i-1)
		}
	}
	c.flush(&p)
	for _, o := range p.take() {
		o.done(o.err)
	}
	if want := "1 <nil>|2 <nil>|3 <nil>|4 <nil>|5 <nil>"; strings.Join(got, "|") != want {
		t.Fatalf("outcomes %q, want %q", got, want)
	}
	for i := 1; i <= mails; i++ {
		if m := <-s.data; m != fmt.Sprintf("Subject: %d\r\n\r\nmail %d\r\n", i, i) {
			t.Fatalf("message %d: %q", i, m)
		}
		if more := <-s.ends; more != (i < mails) {
			t.Errorf("message %d: the next commands came with its final dot: %v", i, more)
		}
	}
	// The first mail's commands, then each message with the next commands, then the last alone.
	if n := s.nreads.Load() - reads; n != mails+1 {
		t.Errorf("%d reads for %d mails, want %d", n, mails, mails+1)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestTransactPipelinedRefusals: in a run, a DATA refused (554) is the refusal of its own
// transaction, and a recipient refused (550) too: the message before each still gets its own
// outcome (accepted), and the session goes on.
func TestTransactPipelinedRefusals(t *testing.T) {
	var mu sync.Mutex
	rcpt := ""
	s := newScripted(t, []string{"PIPELINING"}, func(line string) string {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case strings.HasPrefix(line, "RCPT TO:"):
			rcpt = line[len("RCPT TO:"):]
			if rcpt == "<r3@corp.example>" {
				return "550 5.1.1 no such user"
			}
		case line == "DATA" && rcpt == "<r2@corp.example>":
			return "554 5.7.1 not from you"
		case line == "DATA" && rcpt == "<r3@corp.example>":
			return "503 5.5.1 no valid recipients"
		}
		return accept(line)
	})
	c := dialScripted(t, s.addr)
	var p pipe
	outcome := map[int]string{}
	for i := 1; i <= 5; i++ {
		err := c.transact(&p, testTx(i), func(err error) { outcome[i] = fmt.Sprint(err) })
		for _, o := range p.take() {
			o.done(o.err)
		}
		code, broken := classify(err)
		switch {
		case i == 2 && (code != 554 || broken || !strings.HasPrefix(err.Error(), "DATA")):
			t.Fatalf("mail 2: %d %v: %v", code, broken, err)
		case i == 3 && (code != 550 || broken || !strings.Contains(err.Error(), "r3@corp.example")):
			t.Fatalf("mail 3: %d %v: %v", code, broken, err)
		case i != 2 && i != 3 && err != nil:
			t.Fatalf("mail %d: %v", i, err)
		}
	}
	c.flush(&p)
	for _, o := range p.take() {
		o.done(o.err)
	}
	if fmt.Sprint(outcome) != "map[1:<nil> 4:<nil> 5:<nil>]" {
		t.Fatalf("outcomes %v", outcome)
	}
	for _, want := range []string{"mail 1", "mail 4", "mail 5"} {
		if m := <-s.data; !strings.Contains(m, want) {
			t.Fatalf("message %q, want %s", m, want)
		}
	}
}

// pipedEnv is an env whose sender sends over one connection to a scripted server offering exts,
// with the given mails queued, one a recipient; refuse answers instead of accept when it returns
// something, knowing the transaction's recipient. accepted counts the messages the server took
// (250 to the final dot), by recipient.
type pipedEnv struct {
	*env
	s *scripted

	mu       sync.Mutex
	accepted map[string]int
}

func newPipedEnv(t *testing.T, exts []string, mails []string, refuse func(rcpt, line string) string) *pipedEnv {
	t.Helper()
	e := &pipedEnv{env: newEnv(t), accepted: map[string]int{}}
	rcpt := ""
	e.s = newScripted(t, exts, func(line string) string {
		e.mu.Lock()
		defer e.mu.Unlock()
		if strings.HasPrefix(line, "RCPT TO:<") {
			rcpt = strings.TrimSuffix(line[len("RCPT TO:<"):], ">")
		}
		a := refuse(rcpt, line)
		if a == "-" {
			a = accept(line)
		}
		if line == "." && strings.HasPrefix(a, "250") {
			e.accepted[rcpt]++
		}
		return a
	})
	cfg := e.smtp
	cfg.Address, cfg.Connections = e.s.addr, 1
	if err := e.sender.SetConfig(cfg, e.desk.Config().Desk, nil); err != nil {
		t.Fatal(err)
	}
	db := e.rawDB()
	n := templates.Samples(tickets.KindAck, "fr")[0]
	n.Ticket.ID = 0
	for _, to := range mails {
		e.queueRaw(db, tickets.KindAck, "fr", n, []string{to}, nil, false, t0)
	}
	return e
}

// state reads the outbox row of the mail to rcpt.
func (e *pipedEnv) state(t *testing.T, rcpt string) (state string, attempts int, lastError string) {
	t.Helper()
	to, _ := json.Marshal([]string{rcpt})
	if err := e.store.Reader().QueryRow(`SELECT state, attempts, last_error FROM outbox WHERE recipients = ?`, string(to)).Scan(&state, &attempts, &lastError); err != nil {
		t.Fatal(err)
	}
	return state, attempts, lastError
}

// check checks each mail's state ("STATE ATTEMPTS LAST-ERROR", * for anything), and that the server took each mail sent once and no other.
func (e *pipedEnv) check(t *testing.T, want map[string]string) {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	for rcpt, w := range want {
		state, attempts, lastError := e.state(t, rcpt)
		if got := fmt.Sprintf("%s %d %s", state, attempts, lastError); !strings.HasPrefix(got, strings.Split(w, "*")[0]) || !matches(got, w) {
			t.Errorf("%s: %q, want %q", rcpt, got, w)
		}
		if n := e.accepted[rcpt]; n != map[bool]int{true: 1, false: 0}[state == tickets.OutboxSent] {
			t.Errorf("%s (%s): the server took it %d times", rcpt, state, n)
		}
	}
}

// matches reports whether s holds the parts of pattern around its "*", in order.
func matches(s, pattern string) bool {
	for _, part := range strings.Split(pattern, "*") {
		i := strings.Index(s, part)
		if i < 0 {
			return false
		}
		s = s[i+len(part):]
	}
	return true
}

var run4 = []string{"r1@corp.example", "r2@corp.example", "r3@corp.example", "r4@corp.example"}

// TestDrainPipelinesAcrossMails: a drain over one connection sends each message with the next
// mail's commands, one write a mail, and marks every mail sent.
func TestDrainPipelinesAcrossMails(t *testing.T) {
	e := newPipedEnv(t, []string{"PIPELINING", "8BITMIME"}, run4, func(string, string) string { return "-" })
	if n := e.drain(t0); n != 4 {
		t.Fatalf("sent %d", n)
	}
	e.check(t, map[string]string{"r1@corp.example": "sent 1", "r2@corp.example": "sent 1", "r3@corp.example": "sent 1", "r4@corp.example": "sent 1"})
	for i := range run4 {
		if more := <-e.s.ends; more != (i < len(run4)-1) {
			t.Errorf("message %d: the next commands came with its final dot: %v", i+1, more)
		}
	}
}

// TestDrainPipelinedDataRefused: DATA refused (554) for mail 2 of 4: mails 1 and 3 are sent,
// mail 2 fails for good, as one by one; so does mail 4, whose final dot, the last, is refused.
func TestDrainPipelinedDataRefused(t *testing.T) {
	e := newPipedEnv(t, []string{"PIPELINING"}, run4, func(rcpt, line string) string {
		if rcpt == "r2@corp.example" && line == "DATA" {
			return "554 5.7.1 policy"
		}
		if rcpt == "r4@corp.example" && line == "." {
			return "554 5.6.0 content refused"
		}
		return "-"
	})
	if n := e.drain(t0); n != 2 {
		t.Fatalf("sent %d", n)
	}
	e.check(t, map[string]string{"r1@corp.example": "sent 1", "r2@corp.example": "failed 1 *DATA*554*5.7.1 policy",
		"r3@corp.example": "sent 1", "r4@corp.example": "failed 1 *message*554*content refused"})
}

// TestDrainPipelinedRecipientRefused: a recipient refused (550) in a run is charged to its own
// mail, not to the one whose final dot was answered in the same read.
func TestDrainPipelinedRecipientRefused(t *testing.T) {
	e := newPipedEnv(t, []string{"PIPELINING"}, run4, func(rcpt, line string) string {
		if rcpt == "r3@corp.example" && strings.HasPrefix(line, "RCPT") {
			return "550 5.1.1 no such user"
		}
		if rcpt == "r3@corp.example" && line == "DATA" {
			return "554 5.5.1 no valid recipients"
		}
		return "-"
	})
	if n := e.drain(t0); n != 3 {
		t.Fatalf("sent %d", n)
	}
	e.check(t, map[string]string{"r1@corp.example": "sent 1", "r2@corp.example": "sent 1",
		"r3@corp.example": "failed 1 *r3@corp.example*550*no such user", "r4@corp.example": "sent 1"})
}

// TestDrainPipelined421: the server answers 421 to mail 3's final dot and closes: mails 1 and 2,
// whose dots got 250, are sent; mail 3 waits for its retry; mail 4, whose commands went with
// mail 3's dot unanswered, goes at once on a new connection; none twice.
func TestDrainPipelined421(t *testing.T) {
	e := newPipedEnv(t, []string{"PIPELINING"}, run4, func(rcpt, line string) string {
		if rcpt == "r3@corp.example" && line == "." {
			return "421 4.3.2 shutting down"
		}
		return "-"
	})
	if n := e.drain(t0); n != 3 {
		t.Fatalf("sent %d", n)
	}
	e.check(t, map[string]string{"r1@corp.example": "sent 1", "r2@corp.example": "sent 1",
		"r3@corp.example": "pending 1 *421*4.3.2 shutting down", "r4@corp.example": "sent 1"})
	if e.sender.down.Load() != nil {
		t.Fatal("a server that took the next connection is taken for down")
	}
}

// TestDrainPipelinedConnectionLost: the connection drops after mail 2's final dot, unanswered:
// mail 2 is not marked sent and waits for its retry (the server may or may not have it: as one
// by one); mails 3 and 4 go on a new connection; none twice.
func TestDrainPipelinedConnectionLost(t *testing.T) {
	e := newPipedEnv(t, []string{"PIPELINING"}, run4, func(rcpt, line string) string {
		if rcpt == "r2@corp.example" && line == "." {
			return ""
		}
		return "-"
	})
	if n := e.drain(t0); n != 3 {
		t.Fatalf("sent %d", n)
	}
	e.check(t, map[string]string{"r1@corp.example": "sent 1", "r2@corp.example": "pending 1",
		"r3@corp.example": "sent 1", "r4@corp.example": "sent 1"})
}

// TestDrainOneByOne: without PIPELINING, each command and each message waits for the reply to
// the one before.
func TestDrainOneByOne(t *testing.T) {
	e := newPipedEnv(t, nil, run4[:3], func(string, string) string { return "-" })
	if n := e.drain(t0); n != 3 {
		t.Fatalf("sent %d", n)
	}
	e.check(t, map[string]string{"r1@corp.example": "sent 1", "r2@corp.example": "sent 1", "r3@corp.example": "sent 1"})
	for range 3 {
		if <-e.s.ends {
			t.Error("a command came with a final dot")
		}
	}
	for _, l := range e.s.lines() {
		if strings.HasSuffix(l, "+") {
			t.Errorf("%q came with more", l)
		}
	}
}
