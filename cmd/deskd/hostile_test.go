package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/deskd/deskd/cmd/deskd/config"
	"github.com/deskd/deskd/mailin"
	"github.com/deskd/deskd/tickets"
)

// The hostile-mail benchmark: one mail of at most 25 MB, built to make some step of the desk
// work hard, goes the whole way a mail goes in `deskd serve` — mailin.Parse, mailin.Incoming,
// Desk.Ingest into a fresh SQLite store, then the sender renders the notices it queued with the
// templates and sends them to an SMTP sink. The budget is 2 s and 300 MB of peak resident
// memory per mail on a 2-core machine.
//
// Peak memory is a process's high-water mark (VmHWM), so each case runs in a process of its own:
// the benchmark writes the mail to a file and runs this test binary again with
// DESKD_HOSTILE_MAIL set, which runs TestHostileChild on that one mail and prints what it took.
//
//	go test ./cmd/deskd -run '^$' -bench Hostile -benchtime 1x
//
// reports, per case, s/mail (the wall-clock time from Parse to the last notice sent), cpu-s/mail
// (the process's CPU time over the same span, which other load on the machine does not inflate)
// and peak-RSS-MB. DESKD_HOSTILE_DIR keeps the mails in a directory, to run one alone:
//
//	DESKD_HOSTILE_MAIL=DIR/NAME.eml go test ./cmd/deskd -run TestHostileChild -v
//
// with DESKD_HOSTILE_PROFILE (CPU) or DESKD_HOSTILE_MEMPROFILE (allocations) naming a profile to write.

// hostileMax is the largest mail the benchmark sends: mail servers commonly refuse more.
const hostileMax = 25 << 20

// hostileCase is one hostile mail.
type hostileCase struct {
	name string
	mail func() []byte
}

var hostileCases = []hostileCase{
	{"reference-small-mail", func() []byte { return textMail(2 << 10) }}, // Not hostile: the cost of the path itself.
	{"border-top-nested-2MB", borderTopMail},
	{"html-24MB", func() []byte { return htmlMail(24 << 20) }},
	{"text-24MB", func() []byte { return textMail(24 << 20) }},
	{"text-one-line-24MB", oneLineMail},
	{"uuencode-200k-files", func() []byte { return uuFilesMail(200_000) }},
	{"uuencode-1.4M-empty", uuEmptyMail},
	{"boundary-guessing", boundaryGuessMail},
	{"boundary-guess-many-parts", boundaryManyPartsMail},
	{"tnef-rtf-bomb", tnefRTFMail},
	{"header-1M-fields", headerFieldsMail},
	{"subject-1M-encoded-words", subjectWordsMail},
	{"multipart-nesting-deep", deepNestingMail},
	{"base64-one-line-18MB", base64LineMail},
	{"parts-tiny-24MB", tinyPartsMail},
	{"quote-1M-lines", quoteLinesMail},
	{"html-attributes-1M", htmlAttributesMail},
	{"html-nesting-deep", htmlNestingMail},
	{"html-rules-1M", htmlRulesMail},
	{"attachments-big", bigAttachmentsMail},
	{"rfc822-nesting-deep", rfc822NestingMail},
	{"address-list-100k", addressListMail},
}

// BenchmarkHostile runs each hostile mail in a process of its own and reports its time and peak
// memory.
func BenchmarkHostile(b *testing.B) {
	dir := os.Getenv("DESKD_HOSTILE_DIR") // Where to keep the mails, to run one alone; default a temporary directory.
	if dir == "" {
		dir = b.TempDir()
	}
	for _, c := range hostileCases {
		b.Run(c.name, func(b *testing.B) {
			raw := c.mail()
			if len(raw) > hostileMax {
				b.Fatalf("%s: %d bytes, more than %d", c.name, len(raw), hostileMax)
			}
			file := filepath.Join(dir, c.name+".eml")
			if err := os.WriteFile(file, raw, 0o600); err != nil {
				b.Fatal(err)
			}
			raw = nil
			var secs, cpu, peak float64
			var last hostileResult
			for b.Loop() {
				r, err := runHostileChild(file)
				if err != nil {
					b.Fatal(err)
				}
				secs += r.Seconds
				cpu += r.CPUSeconds
				peak = max(peak, r.PeakRSSMB)
				last = r
			}
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(secs/float64(b.N), "s/mail")
			b.ReportMetric(cpu/float64(b.N), "cpu-s/mail")
			b.ReportMetric(peak, "peak-RSS-MB")
			b.ReportMetric(float64(last.MailBytes)/(1<<20), "mail-MB")
			b.Logf("%s: %.2f s (%.2f s of CPU), %.0f MB peak; %s", c.name, last.Seconds, last.CPUSeconds, last.PeakRSSMB, last.Outcome)
		})
	}
}

