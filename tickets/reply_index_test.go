package tickets

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestRepliesIndexSameAsReindex ingests mixed batches (new requests; replies to tickets opened
// in the same batch, to tickets of an earlier batch, twice to one ticket; thank-you notes to
// resolved tickets; by In-Reply-To a request of the same batch) and compares the search documents and term counts the writer made, its
// documents written with the batch's other rows (pendingRows.appends, docs), with those a
// reindex from the tickets' messages makes: the same terms, in the same order, counted alike.
func TestRepliesIndexSameAsReindex(t *testing.T) {
	ctx := context.Background()
	for name, fts4 := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			d := newSearchDesk(t, fts4)
			const first = 12
			var batch []*Incoming
			for i := int64(1); i <= first; i++ {
				batch = append(batch, benchRequest("a", i))
			}
			ingest(t, d, t0, batch...)
			for id := int64(1); id <= 3; id++ {
				resolveTicket(t, d, t0.Add(time.Hour), id, "Fixed.")
			}
			// reply is the requester of ticket id (the i-th mail of series prefix) writing again.
			reply := func(prefix string, i, id int64, n int, text string) *Incoming {
				in := benchRequest(prefix, i)
				in.MessageID = fmt.Sprintf("re%d-%d-%s@client.example", id, n, prefix)
				in.Subject = fmt.Sprintf("RE: [HD #%d] %s", id, in.Subject)
				in.Text = text
				return in
			}
			at := t0.Add(2 * time.Hour)
			batch = nil
			for i := int64(1); i <= 6; i++ {
				batch = append(batch, benchRequest("b", i)) // Tickets first+1 to first+6.
			}
			batch = append(batch,
				reply("b", 2, first+2, 1, "Still broken after the restart, the screen shows error 0x80070005."),
				reply("a", 5, 5, 1, "Le problème revient chaque matin vers 9h, même message d'erreur."),
				reply("a", 1, 1, 1, "Thanks, works now!"),
				reply("b", 4, first+4, 1, "Another colleague has the same problem on the second floor."),
				benchRequest("b", 7),
				reply("a", 5, 5, 2, "Nouvelle capture jointe, le VPN coupe toutes les dix minutes."),
				reply("b", 2, first+2, 2, "And now the printer too."),
				reply("a", 2, 2, 1, "Merci beaucoup, tout fonctionne !"),
				reply("a", 9, 9, 1, "Any news? The error is still there."),
				reply("b", 7, first+7, 1, "Forgot to say: it is the laptop PC-4411."),
			)
			// By In-Reply-To the request, whose row waits with the batch's (messageTicket).
			byRef := reply("b", 3, first+3, 1, "The projector in room 4 does the same.")
			byRef.Subject, byRef.InReplyTo = "Re: "+batch[2].Subject, []string{batch[2].MessageID}
			batch = append(batch, byRef)
			next := reply("b", 7, first+7, 2, "Same on the second screen.")
			next.Subject, next.InReplyTo = "Re: "+batch[10].Subject, []string{batch[10].MessageID}
			batch = append(batch, next) // Right after its request.
			out := ingest(t, d, at, batch...)
			counts := map[string]int{}
			for _, o := range out {
				counts[o.Action]++
			}
			if counts[ActionOpened] != 7 || counts[ActionAppended] < 8 {
				t.Fatalf("outcomes %v: want 7 opened and the replies appended", counts)
			}
			got := indexSnapshot(t, d.Store)
			if _, err := d.Store.w.Exec(`DELETE FROM kv WHERE key = ?`, kvSearchIndex); err != nil {
				t.Fatal(err)
			}
			if err := d.Store.ensureSearchIndex(ctx); err != nil {
				t.Fatal(err)
			}
			if want := indexSnapshot(t, d.Store); !slices.Equal(got, want) {
				for i := range max(len(got), len(want)) {
					var g, w string
					if i < len(got) {
						g = got[i]
					}
					if i < len(want) {
						w = want[i]
					}
					if g != w {
						t.Errorf("row %d:\ngot  %s\nwant %s", i, g, w)
					}
				}
			}
		})
	}
}
