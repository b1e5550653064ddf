package mailin

import (
	"bufio"
	"crypto/sha256"
	"fmt"
	"hash"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/deskd/deskd/bench"
)

// TestParseGolden checks that the parse path reads every mail as it read it when the digests
// were written: for each corpus file (every file of every corpus folder but the CSV tickets)
// and each generated bench mail, a sha256 of everything Parse, parseWhole after the header
// pass, and Incoming of it return. Set DESKD_PARSE_GOLDEN to a file outside the repository:
// absent, it is written; present, every digest must match. Unset, the test skips.
//
//	DESKD_PARSE_GOLDEN=/tmp/parse-golden.txt go test ./mailin -run TestParseGolden
func TestParseGolden(t *testing.T) {
	golden := os.Getenv("DESKD_PARSE_GOLDEN")
	if golden == "" {
		t.Skip("DESKD_PARSE_GOLDEN not set")
	}
	type item struct {
		name string
		raw  []byte
	}
	var items []item
	g := &bench.Generator{Desk: "helpdesk@" + bench.Domain, Tag: "HD", Prefix: "p",
		Mix: bench.Mix{OutOfOffice: 2}, Rand: rand.New(rand.NewPCG(1, 2)), Now: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
	for i := range 500 {
		items = append(items, item{fmt.Sprintf("generated/%d", i), g.Make(i).Raw})
	}
	for _, c := range parseCases() {
		items = append(items, item{"case/" + c.name, c.raw})
	}
	root := corporaRoot()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if strings.HasSuffix(p, ".csv") && strings.HasPrefix(rel, "tickets_") {
			return nil
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		items = append(items, item{rel, raw})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	opt := ParseOptions{MaxAttachment: 1 << 20, DeskAddresses: []string{"helpdesk@corp.example", "helpdesk@" + bench.Domain}}
	got := map[string]string{}
	var names []string
	for _, it := range items {
		h := sha256.New()
		m, err := Parse(it.raw, opt)
		fmt.Fprintf(h, "err %v\n", err)
		dumpValue(h, reflect.ValueOf(m))
		if m != nil {
			dumpValue(h, reflect.ValueOf(Incoming(m, "fr")))
		}
		head, err := Parse(headerOf(it.raw), opt)
		fmt.Fprintf(h, "head err %v\n", err)
		w, err := parseWhole(it.raw, head, opt)
		fmt.Fprintf(h, "whole err %v\n", err)
		dumpValue(h, reflect.ValueOf(w))
		if w != nil {
			dumpValue(h, reflect.ValueOf(Incoming(w, "fr")))
		}
		got[it.name] = fmt.Sprintf("%x", h.Sum(nil))
		names = append(names, it.name)
	}
	sort.Strings(names)
	f, err := os.Open(golden)
	if os.IsNotExist(err) {
		var b strings.Builder
		for _, n := range names {
			fmt.Fprintf(&b, "%s %s\n", got[n], n)
		}
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %d digests to %s", len(names), golden)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, _ := strings.Cut(sc.Text(), " ")
		want[name] = sum
	}
	differ := 0
	for _, n := range names {
		if w, ok := want[n]; !ok || w != got[n] {
			differ++
			if differ <= 20 {
				t.Errorf("%s: digest differs", n)
			}
		}
	}
	if len(want) != len(names) {
		t.Errorf("%d digests on file, %d mails", len(want), len(names))
	}
	t.Logf("%d mails compared, %d differ", len(names), differ)
}

// dumpValue writes a canonical form of v to h: every field, exported or not, pointers
// followed, map keys sorted; the raw mail (Raw) and the header pass's cache (hdr) left out.
func dumpValue(h hash.Hash, v reflect.Value) {
	switch v.Kind() {
	case reflect.Invalid:
		h.Write([]byte("<invalid>"))
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			h.Write([]byte("nil"))
			return
		}
		h.Write([]byte("&"))
		dumpValue(h, v.Elem())
	case reflect.Struct:
		t := v.Type()
		fmt.Fprintf(h, "%s{", t.String())
		for i := range v.NumField() {
			name := t.Field(i).Name
			if name == "Raw" || name == "hdr" || name == "Request" {
				continue
			}
			fmt.Fprintf(h, "%s:", name)
			dumpValue(h, v.Field(i))
			h.Write([]byte(","))
		}
		h.Write([]byte("}"))
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			h.Write([]byte("nilslice"))
			return
		}
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			fmt.Fprintf(h, "bytes%d:", v.Len())
			h.Write(v.Bytes())
			return
		}
		fmt.Fprintf(h, "[%d:", v.Len())
		for i := range v.Len() {
			dumpValue(h, v.Index(i))
			h.Write([]byte(","))
		}
		h.Write([]byte("]"))
	case reflect.Map:
		if v.IsNil() {
			h.Write([]byte("nilmap"))
			return
		}
		keys := v.MapKeys()
		ks := make([]string, len(keys))
		for i, k := range keys {
			kh := &strHash{}
			dumpValue(kh, k)
			ks[i] = kh.String()
		}
		idx := make([]int, len(keys))
		for i := range idx {
			idx[i] = i
		}
		slices.SortFunc(idx, func(a, b int) int { return strings.Compare(ks[a], ks[b]) })
		fmt.Fprintf(h, "map%d{", len(keys))
		for _, i := range idx {
			h.Write([]byte(ks[i]))
			h.Write([]byte(":"))
			dumpValue(h, v.MapIndex(keys[i]))
			h.Write([]byte(","))
		}
		h.Write([]byte("}"))
	case reflect.String:
		fmt.Fprintf(h, "%q", v.String())
	case reflect.Bool:
		fmt.Fprintf(h, "%t", v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		fmt.Fprintf(h, "%d", v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		fmt.Fprintf(h, "%d", v.Uint())
	case reflect.Float32, reflect.Float64:
		fmt.Fprintf(h, "%v", math.Float64bits(v.Float()))
	case reflect.Func:
		fmt.Fprintf(h, "func%t", v.IsNil())
	default:
		fmt.Fprintf(h, "<%s>", v.Kind())
	}
}

// strHash is a hash.Hash that keeps what is written, for sorting map keys by their dump.
type strHash struct{ strings.Builder }

func (s *strHash) Sum(b []byte) []byte { return append(b, s.String()...) }
func (s *strHash) Reset()              { s.Builder.Reset() }
func (s *strHash) Size() int           { return 0 }
func (s *strHash) BlockSize() int      { return 1 }
