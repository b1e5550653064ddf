package tickets

import (
	"context"
	"reflect"
	"testing"
)

// TestMailAttachmentsLeftOut: the files of a mail that do not fit its budget, and those the desk
// never kept, are left out and named with their size and why; the rest go, in order.
func TestMailAttachmentsLeftOut(t *testing.T) {
	d := newTestDesk(t)
	in := request("files@mail", "celine@corp.example", "Imprimante", "Voici les journaux.")
	in.Attachments = []IncomingAttachment{
		{Name: "a.log", ContentType: "text/plain", Size: 600, Data: make([]byte, 600)},
		{Name: "b.log", ContentType: "text/plain", Size: 600, Data: make([]byte, 600)},
		{Name: "video.mp4", ContentType: "video/mp4", Size: 90 << 20, Omitted: true},
		{Name: "c.log", ContentType: "text/plain", Size: 300, Data: make([]byte, 300)},
	}
	ingest(t, d, t0, in)
	files, left, err := d.Store.MailAttachments(context.Background(), 1, "files@mail", false, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
	}
	if !reflect.DeepEqual(names, []string{"a.log", "c.log"}) {
		t.Errorf("files sent %v", names)
	}
	want := []LeftOut{{Name: "b.log", Size: 600, Reason: LeftOutMailSize}, {Name: "video.mp4", Size: 90 << 20, Reason: LeftOutNotKept}}
	if !reflect.DeepEqual(left, want) {
		t.Errorf("left out %+v, want %+v", left, want)
	}
}
