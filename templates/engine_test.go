package templates

import (
	"sync"
	"testing"

	"github.com/deskd/deskd/tickets"
)

// TestEngineParsedAgain: Load drops the text/template and html/template templates of the kinds
// the evaluator runs; a mail rendered with them after all (forced here, as errFallback would)
// parses them again, once for all the goroutines asking at the same time, and writes every
// sample, in every language, as the templates Load parsed and kept write it, and as the
// evaluator writes it.
func TestEngineParsedAgain(t *testing.T) {
	kept, err := loadSet("", true, true)
	if err != nil {
		t.Fatal(err)
	}
	s := load(t, "")
	kept = kept.In(s.loc)
	dropped := 0
	for _, lang := range s.Languages() {
		for _, kind := range tickets.MailKinds {
			e := s.kind(lang + "/" + kind).engine
			if s.kind(lang+"/"+kind).fast == nil {
				if e.text == nil {
					t.Fatalf("%s/%s: not run by the evaluator, and its templates were dropped", lang, kind)
				}
				continue
			}
			if e.text != nil || e.html != nil {
				t.Fatalf("%s/%s: run by the evaluator, and its templates were kept", lang, kind)
			}
			dropped++
			samples := Samples(kind, lang)
			var wg sync.WaitGroup
			for g := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i, n := range samples {
						if (i+g)%2 == 0 {
							continue // The goroutines ask in different orders.
						}
						want, wt, wh, werr := kept.render(kind, lang, n, engine)
						got, gt, gh, gerr := s.render(kind, lang, n, engine)
						fast, ft, fh, ferr := s.Render(kind, lang, n)
						if werr != nil || gerr != nil || ferr != nil {
							t.Errorf("%s/%s %d: %v, %v, %v", lang, kind, i+1, werr, gerr, ferr)
							return
						}
						if [3]string{got, gt, gh} != [3]string{want, wt, wh} || [3]string{fast, ft, fh} != [3]string{want, wt, wh} {
							t.Errorf("%s/%s %d: parsed again:\n%s\n%s\n%s\nkept:\n%s\n%s\n%s", lang, kind, i+1, got, gt, gh, want, wt, wh)
							return
						}
					}
				}()
			}
			wg.Wait()
			if e.text == nil || e.html == nil {
				t.Fatalf("%s/%s: not parsed again", lang, kind)
			}
		}
	}
	if dropped == 0 {
		t.Fatal("no templates were dropped")
	}
}

// TestEngineParsedAgainFromLoadedOverride: templates parsed again read the override as Load read
// it, not as the file reads since (it is checked at Load only).
func TestEngineParsedAgainFromLoadedOverride(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "en/ack.txt", `{{define "subject"}}Got it{{end}}Loaded {{.Subject}}`+"\n")
	s := load(t, dir)
	if s.kind("en/ack").fast == nil || s.kind("en/ack").engine.text != nil {
		t.Fatal("en/ack: its templates for text/template are not dropped")
	}
	writeFile(t, dir, "en/ack.txt", `{{define "subject"}}Changed{{end}}Changed {{.Nope}}`+"\n")
	n := Samples(tickets.KindAck, "en")[0]
	subject, text, _, err := s.render(tickets.KindAck, "en", n, engine)
	if err != nil || subject != Ref(n.Tag, n.Ticket.ID)+" Got it" || text != "Loaded "+CleanSubject(n.Ticket.Subject, n.Tag)+"\n" {
		t.Fatalf("%q %q, %v", subject, text, err)
	}
}
