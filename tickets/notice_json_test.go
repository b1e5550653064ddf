package tickets

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/deskd/deskd/internal/underrace"
)

// noticeStrings are the strings the filler picks from: every escape encoding/json makes.
var noticeStrings = []string{"", "a", "Alice Martin", "x@corp.example", "<b>&amp;</b>", "\"quoted\" \\ back",
	"tab\there\nline\r\n", "\b\f\x00\x01\x1f\x7f", "é à ç — « »", "\u2028\u2029", "bad \xff\xfe utf-8 \xc3",
	"emoji 😀", "Réf. #12 : l'imprimante", strings.Repeat("long ", 40)}

// fillRandom sets v (settable) to a random value, every field of a struct included, with
// zero values often enough that omitempty is exercised.
func fillRandom(r *rand.Rand, v reflect.Value, depth int) {
	if r.IntN(4) == 0 && v.Kind() != reflect.Struct {
		return // Left zero.
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(noticeStrings[r.IntN(len(noticeStrings))])
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 0)
	case reflect.Int, reflect.Int64:
		if v.Type() == reflect.TypeFor[time.Duration]() {
			v.SetInt(r.Int64N(1e12))
			return
		}
		v.SetInt(r.Int64N(1<<40) - 1<<39)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			zones := []*time.Location{time.UTC, time.FixedZone("CET", 3600), time.FixedZone("X", -9*3600-1800)}
			t := time.Unix(r.Int64N(4e9), r.Int64N(3)*r.Int64N(1e9)).In(zones[r.IntN(len(zones))])
			if r.IntN(5) == 0 {
				t = time.Time{}
			}
			v.Set(reflect.ValueOf(t))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fillRandom(r, v.Field(i), depth)
			}
		}
	case reflect.Pointer:
		if depth > 2 {
			return
		}
		p := reflect.New(v.Type().Elem())
		fillRandom(r, p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		if depth > 2 {
			return
		}
		n := r.IntN(4)
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			fillRandom(r, s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Map:
		if depth > 2 {
			return
		}
		m := reflect.MakeMap(v.Type())
		for range r.IntN(5) {
			k := reflect.New(v.Type().Key()).Elem()
			fillRandom(r, k, depth+1)
			e := reflect.New(v.Type().Elem()).Elem()
			fillRandom(r, e, depth+1)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	}
}

// TestNoticeJSONSameAsMarshal pins appendNotice to json.Marshal's bytes over random notices in
// which every field (a field added to Notice later included) is set or left zero.
func TestNoticeJSONSameAsMarshal(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	seen := map[string]bool{}
	for i := range underrace.Rounds(5000) {
		var n Notice
		fillRandom(r, reflect.ValueOf(&n).Elem(), 0)
		want, werr := json.Marshal(n)
		got, gerr := noticeJSON([]byte("prefix"), &n)
		if (werr != nil) != (gerr != nil) || werr != nil && werr.Error() != gerr.Error() {
			t.Fatalf("notice %d: error %v, json.Marshal's %v", i, gerr, werr)
		}
		if !bytes.Equal(got, append([]byte("prefix"), want...)) {
			t.Fatalf("notice %d:\n got %s\nwant prefix%s", i, got, want)
		}
		var keys map[string]json.RawMessage
		if json.Unmarshal(want, &keys) == nil {
			for k := range keys {
				seen[k] = true
			}
		}
	}
	// Every field of the JSON was written at least once (the filler reached it).
	for i := range reflect.TypeFor[Notice]().NumField() {
		name, _, _ := strings.Cut(reflect.TypeFor[Notice]().Field(i).Tag.Get("json"), ",")
		if name != "-" && !seen[name] {
			t.Errorf("field %q never written", name)
		}
	}
	// The notice of a new request's acknowledgement, as the writer makes it.
	n := Notice{DeskName: "Support", DeskAddress: "helpdesk@corp.example", Recipient: "a@client.example", Audience: "requester",
		Ticket:       TicketInfo{ID: 7, Subject: "Imprimante <HS> & bloquée", Status: "new", CreatedAt: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)},
		Names:        map[string]string{"b@x": "B", "a@x": "A"},
		Conversation: Conversation{Topic: "Imprimante"}}
	want, _ := json.Marshal(n)
	if got, err := noticeJSON(nil, &n); err != nil || string(got) != string(want) {
		t.Fatalf("got %s, %v\nwant %s", got, err, want)
	}
	// A time RFC 3339 cannot hold: json.Marshal's error.
	n.Due = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	_, werr := json.Marshal(n)
	if _, err := noticeJSON(nil, &n); err == nil || werr == nil || err.Error() != werr.Error() {
		t.Fatalf("error %v, json.Marshal's %v", err, werr)
	}
}

// TestJSONStringsSameAsMarshal pins the To and Cc lists' JSON to json.Marshal's.
func TestJSONStringsSameAsMarshal(t *testing.T) {
	for _, l := range [][]string{nil, {}, {"a@x"}, noticeStrings} {
		want, _ := json.Marshal(l)
		if got := appendJSONStrings(nil, l); string(got) != string(want) {
			t.Errorf("%q: got %s, want %s", l, got, want)
		}
	}
	for c := range 256 {
		s := string([]byte{'a', byte(c), 'b'})
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); string(got) != string(want) {
			t.Errorf("byte %#x: got %s, want %s", c, got, want)
		}
	}
}

// TestExplanationJSONSameAsMarshal pins explanationJSON to json.Marshal's bytes over random
// explanations, scores of every magnitude included.
func TestExplanationJSONSameAsMarshal(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	floats := []float64{0, 1, -1, 0.5, 1e-7, -2.5e-9, 1e21, 1e20, 123456789.125, 3.0000000000000004, 1e-6, 0.1 + 0.2}
	for i := range 3000 {
		var ex Explanation
		fillRandom(r, reflect.ValueOf(&ex).Elem(), 0)
		if len(ex.Scores) > 0 || r.IntN(2) == 0 {
			ex.Scores = map[string]float64{}
			for j := range r.IntN(4) {
				ex.Scores[noticeStrings[j]] = floats[r.IntN(len(floats))] * (r.Float64()*2 - 1)
				ex.Scores[noticeStrings[j+4]] = floats[r.IntN(len(floats))]
			}
		}
		want, werr := json.Marshal(ex)
		got, gerr := explanationJSON(&ex)
		if werr != nil || gerr != nil || string(got) != string(want) {
			t.Fatalf("explanation %d: %v %v\n got %s\nwant %s", i, gerr, werr, got, want)
		}
	}
	ex := Explanation{Scores: map[string]float64{"a": math.NaN()}}
	_, werr := json.Marshal(ex)
	if _, err := explanationJSON(&ex); err == nil || werr == nil || err.Error() != werr.Error() {
		t.Fatalf("error %v, json.Marshal's %v", err, werr)
	}
}
