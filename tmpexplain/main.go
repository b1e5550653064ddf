package main

import (
	"database/sql"
	"fmt"
	"os"
	"time"

	_ "github.com/mattn/go-sqlite3"
)

func main() {
	db, err := sql.Open("sqlite3", "file:"+os.Args[1]+"?mode=ro&_journal_mode=WAL")
	if err != nil {
		panic(err)
	}
	for _, q := range os.Args[2:] {
		rows, err := db.Query("EXPLAIN QUERY PLAN " + q)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(q)
		for rows.Next() {
			var a, b, c int
			var d string
			rows.Scan(&a, &b, &c, &d)
			fmt.Println("   ", d)
		}
		rows.Close()
		t := time.Now()
		n := 0
		for i := 0; i < 5; i++ {
			r, _ := db.Query(q)
			for r.Next() {
				n++
			}
			r.Close()
		}
		fmt.Println("   ", time.Since(t)/5, n/5, "rows")
	}
}
