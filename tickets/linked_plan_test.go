package tickets

import (
	"context"
	"strings"
	"testing"

	"github.com/deskd/deskd/tickets/storetest"
)

// TestLinkedQueriesUseIndex: an incident's requests are read through the partial index
// tickets_incident, not by scanning every ticket of the desk.
func TestLinkedQueriesUseIndex(t *testing.T) {
	storetest.SQLiteOnly(t) // PostgreSQL's plans say other words.
	d := newTestDesk(t)
	for _, q := range []string{linkedQuery, linkedActiveQuery} {
		rows, err := d.Store.Reader().QueryContext(context.Background(), `EXPLAIN QUERY PLAN `+q, 7)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if all := strings.Join(plan, "\n"); strings.Contains(all, "SCAN") || !strings.Contains(all, "tickets_incident") {
			t.Errorf("plan of %s:\n%s", q, all)
		}
	}
}
