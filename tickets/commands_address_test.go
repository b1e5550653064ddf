package tickets

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestAddressArg: the address of #cc and #assign as mail clients write it, desktop Outlook's
// text part included ("addr<mailto:addr>", review finding F12).
func TestAddressArg(t *testing.T) {
	for _, tt := range []struct {
		arg, addr string
		remove    bool
	}{
		{"paul@corp.example", "paul@corp.example", false},
		{"Paul@Corp.Example", "paul@corp.example", false},
		{"paul.garnier@corp.example<mailto:paul.garnier@corp.example>", "paul.garnier@corp.example", false},
		{"paul.garnier@corp.example <mailto:paul.garnier@corp.example>", "paul.garnier@corp.example", false},
		{"paul@corp.example [mailto:paul@corp.example]", "paul@corp.example", false},
		{"Paul Garnier <paul@corp.example>", "paul@corp.example", false},
		{`"Garnier, Paul" <paul@corp.example>`, "paul@corp.example", false},
		{"<paul@corp.example>", "paul@corp.example", false},
		{"mailto:paul@corp.example", "paul@corp.example", false},
		{"<mailto:paul@corp.example>", "paul@corp.example", false},
		{"-paul@corp.example<mailto:paul@corp.example>", "paul@corp.example", true},
		{"- Paul Garnier <paul@corp.example>", "paul@corp.example", true},
		{"-<paul@corp.example>", "paul@corp.example", true},
		{"paul@corp.example.", "paul@corp.example", false},
		{"", "", false},
		{"-", "", true},
		{"not-an-address", "not-an-address", false},
		{"paul@corp.example anne@corp.example", "paul@corp.example anne@corp.example", false},
	} {
		addr, remove := addressArg(tt.arg)
		if addr != tt.addr || remove != tt.remove {
			t.Errorf("addressArg(%q) = %q, %v; want %q, %v", tt.arg, addr, remove, tt.addr, tt.remove)
		}
	}
}

// TestOutlookAddressCommands: #cc and #assign typed in desktop Outlook are obeyed; #assign without
// an address says to give one, as #cc does.
func TestOutlookAddressCommands(t *testing.T) {
	d := newTestDesk(t)
	ctx := context.Background()
	ingest(t, d, t0, request("q@m", "celine@corp.example", "Wifi", "le wifi coupe"))
	o := ingest(t, d, t0.Add(time.Minute), techReply(t, d, "c@m", "bob@corp.example",
		"#cc paul.garnier@corp.example<mailto:paul.garnier@corp.example>\n#assign chloe@corp.example<mailto:chloe@corp.example>"))[0]
	if o.Action != ActionCommand {
		t.Fatalf("action %s: %s", o.Action, lastEvent(t, d, "rejected"))
	}
	tk, _ := d.Store.Ticket(ctx, 1)
	if !slices.Contains(tk.Watchers, "paul.garnier@corp.example") || tk.Assignee != "chloe@corp.example" {
		t.Fatalf("watchers %v, assignee %s", tk.Watchers, tk.Assignee)
	}
	o = ingest(t, d, t0.Add(2*time.Minute), techReply(t, d, "a@m", "bob@corp.example", "#assign"))[0]
	if got := lastEvent(t, d, "rejected"); o.Action != ActionRejected || got != "#assign: give an address: #assign EMAIL" {
		t.Fatalf("action %s, rejected %q", o.Action, got)
	}
}
