package tickets

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/deskd/deskd/bench"
	"github.com/deskd/deskd/tickets/storetest"
)

// TestNamesWaitWithTheRows: the names a batch's mails give their senders and copies wait with the
// batch's other rows (pendingRows.people) instead of a statement a mail, which wrote every row that
// waited before it; the people table ends as when the same mails come one at a time: a name is
// never replaced by a mail, the first name a mail gives is kept, and a requester's own name wins.
func TestNamesWaitWithTheRows(t *testing.T) {
	requests := func() []*Incoming {
		var out []*Incoming
		for i := range 40 {
			p := bench.Requester("nm", int64(i%25)) // Some requesters write twice.
			subject, body, _ := bench.Topic(int64(i), p.Language)
			cc := fmt.Sprintf("colleague%d@corp.example", i%7)
			in := &Incoming{MessageID: fmt.Sprintf("nm%d@client.example", i), From: p.Email, FromName: p.Name,
				To: []string{"helpdesk@corp.example"}, Cc: []string{cc}, Subject: subject, Text: body,
				Language: p.Language, Verdict: VerdictPerson,
				Names: map[string]string{p.Email: p.Name, cc: fmt.Sprintf("Colleague %d/%d", i%7, i)}}
			if i%5 == 0 {
				in.Names[p.Email] = "Someone Else" // Not the name the requester signs with.
			}
			if i%9 == 0 {
				delete(in.Names, cc)
				in.FromName = "" // No name of the sender's own.
			}
			out = append(out, in)
		}
		return out
	}
	people := func(d *Desk) string {
		rows, err := d.Store.Reader().Query(peopleTableSQL)
		return peopleTable(t, rows, err)
	}
	one, batch := newTestDesk(t), newTestDesk(t)
	for _, in := range requests() {
		ingest(t, one, t0, in)
	}
	var mu sync.Mutex
	var messages int
	batch.Store.trace = func(q string) {
		if strings.Contains(q, "INSERT INTO messages") {
			mu.Lock()
			messages++
			mu.Unlock()
		}
	}
	ingest(t, batch, t0, requests()...)
	batch.Store.trace = nil
	if a, b := people(one), people(batch); a != b || a == "" {
		t.Errorf("one at a time:\n%s\nin one batch:\n%s", a, b)
	}
	if messages > 4 {
		t.Errorf("the batch's 40 mails were written in %d statements: the names wrote them a mail at a time", messages)
	}
}

