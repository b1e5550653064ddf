package tickets

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/deskd/deskd/internal/underrace"
)

// unmarshalTwin is json.Unmarshal of data into a fresh value of v's type, as the readers must
// give it: the value and the error's text.
func unmarshalTwin[T any](data string) (T, string) {
	var v T
	err := json.Unmarshal([]byte(data), &v)
	return v, errText(err)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// sameNotice fails t unless readNotice gives what json.Unmarshal gives for data.
func sameNotice(t *testing.T, data string) {
	t.Helper()
	want, werr := unmarshalTwin[Notice](data)
	var got Notice
	gerr := errText(readNotice(data, &got))
	if gerr != werr || !reflect.DeepEqual(got, want) {
		t.Fatalf("notice %q:\n got %+v, %q\nwant %+v, %q", data, got, gerr, want, werr)
	}
}

// sameStrings fails t unless readStrings gives what json.Unmarshal gives for data.
func sameStrings(t *testing.T, data string) {
	t.Helper()
	want, werr := unmarshalTwin[[]string](data)
	var got []string
	gerr := errText(readStrings(data, &got))
	if gerr != werr || !reflect.DeepEqual(got, want) {
		t.Fatalf("list %q:\n got %#v, %q\nwant %#v, %q", data, got, gerr, want, werr)
	}
}

// readsFast reports whether the hand-written reader reads data itself, without json.Unmarshal.
func readsFast(data string) bool {
	var n Notice
	r := jsonReader{s: data}
	return r.notice(&n) && r.end()
}

// TestReadNoticeSameAsUnmarshal holds readNotice to json.Unmarshal over random notices in which
// every field is set or left zero, with every string the writer escapes, as appendNotice and
// json.Marshal write them, indented, and cut or changed at random. Each notice the writer makes
// is read by hand, unless it has what the reader leaves to json.Unmarshal (History, Digest, a
// name's key with an escape).
func TestReadNoticeSameAsUnmarshal(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	fast := 0
	for i := range underrace.Rounds(1500) {
		var n Notice
		fillRandom(r, reflect.ValueOf(&n).Elem(), 0)
		if i%3 > 0 { // Most mails' notices have neither.
			n.History, n.Digest = nil, nil
		}
		b, err := noticeJSON(nil, &n)
		if err != nil {
			continue // A time RFC 3339 cannot hold: never stored.
		}
		data := string(b)
		sameNotice(t, data)
		canFast := len(n.History) == 0 && n.Digest == nil
		for k := range n.Names {
			canFast = canFast && !strings.Contains(string(appendJSONString(nil, k)), `\`)
		}
		if readsFast(data) != canFast {
			t.Fatalf("notice %d: read by hand %v, want %v: %s", i, !canFast, canFast, data)
		}
		if canFast {
			fast++
		}
		if i%10 == 0 {
			var in bytes.Buffer
			_ = json.Indent(&in, b, " ", "\t")
			sameNotice(t, in.String())
		}
		for range 3 {
			sameNotice(t, mutate(r, data))
		}
	}
	t.Logf("%d read by hand", fast)
	if fast < underrace.Rounds(500) {
		t.Errorf("only %d notices read by hand", fast)
	}
}

// mutate changes data at random: a byte cut, doubled, replaced by a byte JSON cares about, or
// the text cut short.
func mutate(r *rand.Rand, data string) string {
	if data == "" {
		return data
	}
	i := r.IntN(len(data))
	special := []string{`"`, `\`, `\u`, `\ud800`, `\ud83d\ude00`, "\xff", "\x01", " ", ",", "}", "]", "{", "[", "null", "0", "-", "1e3", ".5", "\u2028"}
	switch r.IntN(4) {
	case 0:
		return data[:i] + data[i+1:]
	case 1:
		return data[:i] + data[i:i+1] + data[i:]
	case 2:
		return data[:i] + special[r.IntN(len(special))] + data[i+1:]
	}
	return data[:i]
}

// TestReadStringsSameAsUnmarshal holds readStrings to json.Unmarshal over random lists as the
// writer writes them, as PostgreSQL writes the delivered list (a space after each comma), and
// changed at random.
func TestReadStringsSameAsUnmarshal(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for range 3000 {
		var l []string
		if r.IntN(5) > 0 {
			l = []string{}
			for range r.IntN(4) {
				l = append(l, noticeStrings[r.IntN(len(noticeStrings))])
			}
		}
		data := string(appendJSONStrings(nil, l))
		sameStrings(t, data)
		sameStrings(t, strings.ReplaceAll(data, `","`, `", "`))
		for range 3 {
			sameStrings(t, mutate(r, data))
		}
	}
}

// TestReadOutboxJSONCases are the cases at the edge of what the readers read themselves.
func TestReadOutboxJSONCases(t *testing.T) {
	for _, data := range []string{``, ` `, `null`, ` null `, `nul`, `[]`, ` [ ] `, `[ "a" , "b" ]`, `["a",]`, `[,]`, `["a" "b"]`,
		`["a"] x`, `["a"]]`, `[null]`, `[1]`, `["a",null]`, `{"a":"b"}`, `"a"`, `[`, `["a`, `["a\`, `["a\"]`,
		`["\u00e9\u00E9"]`, `["\u0000"]`, `["\ud83d\ude00"]`, `["\ud800"]`, `["\udc00x"]`, `["\u12"]`, `["\u12g4"]`, `["a\/b"]`,
		`["\q"]`, "[\"\x01\"]", "[\"\x7f\"]", "[\"\xff\"]", "[\"é\"]", `["\u2028"]`, `["x@corp.example","y@corp.example"]`} {
		sameStrings(t, data)
	}
	ack := `{"desk_name":"Support","desk_address":"helpdesk@corp.example","tag":"HD","recipient":"a@client.example",` +
		`"recipient_name":"Alice","audience":"requester","ticket":{"id":7,"subject":"Imprimante \u003cHS\u003e \u0026 bloquée",` +
		`"requester":"a@client.example","requester_name":"Alice","status":"new","priority":"normal","category":"printing",` +
		`"category_label":"Impression","assignee":"","assignee_name":"","tier":1,"escalations":0,"created_at":"2026-12-02T09:00:00Z",` +
		`"first_response_at":"0001-01-01T00:00:00Z","first_response_due":"2026-12-02T13:00:00+01:00","resolve_due":"2026-12-04T09:00:00.5Z",` +
		`"next_due":"2026-12-02T13:00:00Z"},"due":"0001-01-01T00:00:00Z","names":{"a@client.example":"Alice"},"conversation":{"topic":"Imprimante"}}`
	if !readsFast(ack) {
		t.Fatalf("an acknowledgement's notice is left to json.Unmarshal")
	}
	for _, data := range []string{ack, `{}`, ` { } `, `null`, `[]`, `{"desk_name":"a","desk_name":"b"}`, `{"Desk_Name":"x"}`,
		`{"desk_name":null}`, `{"desk_name":1}`, `{"ticket":{"id":1.5}}`, `{"ticket":{"id":1e2}}`, `{"ticket":{"id":99999999999999999999}}`,
		`{"ticket":{"id":999999999999999999}}`, `{"ticket":{"id":-0}}`, `{"ticket":{"id":-}}`, `{"ticket":{"id":01}}`, `{"ticket":{"id":"1"}}`,
		`{"ticket":{"tier":9223372036854775808}}`, `{"size":1e2}`, `{"size":-3}`, `{"due":"bad"}`, `{"due":""}`, `{"due":null}`, `{"due":5}`,
		`{"due":"2026-01-01T00:00:00\u002b01:00"}`, `{"due":"2026-01-01T00:00:00+01:00"}`, `{"due":"2026-01-01T00:00:00+25:00"}`,
		`{"due":"2026-1-01T00:00:00Z"}`, `{"incident":null}`, `{"incident":{}}`, `{"incident":{"id":3},"incident":{"subject":"x"}}`,
		`{"names":{"a":"b","a":"c"}}`, `{"names":{"a":null}}`, `{"names":{}}`, `{"names":null}`, `{"names":{"\u0061":"b"}}`,
		"{\"names\":{\"\xff\":\"b\"}}", "{\"names\":{\"\x01\":\"b\"}}", `{"names":{"é":"b"}}`, `{"unknown":1}`, `{"links":"x"}`,
		`{"LeftOut":[]}`, `{"kept":"true"}`, `{"kept":true,"direct":false}`, `{"kept":tru}`, `{"conversation":{"index":"a","index":"b"}}`,
		`{"conversation":{}}`, `{"conversation":{"index":"a","topic":"b"}}`, `{"questions":[]}`, `{"questions":null}`, `{"questions":["a",1]}`,
		`{"similar":[{"id":1,"subject":"s","note":"n","similarity":80,"resolved_at":"2026-01-01T00:00:00Z","requests":2}]}`,
		`{"similar":[{"id":1,"id":2}]}`, `{"similar":[]}`, `{"linked":[{},{"id":2}]}`, `{"escalations":[{"no_specialist":true}]}`,
		`{"history":[{"at":"2026-01-01T00:00:00Z","kind":"x"}]}`, `{"digest":{}}`, "{\n\t\"tag\" : \"HD\" ,\r\n\"kept\":true }",
		`{"tag":"HD"} x`, `{"tag":"HD"}}`, `{"tag":"HD",}`, `{"tag" "HD"}`, `{,}`, `{"tag":"\ud83d\ude00"}`, `{"ta\u0067":"HD"}`,
		`{"escalations_total":2,"size":3,"top_tier":true,"stayed":true,"unchanged":true,"all_attachments":true}`,
	} {
		sameNotice(t, data)
	}
	// A row written before a field was dropped from Notice: json.Unmarshal leaves the key out.
	sameNotice(t, strings.Replace(ack, `"tag":"HD"`, `"tag":"HD","old_field":{"a":[1,2,{"b":null}]}`, 1))
}

// TestReadTimeAsUnmarshal: a time is read as time.Time's UnmarshalJSON reads it, zone included.
func TestReadTimeAsUnmarshal(t *testing.T) {
	for _, tm := range []time.Time{{}, time.Date(2026, 12, 2, 9, 0, 0, 1, time.UTC), time.Date(2026, 12, 2, 9, 0, 0, 0, time.FixedZone("", -9*3600-1800)),
		time.Date(2026, 12, 2, 9, 0, 0, 0, time.Local)} {
		b, _ := json.Marshal(Notice{Due: tm})
		sameNotice(t, string(b))
	}
}

// FuzzReadOutboxJSON holds readNotice and readStrings to json.Unmarshal on any text: the same
// value and the same error.
func FuzzReadOutboxJSON(f *testing.F) {
	r := rand.New(rand.NewPCG(9, 10))
	for range 20 {
		var n Notice
		fillRandom(r, reflect.ValueOf(&n).Elem(), 0)
		if b, err := noticeJSON(nil, &n); err == nil {
			f.Add(string(b))
		}
	}
	for _, s := range []string{`null`, `[]`, `["a", "b"]`, `["\u00e9\ud83d\ude00"]`, `{"names":{"a":"b"}}`, `{"ticket":{"id":-0}}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		sameNotice(t, data)
		sameStrings(t, data)
	})
}

// rowValues is a row read before, which Scan gives again: a scanner without a database.
type rowValues []any

func (v rowValues) Scan(dest ...any) error {
	for i, d := range dest {
		reflect.ValueOf(d).Elem().Set(reflect.ValueOf(v[i]))
	}
	return nil
}

// BenchmarkScanOutbox reads the outbox rows of 20 new requests (their acknowledgements and
// assignment notices) as DueMail reads them, from memory, by scanOutbox (hand) and with the
// four json.Unmarshal calls it made before (unmarshal). Counting instructions, no set-up left
// in the difference of two run lengths:
//
//	go test -tags sqlite_fts5 -c -o /tmp/tickets.test ./tickets
//	GODEBUG=asyncpreemptoff=1,cpu.rdtscp=off GOGC=off GOMAXPROCS=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//	  /tmp/tickets.test -test.run '^$' -test.bench 'ScanOutbox/hand$' -test.benchtime 2000x   (and 1000x)
func BenchmarkScanOutbox(b *testing.B) {
	d := ingestDesk(b, 0)
	ctx := context.Background()
	batch := make([]*Incoming, 20)
	for i := range batch {
		batch[i] = benchRequest("o", int64(i))
	}
	if _, err := d.Ingest(ctx, t0, batch); err != nil {
		b.Fatal(err)
	}
	rows, err := d.Store.r.QueryContext(ctx, `SELECT `+outboxColumns+` FROM outbox o LEFT JOIN outbox_data d ON d.id = o.id ORDER BY o.id`)
	if err != nil {
		b.Fatal(err)
	}
	var table []rowValues
	for rows.Next() {
		var m OutboxMail
		var to, cc, refs, delivered string
		var data sql.NullString
		var created int64
		v := []any{&m.ID, &m.TicketID, &m.Kind, &to, &cc, &m.Language, &data, &m.MessageID, &m.InReplyTo,
			&refs, &m.Automatic, &m.Attempts, &created, &m.LastError, &m.Cause, &delivered}
		if err := rows.Scan(v...); err != nil {
			b.Fatal(err)
		}
		row := make(rowValues, len(v))
		for i := range v {
			row[i] = reflect.ValueOf(v[i]).Elem().Interface()
		}
		table = append(table, row)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil || len(table) < 40 {
		b.Fatal(len(table), err)
	}
	unmarshal := func(row scanner) (OutboxMail, error) { // scanOutbox as it was.
		var m OutboxMail
		var to, cc, refs, delivered string
		var data sql.NullString
		var created int64
		_ = row.Scan(&m.ID, &m.TicketID, &m.Kind, &to, &cc, &m.Language, &data, &m.MessageID, &m.InReplyTo,
			&refs, &m.Automatic, &m.Attempts, &created, &m.LastError, &m.Cause, &delivered)
		m.CreatedAt = time.Unix(created, 0).UTC()
		m.References = strings.Fields(refs)
		return m, errors.Join(json.Unmarshal([]byte(delivered), &m.Delivered), json.Unmarshal([]byte(to), &m.To),
			json.Unmarshal([]byte(cc), &m.Cc), json.Unmarshal([]byte(data.String), &m.Notice))
	}
	for _, f := range []struct {
		name string
		scan func(scanner) (OutboxMail, error)
	}{{"hand", scanOutbox}, {"unmarshal", unmarshal}} {
		b.Run(f.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := range b.N {
				for _, row := range table {
					if _, err := f.scan(row); err != nil {
						b.Fatal(i, err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(table)), "ns/row")
			b.ReportMetric(float64(len(table)), "rows/op")
		})
	}
}
