//go:build linux && cgo

package main

import "testing"

// The malloc arenas are bounded for deskd serve only, found on the command line as main reads it.
func TestIsServeLine(t *testing.T) {
	for _, tt := range []struct {
		argv []string
		want bool
	}{
		{[]string{"deskd", "serve"}, true},
		{[]string{"deskd", "serve", "--config", "/etc/deskd.toml"}, true},
		{[]string{"deskd", "--config", "serve.toml", "serve"}, true},
		{[]string{"deskd", "--config=/etc/deskd.toml", "-v", "serve"}, true},
		{[]string{"deskd", "--config", "serve"}, false}, // "serve" is the file.
		{[]string{"deskd", "poll", "--once"}, false},
		{[]string{"deskd", "ticket", "show", "serve"}, false},
		{[]string{"deskd"}, false},
	} {
		if got := isServeLine(tt.argv...); got != tt.want {
			t.Errorf("%q: serve %v, want %v", tt.argv, got, tt.want)
		}
	}
}
