// Command deskbench is the benchmark's tool box (bench/run.sh drives it):
//
//	deskbench maildir -dir MAILDIR -n N ...   write N mails into a Maildir, as an MDA delivers them
//	deskbench append -imap ADDR -n N -rate R  APPEND N requests at R a second, then read from the
//	                                        sink when each one's acknowledgement arrived, and print
//	                                        the latency from APPEND to the ack accepted
//	deskbench probe -imap ADDR -mode idle     how long after an APPEND the server tells a client
//	                                        waiting in IDLE (or NOTIFY, or polling with NOOP)
//	deskbench seed -config deskd.toml -n N  write N tickets into the desk's database
//	deskbench sql -config deskd.toml SQL    run one statement on the desk's database, print rows
//	deskbench sink ADDR reset|get FIELD|wait N   ask the sink: forget all, one figure of its
//	                                        /stats (kinds.ack …), wait until it has N mails
//	deskbench time -o FILE -- CMD ARGS...   run CMD; write its wall, user and system seconds, peak
//	                                        RSS (kB, from the kernel's rusage) and exit status
package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
	_ "github.com/mattn/go-sqlite3"
	"github.com/pelletier/go-toml/v2"

	"github.com/deskd/deskd/bench"
	"github.com/deskd/deskd/tickets"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: deskbench maildir|append|probe|seed|sql|time|sink|web [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "maildir":
		err = maildir(os.Args[2:])
	case "append":
		err = appendRun(os.Args[2:])
	case "probe":
		err = probe(os.Args[2:])
	case "seed":
		err = seed(os.Args[2:])
	case "sql":
		err = sqlRun(os.Args[2:])
	case "time":
		err = timeRun(os.Args[2:])
	case "sink":
		err = sinkCmd(os.Args[2:])
	case "web":
		err = webRun(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "deskbench "+os.Args[1]+": "+err.Error())
		os.Exit(1)
	}
}

// generator reads the flags every mail-making command shares.
func generator(fs *flag.FlagSet) func() *bench.Generator {
	prefix := fs.String("prefix", "b", "makes this batch's requesters and Message-IDs distinct")
	seeded := fs.Int64("seeded", 0, "tickets 1..N exist (seeded): replies go to them")
	replies := fs.Int("replies", 8, "per cent of replies into open seeded tickets")
	thanks := fs.Int("thanks", 2, "per cent of thank-you notes into resolved seeded tickets")
	ooo := fs.Int("ooo", 2, "per cent of out-of-office replies")
	seed := fs.Uint64("seed", 1, "random seed")
	return func() *bench.Generator {
		return &bench.Generator{Desk: "helpdesk@" + bench.Domain, Tag: "HD", Prefix: *prefix, Seeded: *seeded,
			Mix: bench.Mix{Replies: *replies, Thanks: *thanks, OutOfOffice: *ooo}, Rand: rand.New(rand.NewPCG(*seed, 2)), Now: time.Now()}
	}
}

// maildir writes mails into MAILDIR/tmp and renames them into MAILDIR/new, owned by uid:gid.
func maildir(args []string) error {
	fs := flag.NewFlagSet("maildir", flag.ExitOnError)
	dir := fs.String("dir", "", "the Maildir")
	n := fs.Int("n", 100, "mails")
	uid := fs.Int("uid", -1, "owner of the files (-1: leave)")
	gid := fs.Int("gid", -1, "group of the files")
	gen := generator(fs)
	_ = fs.Parse(args)
	g := gen()
	count := map[bench.Kind]int{}
	host, _ := os.Hostname()
	for i := 0; i < *n; i++ {
		m := g.Make(i)
		count[m.Kind]++
		name := fmt.Sprintf("%d.M%dP%dQ%d.%s", time.Now().Unix(), i, os.Getpid(), i, host)
		tmp := filepath.Join(*dir, "tmp", name)
		if err := os.WriteFile(tmp, m.Raw, 0o600); err != nil {
			return err
		}
		if *uid >= 0 {
			if err := os.Chown(tmp, *uid, *gid); err != nil {
				return err
			}
		}
		if err := os.Rename(tmp, filepath.Join(*dir, "new", name)); err != nil {
			return err
		}
	}
	fmt.Printf("requests %d replies %d thanks %d ooo %d\n", count[bench.Request], count[bench.Reply], count[bench.Thanks], count[bench.OutOfOffice])
	return nil
}