// hostileResult is what the child process reports.
type hostileResult struct {
	Seconds    float64 `json:"seconds"`     // Wall-clock time.
	CPUSeconds float64 `json:"cpu_seconds"` // CPU time of the process (user and system), which other load on the machine does not inflate.
	PeakRSSMB  float64 `json:"peak_rss_mb"`
	MailBytes  int     `json:"mail_bytes"`
	Outcome    string  `json:"outcome"`
}

func runHostileChild(file string) (hostileResult, error) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHostileChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "DESKD_HOSTILE_MAIL="+file)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return hostileResult{}, fmt.Errorf("child: %v\n%s%s", err, out.String(), errb.String())
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if rest, ok := strings.CutPrefix(line, "HOSTILE "); ok {
			var r hostileResult
			err := json.Unmarshal([]byte(rest), &r)
			return r, err
		}
	}
	return hostileResult{}, fmt.Errorf("child printed no result:\n%s%s", out.String(), errb.String())
}

// TestHostileChild handles the one mail named by DESKD_HOSTILE_MAIL the way deskd serve would,
// and prints the time it took and the process's peak resident memory. Without the variable it
// does nothing: BenchmarkHostile runs it.
func TestHostileChild(t *testing.T) {
	file := os.Getenv("DESKD_HOSTILE_MAIL")
	if file == "" {
		t.Skip("run by BenchmarkHostile")
	}
	ctx := context.Background()
	sink := newCountingSink(t, hostileMax) // A common SIZE: a notice larger is refused, as a real server would.
	dir := t.TempDir()
	text := config.Local(config.Sample(), "127.0.0.1:1", "pw", sink.addr)
	text = config.SetKey(text, "desk", "rate_limit", "100")
	cfg, err := config.Parse(filepath.Join(dir, "deskd.toml"), []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	dm, err := newApp(ctx, cfg, slog.New(slog.DiscardHandler), serving)
	if err != nil {
		t.Fatal(err)
	}
	defer dm.Close()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}

	if prof := os.Getenv("DESKD_HOSTILE_PROFILE"); prof != "" { // A CPU profile of the work, to see where it goes.
		f, err := os.Create(prof)
		if err != nil {
			t.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			t.Fatal(err)
		}
		defer func() {
			pprof.StopCPUProfile()
			if err := f.Close(); err != nil {
				t.Error(err)
			}
		}()
	}
	start, cpu0 := time.Now(), cpuTime(t)
	m, err := mailin.Parse(raw, mailin.DeskOptions(cfg.Desk.Desk, dm.desk.Signer))
	if err != nil {
		t.Fatal(err)
	}
	in := mailin.Incoming(m, cfg.Desk.Desk.Language)
	m = nil
	outs, err := dm.desk.Ingest(ctx, time.Now(), []*tickets.Incoming{in})
	if err != nil {
		t.Fatal(err)
	}
	if outs[0].Err != nil {
		t.Fatal(outs[0].Err)
	}
	in = nil
	sent, err := dm.out.Drain(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	took, cpu := time.Since(start), cpuTime(t)-cpu0
	if prof := os.Getenv("DESKD_HOSTILE_MEMPROFILE"); prof != "" { // What was allocated, and where.
		f, err := os.Create(prof)
		if err != nil {
			t.Fatal(err)
		}
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}

	outcome := fmt.Sprintf("%s ticket %d, %d mails sent (%d KB, largest %d KB)",
		outs[0].Action, outs[0].TicketID, sent, sink.bytes.Load()>>10, sink.largest.Load()>>10)
	if id := outs[0].TicketID; id != 0 {
		tk, err := dm.store.Ticket(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		atts, err := dm.store.Attachments(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		outcome += fmt.Sprintf("; subject %d bytes, %d files", len(tk.Subject), len(atts))
	}
	res, _ := json.Marshal(hostileResult{Seconds: took.Seconds(), CPUSeconds: cpu.Seconds(), PeakRSSMB: peakRSSMB(t), MailBytes: len(raw), Outcome: outcome})
	fmt.Printf("HOSTILE %s\n", res)
}

// cpuTime returns the CPU time the process has used so far.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSSMB reads the process's peak resident set size (VmHWM, Linux) in MB.
func peakRSSMB(t *testing.T) float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			if err != nil {
				t.Fatal(err)
			}
			return float64(kb) / 1024
		}
	}
	t.Fatal("no VmHWM in /proc/self/status")
	return 0
}

