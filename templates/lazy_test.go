package templates

import (
	"strings"
	"sync"
	"testing"

	"github.com/deskd/deskd/tickets"
)

// TestLoadDefersEmbeddedKinds: Load of the embedded templates alone parses and renders nothing
// (kindEntry); the kinds are readied on first use only, and each only once.
func TestLoadDefersEmbeddedKinds(t *testing.T) {
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	for key, e := range s.kinds {
		if e.engine != nil || e.fast != nil {
			t.Fatalf("%s: readied at load", key)
		}
	}
	if _, _, _, err := s.Render(tickets.KindAck, "fr", Samples(tickets.KindAck, "fr")[0]); err != nil {
		t.Fatal(err)
	}
	for key, e := range s.kinds {
		if ready := e.engine != nil; ready != (key == "fr/ack") {
			t.Errorf("%s: readied %v after a mail of fr/ack", key, ready)
		}
	}
}

// TestLazyKindsSameAsLoaded: a Set whose kinds are readied on first use, by many goroutines at
// once in every language and kind, writes every sample as a Set readied at load does.
func TestLazyKindsSameAsLoaded(t *testing.T) {
	eager, err := loadSet("", true, false)
	if err != nil {
		t.Fatal(err)
	}
	lazy := load(t, "")
	eager = eager.In(lazy.loc)
	var wg sync.WaitGroup
	for range 4 {
		for _, lang := range lazy.Languages() {
			for _, kind := range tickets.MailKinds {
				wg.Go(func() {
					for i, n := range Samples(kind, lang) {
						s1, t1, h1, err1 := lazy.Render(kind, lang, n)
						s2, t2, h2, err2 := eager.Render(kind, lang, n)
						if err1 != nil || err2 != nil || s1 != s2 || t1 != t2 || h1 != h2 {
							t.Errorf("%s/%s sample %d: lazy %q %v, loaded %q %v", lang, kind, i+1, s1, err1, s2, err2)
						}
					}
				})
			}
		}
	}
	wg.Wait()
	for key, e := range lazy.kinds {
		if (e.fast != nil) != (eager.kinds[key].fast != nil) {
			t.Errorf("%s: run by the evaluator %v lazily, %v at load", key, e.fast != nil, eager.kinds[key].fast != nil)
		}
	}
}

// TestLoadRefusesBrokenOverride: an override that parses but fails on a sample is still refused
// by Load, with the error naming the kind and the sample, as when every kind was readied at load.
func TestLoadRefusesBrokenOverride(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "fr/resolved.txt", "{{.Ticket.Nope}}")
	_, err := Load(dir)
	const want = `templates: fr/resolved (sample 1): render fr/resolved text: template: resolved:1:9: executing "resolved" at <.Ticket.Nope>: can't evaluate field Nope in type tickets.TicketInfo`
	if err == nil || err.Error() != want {
		t.Fatalf("Load: %v\nwant %s", err, want)
	}
	if !strings.Contains(err.Error(), "sample 1") {
		t.Fatal(err)
	}
}