func dialIMAP(addr, user, pass string) (*imapclient.Client, error) {
	c, err := imapclient.DialInsecure(addr, &imapclient.Options{Dialer: &net.Dialer{Timeout: 5 * time.Second}})
	if err != nil {
		return nil, err
	}
	if err := c.Login(user, pass).Wait(); err != nil {
		_ = c.Close()
		return nil, err
	}
	return c, nil
}

func appendMail(c *imapclient.Client, raw []byte) error {
	crlf := bytes.ReplaceAll(raw, []byte("\n"), []byte("\r\n"))
	cmd := c.Append("INBOX", int64(len(crlf)), nil)
	if _, err := cmd.Write(crlf); err != nil {
		return err
	}
	if err := cmd.Close(); err != nil {
		return err
	}
	_, err := cmd.Wait()
	return err
}

// appendRun appends requests at a steady rate and reports the latency to each acknowledgement.
func appendRun(args []string) error {
	fs := flag.NewFlagSet("append", flag.ExitOnError)
	addr := fs.String("imap", "", "IMAP address")
	user := fs.String("user", "helpdesk", "IMAP user")
	pass := fs.String("pass", "secret", "IMAP password")
	n := fs.Int("n", 100, "requests")
	rate := fs.Float64("rate", 20, "requests a second")
	sinkURL := fs.String("sink", "", "the sink's HTTP address")
	wait := fs.Duration("wait", 60*time.Second, "how long to wait for the last acknowledgements")
	gen := generator(fs)
	_ = fs.Parse(args)
	g := gen()
	g.Seeded, g.Mix = 0, bench.Mix{} // Requests only: each must be acknowledged.
	c, err := dialIMAP(*addr, *user, *pass)
	if err != nil {
		return err
	}
	defer c.Close()

	mails := make([]bench.Mail, *n)
	for i := range mails {
		mails[i] = g.Make(i)
	}
	sent := map[string]int64{}
	every := time.Duration(float64(time.Second) / *rate)
	start := time.Now()
	var late time.Duration
	for i, m := range mails {
		due := start.Add(time.Duration(i) * every)
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		} else {
			late = max(late, -d)
		}
		sent[strings.ToLower(m.MessageID)] = time.Now().UnixNano()
		if err := appendMail(c, m.Raw); err != nil {
			return fmt.Errorf("append %d: %w", i, err)
		}
	}
	appended := time.Since(start)

	var acks map[string]int64
	deadline := time.Now().Add(*wait)
	for {
		acks, err = sinkAcks(*sinkURL)
		if err != nil {
			return err
		}
		missing := 0
		for id := range sent {
			if _, ok := acks[id]; !ok {
				missing++
			}
		}
		if missing == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	var lat []float64
	lost := 0
	for id, t0 := range sent {
		t1, ok := acks[id]
		if !ok {
			lost++
			continue
		}
		lat = append(lat, float64(t1-t0)/1e6)
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return -1
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	fmt.Printf("latency n %d lost %d p50_ms %.1f p95_ms %.1f max_ms %.1f achieved_rate %.1f behind_ms %.0f\n",
		len(lat), lost, pct(0.50), pct(0.95), pct(1), float64(*n)/appended.Seconds(), float64(late)/1e6)
	if lost > 0 {
		return fmt.Errorf("%d of %d requests got no acknowledgement within %v", lost, *n, *wait)
	}
	return nil
}

func sinkAcks(addr string) (map[string]int64, error) {
	resp, err := http.Get("http://" + addr + "/acks")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out map[string]int64
	return out, json.NewDecoder(resp.Body).Decode(&out)
}

// probe measures how long after an APPEND (from its start) a second connection hears of the new
// message: waiting in IDLE (RFC 2177), under NOTIFY (RFC 5465, the inboxes' STATUS), or polling with NOOP every
// -every. It speaks IMAP by hand on the waiting connection, to see exactly when the untagged
// EXISTS arrives.
func probe(args []string) error {
	fs := flag.NewFlagSet("probe", flag.ExitOnError)
	addr := fs.String("imap", "", "IMAP address")
	user := fs.String("user", "helpdesk", "IMAP user")
	pass := fs.String("pass", "secret", "IMAP password")
	n := fs.Int("n", 20, "samples")
	mode := fs.String("mode", "idle", "idle, notify or noop")
	every := fs.Duration("every", 50*time.Millisecond, "NOOP interval in noop mode")
	gen := generator(fs)
	_ = fs.Parse(args)
	g := gen()
	g.Seeded, g.Mix = 0, bench.Mix{}

	conn, err := net.DialTimeout("tcp", *addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	tag := 0
	// cmd sends a command and reads up to its tagged reply, returning the untagged lines.
	cmd := func(line string) ([]string, error) {
		tag++
		t := fmt.Sprintf("p%d", tag)
		if _, err := fmt.Fprintf(conn, "%s %s\r\n", t, line); err != nil {
			return nil, err
		}
		var untagged []string
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				return nil, err
			}
			if strings.HasPrefix(l, t+" ") {
				if !strings.HasPrefix(l, t+" OK") {
					return nil, fmt.Errorf("%s: %s", line, strings.TrimSpace(l))
				}
				return untagged, nil
			}
			untagged = append(untagged, l)
		}
	}
	if _, err := r.ReadString('\n'); err != nil { // Greeting.
		return err
	}
	if _, err := cmd(fmt.Sprintf("LOGIN %s %s", *user, *pass)); err != nil {
		return err
	}
	caps, err := cmd("CAPABILITY")
	if err != nil {
		return err
	}
	if *mode != "notify" {
		if _, err := cmd("SELECT INBOX"); err != nil {
			return err
		}
	}
	switch *mode {
	case "idle":
		if _, err := fmt.Fprintf(conn, "i1 IDLE\r\n"); err != nil {
			return err
		}
		if l, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(l, "+") {
			return fmt.Errorf("IDLE: %q %v", l, err)
		}
	case "notify":
		if !strings.Contains(strings.Join(caps, ""), "NOTIFY") {
			return fmt.Errorf("the server does not offer NOTIFY: %s", strings.TrimSpace(strings.Join(caps, "")))
		}
		// Dovecot sends events of the selected mailbox only at the end of a command (or in
		// IDLE), so the probe selects nothing and waits for the STATUS of the inbox it pushes.
		if _, err := cmd("NOTIFY SET (inboxes (MessageNew MessageExpunge))"); err != nil {
			return err
		}
	case "noop":
	default:
		return fmt.Errorf("unknown mode %q", *mode)
	}

	// Lines from the waiting connection, with when they arrived.
	type line struct {
		at   time.Time
		text string
	}
	lines := make(chan line, 100)
	if *mode != "noop" {
		go func() {
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					close(lines)
					return
				}
				lines <- line{time.Now(), l}
			}
		}()
	}
	c, err := dialIMAP(*addr, *user, *pass)
	if err != nil {
		return err
	}
	defer c.Close()
	var lat []float64
	for i := 0; i < *n; i++ {
		time.Sleep(time.Duration(100+rand.IntN(200)) * time.Millisecond)
		appended := time.Now() // From the start of the APPEND: a server may notify before its OK.
		if err := appendMail(c, g.Make(i).Raw); err != nil {
			return err
		}
		if *mode == "noop" {
			for {
				untagged, err := cmd("NOOP")
				if err != nil {
					return err
				}
				if strings.Contains(strings.Join(untagged, ""), "EXISTS") {
					lat = append(lat, float64(time.Since(appended))/1e6)
					break
				}
				time.Sleep(*every)
			}
			continue
		}
		timeout := time.After(10 * time.Second)
	wait:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					return fmt.Errorf("connection closed")
				}
				if strings.Contains(l.text, "EXISTS") || strings.HasPrefix(l.text, "* STATUS") {
					lat = append(lat, float64(l.at.Sub(appended))/1e6)
					break wait
				}
			case <-timeout:
				return fmt.Errorf("no EXISTS within 10 s of APPEND %d", i)
			}
		}
	}
	if len(lat) == 0 {
		fmt.Printf("probe %s n 0\n", *mode) // -n 0 (PROBES=0): nothing measured.
		return nil
	}
	slices.Sort(lat)
	fmt.Printf("probe %s n %d min_ms %.1f p50_ms %.1f p95_ms %.1f max_ms %.1f\n", *mode, len(lat), lat[0], lat[len(lat)/2], lat[min(len(lat)-1, len(lat)*95/100)], lat[len(lat)-1])
	return nil
}