// countingSink is an SMTP server that keeps nothing but the size of what it received.
type countingSink struct {
	addr           string
	bytes, largest atomic.Int64
}

func newCountingSink(t *testing.T, maxBytes int64) *countingSink {
	t.Helper()
	k := &countingSink{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return countingSession{k}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.MaxMessageBytes = maxBytes
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	k.addr = l.Addr().String()
	return k
}

type countingSession struct{ k *countingSink }

func (s countingSession) Reset()                               {}
func (s countingSession) Logout() error                        { return nil }
func (s countingSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s countingSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s countingSession) Data(r io.Reader) error {
	n, err := io.Copy(io.Discard, r)
	s.k.bytes.Add(n)
	for {
		old := s.k.largest.Load()
		if n <= old || s.k.largest.CompareAndSwap(old, n) {
			break
		}
	}
	return err
}

// The hostile mails. Each is a complete message from a requester to the sample desk.

func hostileHeader(b *bytes.Buffer, subject, contentType string) {
	fmt.Fprintf(b, "From: Mallory <mallory@corp.example>\r\nTo: helpdesk@corp.example\r\n"+
		"Subject: %s\r\nMessage-ID: <%d.hostile@corp.example>\r\nDate: %s\r\nMIME-Version: 1.0\r\n",
		subject, time.Now().UnixNano(), time.Now().Format(time.RFC1123Z))
	if contentType != "" {
		fmt.Fprintf(b, "Content-Type: %s\r\n", contentType)
	}
}

// words is some text for filler: lines of ordinary words.
const words = "The printer on the second floor prints blank pages again since this morning. "

// borderTopMail is Outlook's reply divider (a div with border-top:solid) nested hundreds deep,
// each level with some text: finding whether each divider starts a header block rendered the
// whole subtree below it.
func borderTopMail() []byte {
	var b bytes.Buffer
	hostileHeader(&b, "Nested dividers", "text/html; charset=utf-8")
	b.WriteString("\r\n<html><body>")
	para := strings.Repeat(words, 50) // 4 KB
	for b.Len() < 2<<20 {
		b.WriteString(`<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0in 0in 0in"><p class="MsoNormal">`)
		b.WriteString(para)
		b.WriteString("</p>\r\n")
	}
	b.WriteString("</body></html>\r\n")
	return b.Bytes()
}

func htmlMail(size int) []byte {
	var b bytes.Buffer
	hostileHeader(&b, "Big HTML", "text/html; charset=utf-8")
	b.WriteString("\r\n<html><body>\r\n")
	for b.Len() < size {
		b.WriteString("<p>" + words + "<b>bold</b> <a href=\"https://corp.example/x\">link</a></p>\r\n")
	}
	b.WriteString("</body></html>\r\n")
	return b.Bytes()
}

func textMail(size int) []byte {
	var b bytes.Buffer
	hostileHeader(&b, "Big text", "text/plain; charset=utf-8")
	b.WriteString("\r\n")
	for b.Len() < size {
		b.WriteString(words + "\r\n")
	}
	return b.Bytes()
}

func oneLineMail() []byte {
	var b bytes.Buffer
	hostileHeader(&b, "One line", "text/plain; charset=utf-8")
	b.WriteString("\r\n")
	for b.Len() < 24<<20 {
		b.WriteString(words)
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

// uuFilesMail is a plain body with n tiny uuencoded files.
func uuFilesMail(n int) []byte {
	var b bytes.Buffer
	hostileHeader(&b, "Files", "text/plain; charset=us-ascii")
	b.WriteString("\r\nHere are the logs.\r\n")
	for i := range n {
		fmt.Fprintf(&b, "begin 644 f%d.txt\r\n#86)C\r\n`\r\nend\r\n", i)
	}
	return b.Bytes()
}

// uuEmptyMail is a plain body of empty uuencoded blocks, as many as 24 MB holds.
func uuEmptyMail() []byte {
	var b bytes.Buffer
	hostileHeader(&b, "Files", "text/plain; charset=us-ascii")
	b.WriteString("\r\n")
	for b.Len() < 24<<20-20 {
		b.WriteString("begin 644 a\r\nend\r\n")
	}
	return b.Bytes()
}

// boundaryGuessMail is a multipart without a boundary parameter whose first lines are 199
// delimiter-like lines, each found only once, over 24 MB: every guess counted through it all.
func boundaryGuessMail() []byte {
	var b bytes.Buffer
	hostileHeader(&b, "Guess", "multipart/mixed")
	b.WriteString("\r\n")
	for i := range 199 {
		fmt.Fprintf(&b, "--candidate%d\r\n", i)
	}
	for b.Len() < 24<<20 {
		b.WriteString(words + "\r\n")
	}
	return b.Bytes()
}

// boundaryManyPartsMail is a multipart whose boundary is wrong, whose body holds a guessable
// one, and a million parts.
func boundaryManyPartsMail() []byte {
	var b bytes.Buffer
	hostileHeader(&b, "Guess parts", `multipart/mixed; boundary="nowhere"`)
	b.WriteString("\r\n")
	for b.Len() < 24<<20-20 {
		b.WriteString("--b\r\n\r\nx\r\n")
	}
	b.WriteString("--b--\r\n")
	return b.Bytes()
}

// tnefRTFMail is a winmail.dat whose only body is compressed RTF that expands about eight-fold,
// to the largest raw size the format reader accepts.
func tnefRTFMail() []byte {
	rtf := lzfuBomb(32<<20 - 1024)
	var t bytes.Buffer
	t.Write([]byte{0x78, 0x9f, 0x3e, 0x22, 0, 0}) // signature, key
	var props bytes.Buffer
	le := func(w *bytes.Buffer, v uint32) { _ = binary.Write(w, binary.LittleEndian, v) }
	le(&props, 1)
	le(&props, 0x1009<<16|0x0102) // PR_RTF_COMPRESSED, PT_BINARY
	le(&props, 1)
	le(&props, uint32(len(rtf)))
	props.Write(rtf)
	for props.Len()%4 != 0 {
		props.WriteByte(0)
	}
	t.WriteByte(1)
	le(&t, 0x9003|0x0006<<16) // attMAPIProps
	le(&t, uint32(props.Len()))
	t.Write(props.Bytes())
	var sum uint16
	for _, c := range props.Bytes() {
		sum += uint16(c)
	}
	_ = binary.Write(&t, binary.LittleEndian, sum)

	var b bytes.Buffer
	hostileHeader(&b, "Outlook", `multipart/mixed; boundary="tnef"`)
	b.WriteString("\r\n--tnef\r\nContent-Type: application/ms-tnef; name=\"winmail.dat\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n")
	writeBase64Lines(&b, t.Bytes())
	b.WriteString("--tnef--\r\n")
	return b.Bytes()
}

// lzfuBomb returns compressed RTF ([MS-OXRTFCP]) that expands to rawSize bytes of text in one
// paragraph: a literal phrase, then references that repeat it, 17 bytes each.
func lzfuBomb(rawSize int) []byte {
	const phrase = "{\\rtf1\\ansi\\deff0 " // then the repeated words
	const unit = "help me please!! "       // 17 bytes, repeated by each reference
	lit := phrase + unit
	var data bytes.Buffer
	w := 207 // the dictionary's write offset after the preset text
	out := 0
	var control byte
	var tokens bytes.Buffer
	nbits := 0
	flush := func() {
		data.WriteByte(control)
		data.Write(tokens.Bytes())
		control, nbits = 0, 0
		tokens.Reset()
	}
	for i := 0; i < len(lit); i++ {
		tokens.WriteByte(lit[i])
		w = (w + 1) % 4096
		out++
		if nbits++; nbits == 8 {
			flush()
		}
	}
	for out+len(unit) <= rawSize {
		off := (w - len(unit) + 4096) % 4096
		ref := off<<4 | (len(unit) - 2)
		tokens.WriteByte(byte(ref >> 8))
		tokens.WriteByte(byte(ref))
		control |= 1 << nbits
		w = (w + len(unit)) % 4096
		out += len(unit)
		if nbits++; nbits == 8 {
			flush()
		}
	}
	// The end marker: a reference to the write offset.
	ref := w << 4
	tokens.WriteByte(byte(ref >> 8))
	tokens.WriteByte(byte(ref))
	control |= 1 << nbits
	flush()
	var hdr bytes.Buffer
	body := data.Bytes()
	_ = binary.Write(&hdr, binary.LittleEndian, uint32(len(body)+12))
	_ = binary.Write(&hdr, binary.LittleEndian, uint32(out))
	_ = binary.Write(&hdr, binary.LittleEndian, uint32(0x75465a4c))
	_ = binary.Write(&hdr, binary.LittleEndian, ^crc32.Update(^uint32(0), crc32.IEEETable, body))
	return append(hdr.Bytes(), body...)
}

func writeBase64Lines(b *bytes.Buffer, data []byte) {
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
}

func headerFieldsMail() []byte {
	var b bytes.Buffer
	for i := range 1_000_000 {
		fmt.Fprintf(&b, "X-F%d: v\r\n", i)
	}
	hostileHeader(&b, "Many fields", "text/plain; charset=utf-8")
	b.WriteString("\r\nHello.\r\n")
	return b.Bytes()
}

func subjectWordsMail() []byte {
	var s strings.Builder
	s.WriteString("Help")
	for range 1_000_000 {
		s.WriteString("\r\n =?utf-8?q?a?=")
	}
	var b bytes.Buffer
	hostileHeader(&b, s.String(), "text/plain; charset=utf-8")
	b.WriteString("\r\nHello.\r\n")
	return b.Bytes()
}

// deepNestingMail is multipart inside multipart, thousands deep, around 20 MB of text.
func deepNestingMail() []byte {
	const depth = 5000
	var b bytes.Buffer
	hostileHeader(&b, "Deep", `multipart/mixed; boundary="b0"`)
	b.WriteString("\r\n")
	for i := 1; i < depth; i++ {
		fmt.Fprintf(&b, "--b%d\r\nContent-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n", i-1, i)
	}
	fmt.Fprintf(&b, "--b%d\r\nContent-Type: text/plain\r\n\r\n", depth-1)
	for b.Len() < 20<<20 {
		b.WriteString(words + "\r\n")
	}
	for i := depth - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\r\n", i)
	}
	return b.Bytes()
}

// base64LineMail is an attachment of 18 MB written as one base64 line of 24 MB.
func base64LineMail() []byte {
	var b bytes.Buffer
	hostileHeader(&b, "One line", `multipart/mixed; boundary="x"`)
	b.WriteString("\r\n--x\r\nContent-Type: text/plain\r\n\r\nSee the file.\r\n" +
		"--x\r\nContent-Type: application/octet-stream; name=\"dump.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n")
	b.WriteString(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("0123456789abcdef"), 18<<20/16)))
	b.WriteString("\r\n--x--\r\n")
	return b.Bytes()
}

