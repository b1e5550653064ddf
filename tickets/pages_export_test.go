package tickets

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"testing"
)

// What BenchmarkNewRequestPages (package tickets_test) takes from the package: the write-ahead
// log held back from the checkpoints, and read frame by frame.

// BenchHoldLog stops the store's checkpoints and empties the write-ahead log: from here on every
// page the writer commits stays in the log, one frame a page and commit, until the store closes.
func (s *Store) BenchHoldLog(b *testing.B) {
	b.Helper()
	if err := s.ckpt.close(); err != nil {
		b.Fatal(err)
	}
	var busy, logPages, done int
	if err := s.w.QueryRow(`PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logPages, &done); err != nil {
		b.Fatal(err)
	}
	if busy != 0 { // The log not emptied: the frames counted would include older ones.
		b.Fatalf("the checkpoint did not finish (%d of %d pages): a reader held it", done, logPages)
	}
}

// BenchLogPages returns the page number of each frame of the write-ahead log (its header: 32
// bytes; a frame: 24 bytes of header, the page number first, then the page).
func (s *Store) BenchLogPages(b *testing.B) []uint32 {
	b.Helper()
	var seq int
	var name, path string
	if err := s.w.QueryRow(`PRAGMA database_list`).Scan(&seq, &name, &path); err != nil {
		b.Fatal(err)
	}
	var pageSize int
	if err := s.w.QueryRow(`PRAGMA page_size`).Scan(&pageSize); err != nil {
		b.Fatal(err)
	}
	f, err := os.Open(path + "-wal")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Seek(32, io.SeekStart); err != nil {
		b.Fatal(err)
	}
	var pages []uint32
	frame := make([]byte, 24+pageSize)
	for {
		if _, err := io.ReadFull(f, frame); err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return pages
			}
			b.Fatal(err)
		}
		pages = append(pages, binary.BigEndian.Uint32(frame))
	}
}

// BenchPageOwners names the b-tree (table or index) of each page of the database, from the dbstat
// virtual table: nil when this build has none (go test -tags sqlite_dbstat has it).
func (s *Store) BenchPageOwners(b *testing.B) map[uint32]string {
	b.Helper()
	rows, err := s.w.Query(`SELECT name, pageno FROM dbstat`)
	if err != nil {
		return nil
	}
	defer rows.Close()
	owners := map[uint32]string{}
	for rows.Next() {
		var name string
		var page uint32
		if err := rows.Scan(&name, &page); err != nil {
			b.Fatal(err)
		}
		owners[page] = name
	}
	if err := rows.Err(); err != nil {
		b.Fatal(fmt.Errorf("dbstat: %w", err))
	}
	return owners
}