// seed writes tickets into the desk's database, which deskd must have created already.
func seed(args []string) error {
	fs := flag.NewFlagSet("seed", flag.ExitOnError)
	config := fs.String("config", "deskd.toml", "the desk's configuration: its database and its technicians")
	n := fs.Int64("n", 10000, "ordinary tickets")
	breach := fs.Int64("breach", 0, "open tickets whose first response is overdue")
	rawFor := fs.Float64("raw", 0.1, "share of tickets, newest first, that keep their raw mail")
	_ = fs.Parse(args)
	db, cfg, err := openDeskDB(*config)
	if err != nil {
		return err
	}
	defer db.Close()
	var team []bench.Technician
	for _, t := range cfg.Technician {
		team = append(team, bench.Technician{Email: strings.ToLower(t.Email), Skills: t.Skills, Tier: t.Tier})
	}
	started := time.Now()
	rows, err := bench.Seed(context.Background(), db, bench.SeedOptions{Tickets: *n, Breach: *breach, Team: team, Now: time.Now(), RawFor: *rawFor})
	if err != nil {
		return err
	}
	finish := `PRAGMA wal_checkpoint(TRUNCATE)`
	if tickets.IsPostgres(cfg.Desk.Database) { // The tickets' ids were given: move their sequence on.
		finish = `SELECT setval(pg_get_serial_sequence('tickets', 'id'), (SELECT MAX(id) FROM tickets))`
	}
	if _, err := db.Exec(finish); err != nil {
		return err
	}
	if tickets.IsPostgres(cfg.Desk.Database) { // Statistics, as autovacuum would gather after a while.
		if _, err := db.Exec(`ANALYZE`); err != nil {
			return err
		}
	}
	// The classifier's counts, as deskd keeps them when it resolves tickets.
	if err := trainSeeded(context.Background(), db, cfg.Desk.Database); err != nil {
		return err
	}
	fmt.Printf("seeded %d tickets (%d overdue), %d rows in %v\n", *n+*breach, *breach, rows, time.Since(started).Round(time.Millisecond))
	return nil
}

