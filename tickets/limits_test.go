package tickets

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestOmittedFilesRecorded: the files of a mail past the reader's limit are not kept, and the
// ticket says so; the raw mail is kept whole.
func TestOmittedFilesRecorded(t *testing.T) {
	d := newTestDesk(t)
	in := request("many@mail", "celine@corp.example", "Journaux", "Voici les journaux.")
	in.Raw = []byte("the raw mail, with its 250 files")
	in.Attachments = []IncomingAttachment{{Name: "a.log", ContentType: "text/plain", Size: 3, Data: []byte("abc")}}
	in.OmittedFiles = 249
	o := ingest(t, d, t0, in)
	if n := countRows(t, d, `SELECT COUNT(*) FROM attachments WHERE ticket_id = ?`, o[0].TicketID); n != 1 {
		t.Errorf("%d files stored, want the 1 kept", n)
	}
	if n := countRows(t, d, `SELECT COUNT(*) FROM events WHERE ticket_id = ? AND kind = ? AND actor = ? AND public = 0
		AND text LIKE '249 more files%' AND message_id = ?`, o[0].TicketID, EventNote, ActorDesk, "many@mail"); n != 1 {
		t.Errorf("no note on the ticket for the 249 files omitted")
	}
	var raw []byte
	if err := d.Store.Reader().QueryRow(`SELECT raw FROM messages WHERE message_id = ?`, "many@mail").Scan(&raw); err != nil || !bytes.Equal(raw, in.Raw) {
		t.Errorf("raw mail %q, %v", raw, err)
	}
}

// TestMailAttachmentsWithinBudget: the files that do not fit are returned by name, size and
// reason, and files after a big one still go.
func TestMailAttachmentsWithinBudget(t *testing.T) {
	d := newTestDesk(t)
	in := request("files@mail", "celine@corp.example", "Fichiers", "Trois fichiers.")
	big := bytes.Repeat([]byte("b"), 5000)
	in.Attachments = []IncomingAttachment{
		{Name: "small.txt", ContentType: "text/plain", Size: 10, Data: bytes.Repeat([]byte("s"), 10)},
		{Name: "big.bin", ContentType: "application/octet-stream", Size: int64(len(big)), Data: big},
		{Name: "huge.iso", ContentType: "application/octet-stream", Size: 1 << 40, Omitted: true},
		{Name: "last.txt", ContentType: "text/plain", Size: 20, Data: bytes.Repeat([]byte("l"), 20)},
	}
	o := ingest(t, d, t0, in)
	files, skipped, err := d.Store.MailAttachments(context.Background(), o[0].TicketID, "files@mail", false, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
		if int64(len(f.Data)) != f.Size {
			t.Errorf("%s: %d bytes, size %d", f.Name, len(f.Data), f.Size)
		}
	}
	if got := strings.Join(names, ","); got != "small.txt,last.txt" {
		t.Errorf("attached %s, want small.txt,last.txt", got)
	}
	if len(skipped) != 2 || skipped[0].Name != "big.bin" || skipped[0].Size != 5000 || skipped[0].Reason != LeftOutMailSize ||
		skipped[1].Name != "huge.iso" || skipped[1].Size != 1<<40 || skipped[1].Reason != LeftOutNotKept {
		t.Errorf("skipped %+v, want big.bin (5000 bytes, mail size) and huge.iso (not kept)", skipped)
	}
}
