package main

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/deskd/deskd/tickets"
)

// webRun signs a staff member in (a session written straight into the desk's database, as the
// sign-in link would leave it) and fetches the web desk's pages a person works from, -n times
// each: the queue's views, a few tickets, the team, statistics, searches in French and English,
// the style sheet. Every page must answer 200. It prints "pages N".
func webRun(args []string) error {
	fs := flag.NewFlagSet("web", flag.ExitOnError)
	config := fs.String("config", "deskd.toml", "the desk's configuration")
	base := fs.String("url", "", "the web desk, http://HOST:PORT")
	email := fs.String("as", "alice@corp.example", "the staff member signed in")
	n := fs.Int("n", 5, "times each page is fetched")
	_ = fs.Parse(args)
	db, cfg, err := openDeskDB(*config)
	if err != nil {
		return err
	}
	defer db.Close()
	raw := make([]byte, 24)
	_, _ = rand.Read(raw)
	secret := hex.EncodeToString(raw)
	id := sha256.Sum256([]byte(secret)) // The store keeps a session as the hash of its secret.
	now := time.Now().Unix()
	insert := `INSERT INTO sessions (id, email, csrf, created_at, seen_at) VALUES (?, ?, ?, ?, ?)`
	if tickets.IsPostgres(cfg.Desk.Database) {
		insert = `INSERT INTO sessions (id, email, csrf, created_at, seen_at) VALUES ($1, $2, $3, $4, $5)`
	}
	if _, err := db.Exec(insert, hex.EncodeToString(id[:]), strings.ToLower(*email), "bench", now, now); err != nil {
		return fmt.Errorf("session: %w", err)
	}
	var maxID int64
	if err := db.QueryRow(`SELECT COALESCE(MAX(id), 1) FROM tickets`).Scan(&maxID); err != nil {
		return err
	}
	pages := []string{"/queue", "/queue?view=unassigned", "/queue?view=open", "/queue?view=breach",
		"/queue?view=pending", "/team", "/stats", "/search?q=imprimante+bloqu%C3%A9e", "/search?q=vpn+certificate+error",
		"/search?q=outlook+crash&status=open", "/static/desk.css",
		fmt.Sprintf("/t/%d", maxID), fmt.Sprintf("/t/%d", max(1, maxID/2)), "/t/1"}
	c := &http.Client{Timeout: 60 * time.Second}
	got := 0
	for range *n {
		for _, p := range pages {
			req, err := http.NewRequest("GET", strings.TrimSuffix(*base, "/")+p, nil)
			if err != nil {
				return err
			}
			req.AddCookie(&http.Cookie{Name: "deskd_session", Value: secret})
			resp, err := c.Do(req)
			if err != nil {
				return err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("%s: %s", p, resp.Status)
			}
			got++
		}
	}
	fmt.Println("pages", got)
	return nil
}