// trainSeeded gives the seeded desk what deskd keeps of each ticket besides its rows: the
// full-text index of incidents and known answers (rebuilt when the store opens, once its record
// is gone), and the classifier's counts of the resolved and closed tickets
// (tickets.Desk.TrainModel), as deskd would have learned them one by one.
func trainSeeded(ctx context.Context, db *sql.DB, database string) error {
	path := database
	if !tickets.IsPostgres(database) {
		if err := db.QueryRowContext(ctx, `SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&path); err != nil {
			return err
		}
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM kv WHERE key = 'search_index'`); err != nil {
		return err
	}
	store, err := tickets.OpenStore(ctx, path)
	if err != nil {
		return err
	}
	defer store.Close()
	cfg := tickets.DefaultConfig()
	d, err := tickets.NewDesk(&cfg, store, make([]byte, 32), nil)
	if err != nil {
		return err
	}
	return d.TrainModel(ctx)
}

// deskConfig is what the benchmark reads of deskd's configuration file.
type deskConfig struct {
	Desk struct {
		Database string `toml:"database"`
	} `toml:"desk"`
	Technician []struct {
		Email  string   `toml:"email"`
		Skills []string `toml:"skills"`
		Tier   int      `toml:"tier"`
	} `toml:"technician"`
}

// openDeskDB opens the database of the desk configured in file, which deskd must have created.
func openDeskDB(file string) (*sql.DB, *deskConfig, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, err
	}
	var cfg deskConfig
	if err := toml.Unmarshal(b, &cfg); err != nil {
		return nil, nil, err
	}
	path := cfg.Desk.Database
	if tickets.IsPostgres(path) {
		db, err := tickets.OpenRaw(path)
		return db, &cfg, err
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(filepath.Dir(file), path)
	}
	if _, err := os.Stat(path); err != nil {
		return nil, nil, fmt.Errorf("the desk's database: %w (let deskd create it first)", err)
	}
	q := url.Values{"_journal_mode": {"WAL"}, "_synchronous": {"OFF"}, "_foreign_keys": {"off"}, "_busy_timeout": {"5000"}}
	db, err := sql.Open("sqlite3", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, nil, err
	}
	db.SetMaxOpenConns(1)
	return db, &cfg, nil
}

