package web

import "testing"

// TestLogPath: a failed request's path is logged without its link token.
func TestLogPath(t *testing.T) {
	for p, want := range map[string]string{
		"/r/AXAAAAAAAAAABwAAAABrWGCQ":        "/r/…",
		"/r/AXAAAAAAAAAABwAAAABrWGCQ/file/3": "/r/…/file/3",
		"/v/AXAAAAAAAAAABwAAAABrWGCQ":        "/v/…",
		"/signin/y7YhKA8OQJrwPMmU":           "/signin/…",
		"/t/12/file/3":                       "/t/12/file/3",
		"/signin":                            "/signin",
	} {
		if got := logPath(p); got != want {
			t.Errorf("logPath(%q) = %q, want %q", p, got, want)
		}
	}
}