// tinyPartsMail is a multipart of tiny attached files, some 360,000 of them.
func tinyPartsMail() []byte {
	var b bytes.Buffer
	hostileHeader(&b, "Parts", `multipart/mixed; boundary="p"`)
	b.WriteString("\r\n--p\r\nContent-Type: text/plain\r\n\r\nMany files.\r\n")
	for i := 0; b.Len() < 24<<20-100; i++ {
		fmt.Fprintf(&b, "--p\r\nContent-Type: application/octet-stream; name=\"f%d\"\r\n\r\nx\r\n", i)
	}
	b.WriteString("--p--\r\n")
	return b.Bytes()
}

func quoteLinesMail() []byte {
	var b bytes.Buffer
	hostileHeader(&b, "Re: printer", "text/plain; charset=utf-8")
	b.WriteString("\r\nStill broken.\r\n\r\nOn Mon, 1 Jan 2024, Alice wrote:\r\n")
	for range 1_000_000 {
		b.WriteString("> > quoted line\r\n")
	}
	return b.Bytes()
}

func htmlAttributesMail() []byte {
	var b bytes.Buffer
	hostileHeader(&b, "Attributes", "text/html; charset=utf-8")
	b.WriteString("\r\n<html><body><p")
	for i := 0; i < 1_000_000; i++ {
		fmt.Fprintf(&b, " a%d=x", i)
	}
	b.WriteString(">Hello</p></body></html>\r\n")
	return b.Bytes()
}