// sqlRun runs one statement and prints the rows of a query, tab-separated.
func sqlRun(args []string) error {
	fs := flag.NewFlagSet("sql", flag.ExitOnError)
	config := fs.String("config", "deskd.toml", "the desk's configuration")
	_ = fs.Parse(args)
	db, _, err := openDeskDB(*config)
	if err != nil {
		return err
	}
	defer db.Close()
	q := strings.Join(fs.Args(), " ")
	if !strings.HasPrefix(strings.ToUpper(strings.TrimSpace(q)), "SELECT") {
		res, err := db.Exec(q)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		fmt.Println(n)
		return nil
	}
	rows, err := db.Query(q)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		out := make([]string, len(vals))
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			out[i] = fmt.Sprint(v)
		}
		fmt.Println(strings.Join(out, "\t"))
	}
	return rows.Err()
}

// timeRun runs a command with its output passed through and writes to -o one line:
// "wall_s user_s sys_s maxrss_kb exit_status", from the kernel's accounting of the finished child.
func timeRun(args []string) error {
	fs := flag.NewFlagSet("time", flag.ExitOnError)
	out := fs.String("o", "", "file for the figures")
	_ = fs.Parse(args)
	argv := fs.Args()
	if len(argv) == 0 {
		return fmt.Errorf("no command")
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if cmd.ProcessState == nil {
		return err
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	var user, sys float64
	var rss int64
	if ru != nil {
		user = float64(ru.Utime.Sec) + float64(ru.Utime.Usec)/1e6
		sys = float64(ru.Stime.Sec) + float64(ru.Stime.Usec)/1e6
		rss = ru.Maxrss
	}
	line := fmt.Sprintf("%.3f %.3f %.3f %d %d\n", wall.Seconds(), user, sys, rss, cmd.ProcessState.ExitCode())
	if *out == "" {
		_, err = os.Stderr.WriteString(line)
		return err
	}
	return os.WriteFile(*out, []byte(line), 0o644)
}

// sinkCmd talks to the sink's HTTP side.
func sinkCmd(args []string) error {
	if len(args) < 2 {
		return fmt.Errorf("usage: deskbench sink ADDR reset|get FIELD|wait N [FIELD]")
	}
	addr := args[0]
	stats := func() (map[string]any, error) {
		resp, err := http.Get("http://" + addr + "/stats")
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		var m map[string]any
		return m, json.NewDecoder(resp.Body).Decode(&m)
	}
	switch {
	case args[1] == "reset":
		resp, err := http.Post("http://"+addr+"/reset", "text/plain", nil)
		if err != nil {
			return err
		}
		return resp.Body.Close()
	case args[1] == "get" && len(args) == 3:
		m, err := stats()
		if err != nil {
			return err
		}
		var v any = m
		for _, k := range strings.Split(args[2], ".") {
			if mm, ok := v.(map[string]any); ok {
				v = mm[k]
			}
		}
		if f, ok := v.(float64); ok {
			fmt.Println(int64(f))
		} else {
			fmt.Println(0)
		}
		return nil
	case args[1] == "wait" && (len(args) == 3 || len(args) == 4):
		var n float64
		if _, err := fmt.Sscan(args[2], &n); err != nil {
			return err
		}
		field := "mails" // Or "recipients": the copies, one per recipient.
		if len(args) == 4 {
			field = args[3]
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			m, err := stats()
			if err != nil {
				return err
			}
			if got, _ := m[field].(float64); got >= n || time.Now().After(deadline) {
				return nil
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return fmt.Errorf("usage: deskbench sink ADDR reset|get FIELD|wait N [FIELD]")
}
