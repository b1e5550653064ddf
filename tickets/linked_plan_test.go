package tickets

import (
	"strings"
	"testing"

	"github.com/deskd/deskd/tickets/storetest"
)

// TestLinkedQueriesUseIndex: an incident's requests, and a ticket's follow-up, are read through
// their partial indexes, not by scanning every ticket of the desk.
func TestLinkedQueriesUseIndex(t *testing.T) {
	storetest.SQLiteOnly(t) // PostgreSQL's plans say other words.
	d := newTestDesk(t)
	for q, index := range map[string]string{linkedQuery: "tickets_incident", linkedActiveQuery: "tickets_incident", followUpQuery: "tickets_linked"} {
		args := []any{7}
		if q == followUpQuery {
			args = append(args, "a@corp.example")
		}
		if all := queryPlan(t, d.Store.Reader(), q, args...); strings.Contains(all, "SCAN") || !strings.Contains(all, index) {
			t.Errorf("plan of %s:\n%s", q, all)
		}
	}
}
