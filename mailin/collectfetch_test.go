package mailin

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/deskd/deskd/internal/underrace"
)

// TestCollectFetchAsCollect: collectFetch gives what FetchCommand.Collect gives, for the fetches
// the ingester makes (headers with their UID, size, flags and date; whole mails; the first bytes
// of a mail), on random mails and the corpora's.
func TestCollectFetchAsCollect(t *testing.T) {
	srv := newTestServer(t)
	r := rand.New(rand.NewPCG(20, 1))
	var raws [][]byte
	for range underrace.Rounds(300) {
		raws = append(raws, randomRawMail(r))
	}
	_ = filepath.WalkDir(corporaRoot(), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, err := os.ReadFile(p); err == nil && len(b) > 0 {
				raws = append(raws, b)
			}
		}
		return nil
	})
	raws = underrace.Sample(raws)
	for i, b := range raws {
		opts := &imap.AppendOptions{}
		if i%3 == 0 {
			opts.Flags = []imap.Flag{imap.FlagSeen}
		}
		if _, err := srv.user.Append("INBOX", literal{bytes.NewReader(b), int64(len(b))}, opts); err != nil {
			t.Fatal(err)
		}
	}
	c, err := imapclient.DialInsecure(srv.addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("helpdesk", "secret").Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	all := imap.UIDSet{imap.UIDRange{Start: 1, Stop: 0}}
	part := &imap.FetchItemBodySection{Peek: true, Partial: &imap.SectionPartial{Offset: 0, Size: 300}}
	for _, o := range []*imap.FetchOptions{
		{UID: true, RFC822Size: true, Flags: true, InternalDate: true, BodySection: []*imap.FetchItemBodySection{headerSection}},
		{UID: true, BodySection: []*imap.FetchItemBodySection{wholeSection}},
		{UID: true, BodySection: []*imap.FetchItemBodySection{part}},
	} {
		want, err := c.Fetch(all, o).Collect()
		if err != nil {
			t.Fatal(err)
		}
		got, err := collectFetch(c.Fetch(all, o))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(raws) || len(want) != len(raws) {
			t.Fatalf("%d and %d messages of %d", len(got), len(want), len(raws))
		}
		for i := range want {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Fatalf("message %d (%d bytes):\ngot  %+v\nwant %+v", i, len(raws[i]), got[i], want[i])
			}
		}
	}
}

// randomRawMail is a mail of random header fields and body: empty, short, or long enough for a
// literal of many reads.
func randomRawMail(r *rand.Rand) []byte {
	var b strings.Builder
	for i := range r.IntN(6) {
		fmt.Fprintf(&b, "X-F%d: %s\r\n", i, strings.Repeat("v", r.IntN(200)))
	}
	b.WriteString("Subject: s\r\n\r\n")
	n := []int{0, 1, r.IntN(100), r.IntN(5000), r.IntN(300000)}[r.IntN(5)]
	body := make([]byte, n)
	for i := range body {
		body[i] = "ab \r\n"[r.IntN(5)]
	}
	b.Write(body)
	return []byte(b.String())
}

// TestReadLiteralAsReadAll: readLiteral returns what io.ReadAll returns, whatever size the
// literal claims (its own, less, more, none, more than maxLiteralAlloc) and wherever its
// reader fails, and reads it to its end.
func TestReadLiteralAsReadAll(t *testing.T) {
	r := rand.New(rand.NewPCG(20, 2))
	failure := errors.New("connection reset")
	for i := range underrace.Rounds(20000) {
		n := []int{0, 1, r.IntN(50), r.IntN(5000)}[r.IntN(4)]
		if r.IntN(50) == 0 { // Past firstLiteralAlloc: the buffer grows.
			n = r.IntN(3 * firstLiteralAlloc)
		}
		data := make([]byte, n)
		for j := range data {
			data[j] = byte(r.IntN(256))
		}
		size := int64(len(data))
		switch r.IntN(6) {
		case 0:
			size = r.Int64N(size + 1)
		case 1:
			size += 1 + r.Int64N(100)
		case 2:
			size = -1
		case 3:
			size = maxLiteralAlloc + 1 + r.Int64N(1000)
		case 4:
			size = []int64{math.MaxInt64, 1 << 62, maxLiteralAlloc, firstLiteralAlloc, firstLiteralAlloc + 1}[r.IntN(5)]
		}
		var fail error
		if r.IntN(5) == 0 {
			fail = failure
		}
		chunk := 1 + r.IntN(700)
		wantLit := &fakeLiteral{data: data, size: size, chunk: chunk, fail: fail}
		want, wantErr := io.ReadAll(wantLit)
		lit := &fakeLiteral{data: data, size: size, chunk: chunk, fail: fail}
		got, err := readLiteral(lit)
		if !bytes.Equal(got, want) || (got == nil) != (want == nil) || !errors.Is(err, wantErr) || (err == nil) != (wantErr == nil) {
			t.Fatalf("case %d (size %d of %d, chunk %d, fail %v): got %d bytes, %v; want %d bytes, %v", i, size, len(data), chunk, fail, len(got), err, len(want), wantErr)
		}
		if fail == nil && !lit.eof {
			t.Fatalf("case %d: the literal was not read to its end", i)
		}
	}
}

// TestReadLiteralClaimNotSent: a literal that claims 16 MiB and sends 10 bytes, or 300 kB, before
// its end takes a buffer of about twice what came at most, not of what it claimed.
func TestReadLiteralClaimNotSent(t *testing.T) {
	for _, sent := range []int{10, 300 << 10} {
		got, err := readLiteral(&fakeLiteral{data: make([]byte, sent), size: maxLiteralAlloc, chunk: 4096})
		if err != nil || len(got) != sent {
			t.Fatalf("%d bytes sent: got %d, %v", sent, len(got), err)
		}
		if c := cap(got); c > 3*max(sent, firstLiteralAlloc) { // Doubled, and rounded up by the allocator.
			t.Errorf("%d bytes sent of %d claimed: a buffer of %d bytes", sent, maxLiteralAlloc, c)
		}
	}
}

// fakeLiteral is a literal of data that claims size and gives at most chunk bytes a read, then
// io.EOF, or fail instead of it.
type fakeLiteral struct {
	data  []byte
	size  int64
	chunk int
	fail  error
	eof   bool
}

func (l *fakeLiteral) Size() int64 { return l.size }

func (l *fakeLiteral) Read(p []byte) (int, error) {
	if len(l.data) == 0 {
		if l.fail != nil {
			return 0, l.fail
		}
		l.eof = true
		return 0, io.EOF
	}
	n := copy(p, l.data[:min(len(l.data), l.chunk)])
	l.data = l.data[n:]
	return n, nil
}