// TestPendingNameOfAsSQL: the name pendingRows.nameOf reads from the rows that wait is the one
// the table holds once they are written, one statement a row or in runs (flushRows), for random
// sequences of correspondents' own names and mails' names over a few addresses.
func TestPendingNameOfAsSQL(t *testing.T) {
	storetest.SQLiteOnly(t) // PostgreSQL writes each row at once (rememberPerson, rememberNames).
	d := newTestDesk(t)
	rng := rand.New(rand.NewPCG(7, 11))
	emails := []string{"a@x.example", "b@x.example", "c@x.example"}
	names := []string{"", "", "Ann", "Bob", "Cy"}
	for round := range 300 {
		var p pendingRows
		for range rng.IntN(8) {
			e, n := emails[rng.IntN(len(emails))], names[rng.IntN(len(names))]
			if rng.IntN(2) == 0 {
				p.people = append(p.people, []any{e, n, "fr"})
			} else if n != "" { // rememberNames keeps no empty name.
				p.people = append(p.people, []any{e, n})
			}
		}
		stored := map[string]string{}
		err := d.Update(context.Background(), t0, func(tx *Tx) error {
			if _, err := tx.exec(`DELETE FROM people`); err != nil {
				return err
			}
			for _, e := range emails[:rng.IntN(len(emails)+1)] { // Some are known already.
				stored[e] = names[rng.IntN(len(names))]
				if _, err := tx.exec(`INSERT INTO people (email, name) VALUES (?, ?)`, e, stored[e]); err != nil {
					return err
				}
			}
			tx.pending.people = slices.Clone(p.people)
			if err := tx.flushPending(); err != nil {
				return err
			}
			for _, e := range emails {
				var got string
				if err := tx.lookup(`SELECT name FROM people WHERE email = ?`, e).Scan(&got); err != nil && !errors.Is(err, sql.ErrNoRows) {
					return err
				}
				if want := p.nameOf(e, stored[e]); got != want {
					t.Errorf("round %d: %s is %q in the table, %q from the rows that waited %v over %q", round, e, got, want, p.people, stored[e])
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestPeopleGroupedAsInOrder: flushRows writes a batch's correspondents' rows before the mails'
// names (groupPeople), each kind in multi-row statements; the people table ends as when each row
// is written by a statement of its own in the batch's order, names and languages, for random
// sequences over a few addresses, some known already.
func TestPeopleGroupedAsInOrder(t *testing.T) {
	storetest.SQLiteOnly(t) // PostgreSQL writes each row at once (rememberPerson, rememberNames).
	d := newTestDesk(t)
	rng := rand.New(rand.NewPCG(3, 5))
	emails := []string{"a@x.example", "b@x.example", "c@x.example", "d@x.example"}
	names := []string{"", "", "Ann", "Bob", "Cy"}
	languages := []string{"", "", "fr", "en"}
	table := func(tx *Tx) string {
		rows, err := tx.query(peopleTableSQL)
		return peopleTable(t, rows, err)
	}
	var grouped int
	for round := range 400 {
		var people [][]any
		for range rng.IntN(12) {
			e, n := emails[rng.IntN(len(emails))], names[rng.IntN(len(names))]
			if rng.IntN(2) == 0 {
				people = append(people, []any{e, n, languages[rng.IntN(len(languages))]})
			} else if n != "" { // rememberNames keeps no empty name.
				people = append(people, []any{e, n})
			}
		}
		var known [][]any
		for _, e := range emails[:rng.IntN(len(emails)+1)] {
			known = append(known, []any{e, names[rng.IntN(len(names))], languages[rng.IntN(len(languages))]})
		}
		var want, got string
		err := d.Update(context.Background(), t0, func(tx *Tx) error {
			reset := func() error {
				if _, err := tx.exec(`DELETE FROM people`); err != nil {
					return err
				}
				for _, k := range known {
					if _, err := tx.exec(`INSERT INTO people (email, name, language) VALUES (?, ?, ?)`, k...); err != nil {
						return err
					}
				}
				return nil
			}
			if err := reset(); err != nil {
				return err
			}
			for _, r := range people { // In order, a statement a row.
				q := upsertPeopleSQL(1)
				if len(r) == 2 {
					q = fillNamesSQL(1)
				}
				if _, err := tx.exec(q, r...); err != nil {
					return err
				}
			}
			want = table(tx)
			if err := reset(); err != nil {
				return err
			}
			var statements int
			d.Store.trace = func(q string) {
				if strings.Contains(q, "INSERT INTO people") {
					statements++
				}
			}
			tx.pending.people = slices.Clone(people)
			err := tx.flushPending()
			d.Store.trace = nil
			if err != nil {
				return err
			}
			wide := 0
			for _, r := range people {
				if len(r) == 3 {
					wide++
				}
			}
			if statements > bitsSet(wide)+bitsSet(len(people)-wide) {
				t.Errorf("round %d: %d rows written in %d statements", round, len(people), statements)
			}
			if statements < len(people) {
				grouped++
			}
			got = table(tx)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("round %d: rows %v over %v:\nin order: %s\ngrouped:  %s", round, people, known, want, got)
		}
	}
	if grouped == 0 {
		t.Error("no round wrote its rows in fewer statements than rows")
	}
}

// bitsSet is the number of 1 bits of n: how many statements chunk's sizes write n rows in.
func bitsSet(n int) int {
	c := 0
	for ; n > 0; n &= n - 1 {
		c++
	}
	return c
}

// peopleTableSQL reads the people table's addresses, names and languages, a line each.
const peopleTableSQL = `SELECT email || ' ' || name || ' ' || language FROM people ORDER BY email`

// peopleTable is what peopleTableSQL read, its lines joined.
func peopleTable(t *testing.T, rows *sql.Rows, err error) string {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return strings.Join(out, "\n")
}