func htmlNestingMail() []byte {
	var b bytes.Buffer
	hostileHeader(&b, "Nesting", "text/html; charset=utf-8")
	b.WriteString("\r\n<html><body>")
	for b.Len() < 20<<20 {
		b.WriteString("<blockquote type=\"cite\"><div class=\"gmail_quote\"><span>x")
	}
	b.WriteString("</body></html>\r\n")
	return b.Bytes()
}

// htmlRulesMail is a million <hr>: each one looks at what follows it for a header block.
func htmlRulesMail() []byte {
	var b bytes.Buffer
	hostileHeader(&b, "Rules", "text/html; charset=utf-8")
	b.WriteString("\r\n<html><body>")
	for range 1_000_000 {
		b.WriteString("<hr>")
	}
	b.WriteString("From: x</body></html>\r\n")
	return b.Bytes()
}

// bigAttachmentsMail is three files of 6 MB: stored, then sent on to the technician.
func bigAttachmentsMail() []byte {
	var b bytes.Buffer
	hostileHeader(&b, "Logs", `multipart/mixed; boundary="x"`)
	b.WriteString("\r\n--x\r\nContent-Type: text/plain\r\n\r\nThe logs are attached.\r\n")
	for i := range 3 {
		fmt.Fprintf(&b, "--x\r\nContent-Type: application/octet-stream; name=\"log%d.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n", i)
		writeBase64Lines(&b, bytes.Repeat([]byte{byte('a' + i)}, 6<<20))
	}
	b.WriteString("--x--\r\n")
	return b.Bytes()
}

// rfc822NestingMail is a message attached in a message, a thousand deep, with a body at the
// bottom.
func rfc822NestingMail() []byte {
	inner := textMail(1 << 20)
	for range 1000 {
		var b bytes.Buffer
		hostileHeader(&b, "Fwd", `multipart/mixed; boundary="m"`)
		b.WriteString("\r\n--m\r\nContent-Type: message/rfc822\r\n\r\n")
		b.Write(inner)
		b.WriteString("\r\n--m--\r\n")
		inner = b.Bytes()
	}
	return inner
}

func addressListMail() []byte {
	var b bytes.Buffer
	b.WriteString("Cc: ")
	for i := range 100_000 {
		if i > 0 {
			b.WriteString(",\r\n ")
		}
		fmt.Fprintf(&b, "\"Person %d\" <p%d@elsewhere.example>", i, i)
	}
	b.WriteString("\r\n")
	hostileHeader(&b, "Everyone", "text/plain; charset=utf-8")
	b.WriteString("\r\nHello all.\r\n")
	return b.Bytes()
}
