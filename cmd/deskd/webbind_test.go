package main

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deskd/deskd/cmd/deskd/config"
)

// TestServeGoesOnWhenTheWebAddressIsTaken: another program holds the web desk's address (Mailpit
// serves its page on 8025 too). deskd serve still takes and acknowledges mail, says why the web
// desk is missing, and serves it as soon as the address is free.
func TestServeGoesOnWhenTheWebAddressIsTaken(t *testing.T) {
	blocker, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := blocker.Addr().String()
	a, logs, w := servedWorldWith(t, func(text string) string {
		return config.SetKey(text, "web", "address", strconv.Quote(addr))
	})
	defer func(d time.Duration) { webRetry = d }(webRetry)
	webRetry = 50 * time.Millisecond

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.serveWith(ctx, nil, &systemd{}) }()

	from := "celine.dupre@corp.example"
	if err := w.deliver(from, desk, requestMail(from, "Imprimante en panne", "L'imprimante du 2e ne répond plus.")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for len(w.received(from)) == 0 {
		select {
		case err := <-done:
			t.Fatalf("serve returned %v with the web address taken; log:\n%s", err, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no acknowledgement in 15 s with the web address taken; log:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(logs.String(), "web desk not served") {
		t.Errorf("the log does not say why the web desk is missing:\n%s", logs.String())
	}

	_ = blocker.Close()
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the web desk not served 15 s after its address was freed: %v; log:\n%s", err, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve returned %v", err)
	}
}
