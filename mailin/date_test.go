package mailin

import (
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestQuickDateAgrees: where quickDate reads a date, net/mail reads the same instant in the
// same zone; the forms it leaves to net/mail are still read.
func TestQuickDateAgrees(t *testing.T) {
	dates := []string{
		"Mon, 30 Nov 2026 10:00:00 +0100", "Mon, 2 Jan 2006 15:04:05 -0700", "Tue, 01 Dec 2026 03:04:05 +0000",
		"Tue, 1 Dec 2026 03:04:05 -0000", "Wed, 30 Nov 2026 10:00:00 +0100", "mon, 30 nov 2026 10:00:00 +0100",
		"Mon, 30 Nov 2026 10:00:00 +0100 (CET)", "Mon, 30 Nov 2026 10:00:00 +01000", "Mon, 30 Nov 2026 10:00 +0100",
		"Mon, 30 Nov 26 10:00:00 +0100", "30 Nov 2026 10:00:00 +0100", "Mon, 31 Feb 2026 10:00:00 +0100",
		"Mon, 30 Nov 2026 25:00:00 +0100", "Mon, 30 Nov 2026 10:00:00 GMT", "Mon,  30 Nov 2026 10:00:00 +0100",
		"Mon, 30 Nov 2026 10:00:00 +0100\r\n", "Mon, 30-Nov-2026 10:00:00 +0100", "Mon, 30 Nov 2026 10:00:00 +2400",
		"Monday, 30 Nov 2026 10:00:00 +0100", "Mon, 30 Nov 2026 10:00:00.123 +0100", "Mon 30 Nov 2026 10:00:00 +0100",
	}
	if root := corporaRoot(); root != "" {
		filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil || len(b) > 1<<20 {
				return nil
			}
			for _, l := range strings.Split(string(b), "\n") {
				if v, ok := strings.CutPrefix(l, "Date:"); ok {
					dates = append(dates, strings.TrimSpace(v))
				}
			}
			return nil
		})
	}
	quick := 0
	for _, v := range dates {
		got, ok := quickDate(v)
		if !ok {
			continue
		}
		quick++
		want, err := mail.ParseDate(v)
		_, gotOff := got.Zone()
		_, wantOff := want.Zone()
		if err != nil || !got.Equal(want) || gotOff != wantOff || got.Format(time.RFC1123Z) != want.Format(time.RFC1123Z) {
			t.Errorf("quickDate(%q) = %v, net/mail gives %v (%v)", v, got, want, err)
		}
	}
	if quick < 5 {
		t.Errorf("quickDate read %d of %d dates", quick, len(dates))
	}
	if got := parseDate("Mon, 30 Nov 2026 10:00:00 +0100 (CET)"); !got.Equal(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("a date with a comment: %v", got)
	}
}
