package templates

import (
	"time"

	"github.com/deskd/deskd/tickets"
)

// Samples returns example notices of a kind, in a language: every variant its templates have
// (audiences, update events, an empty digest). Load renders them to check templates; the tests
// keep them as golden files; they show a template writer what data there is.
func Samples(kind, lang string) []tickets.Notice {
	t0 := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC) // A Thursday.
	subject, text := "Re: [HD #42] VPN down since this morning", "Hello,\nthe VPN does not connect since this morning.\nError 809.\n\nThanks,\nCéline"
	reply := "Hello Céline,\nplease restart the VPN client and tell me if error 809 remains."
	if lang == "fr" {
		subject, text = "TR: Le VPN ne marche plus depuis ce matin", "Bonjour,\nle VPN ne se connecte plus depuis ce matin.\nErreur 809.\n\nMerci,\nCéline"
		reply = "Bonjour Céline,\npouvez-vous redémarrer le client VPN et me dire si l'erreur 809 persiste ?"
	}
	base := tickets.Notice{
		DeskName: "Support Informatique", DeskAddress: "helpdesk@corp.example", Tag: "HD",
		Recipient: "celine.dupre@corp.example", RecipientName: "Céline Dupré", Audience: "requester",
		Ticket: tickets.TicketInfo{
			ID: 42, Subject: subject, Requester: "celine.dupre@corp.example", RequesterName: "Céline Dupré",
			Status: "open", Priority: "high", Category: "network", CategoryLabel: "Réseau / VPN",
			Assignee: "alice@corp.example", AssigneeName: "Alice Martin", Tier: 1,
			CreatedAt: t0, FirstResponseDue: t0.Add(time.Hour), ResolveDue: t0.Add(8 * time.Hour),
		},
	}
	staff := base
	staff.Audience, staff.Recipient, staff.RecipientName = "staff", "alice@corp.example", "Alice Martin"
	history := []tickets.Entry{
		{At: t0, Kind: "message", Actor: "celine.dupre@corp.example", Public: true, Text: text},
		{At: t0.Add(20 * time.Minute), Kind: "reply", Actor: "alice@corp.example", Public: true, Text: reply},
		{At: t0.Add(40 * time.Minute), Kind: "note", Actor: "alice@corp.example", Text: "Certificate expired on the gateway?"},
	}
	with := func(n tickets.Notice, f func(*tickets.Notice)) tickets.Notice { f(&n); return n }
	// The web desk's links, as the sender makes them for a requester's mail.
	links := tickets.Links{Page: "https://desk.corp.example/r/PAGE-TOKEN", Solved: "https://desk.corp.example/v/YES-TOKEN",
		Unsolved: "https://desk.corp.example/v/NO-TOKEN"}

	// The files a mail leaves out (mailout fills LeftOut when it sends).
	leftOut := []tickets.LeftOut{{Name: "vpn-trace.pcap", Size: 18 << 20, Reason: tickets.LeftOutMailSize},
		{Name: "screen-recording.mp4", Size: 70 << 20, Reason: tickets.LeftOutNotKept}}

	switch kind {
	case tickets.KindAck:
		return []tickets.Notice{
			with(base, func(n *tickets.Notice) {
				n.Text = text
				n.Questions = []string{"Which building and room are you in?", "Since when?"}
			}),
			with(base, func(n *tickets.Notice) {
				n.RecipientName = n.Recipient
				n.Ticket.Assignee, n.Ticket.AssigneeName, n.Ticket.Category, n.Ticket.CategoryLabel = "", "", "", ""
				n.Ticket.Priority, n.Ticket.Status = "normal", "new"
			}),
			with(base, func(n *tickets.Notice) {
				n.Text = text
				inc := base.Ticket
				inc.ID, inc.Kind = 40, tickets.TicketIncident
				n.Ticket.Incident, n.Incident = 40, &inc
			}),
		}
	case tickets.KindAssigned:
		return []tickets.Notice{
			with(staff, func(n *tickets.Notice) { n.Text = text; n.Questions = []string{"Which building and room are you in?"} }),
			with(staff, func(n *tickets.Notice) {
				n.Actor, n.ActorName, n.History = "nadia@corp.example", "Nadia Benali", history
			}),
			with(staff, func(n *tickets.Notice) {
				n.Text = text
				n.Similar = []tickets.KnownAnswer{{ID: 17, Subject: "VPN error 809 from home", Similarity: 74, ResolvedAt: t0.Add(-72 * time.Hour),
					Note: "Reinstalled the VPN profile; it connects again."},
					{ID: 12, Subject: "VPN down", Similarity: 61, ResolvedAt: t0.Add(-240 * time.Hour), Requests: 30,
						Note: "Renewed the VPN gateway's certificate; it connects again."}}
			}),
			with(staff, func(n *tickets.Notice) {
				n.Ticket.Kind, n.Ticket.Requester, n.Ticket.RequesterName = tickets.TicketIncident, "helpdesk@corp.example", "Support Informatique"
				n.Size = 3
				for i, who := range []string{"Céline Dupré", "Priya Raman", "Tom Baker"} {
					n.Linked = append(n.Linked, tickets.TicketInfo{ID: int64(43 + i), Subject: "VPN down", RequesterName: who, Requester: "x@corp.example", Incident: 42})
				}
			}),
			with(staff, func(n *tickets.Notice) { n.Text = text; n.LeftOut = leftOut }),
			with(staff, func(n *tickets.Notice) { n.Text = text; n.WrittenBy = "assistant@corp.example" }),
		}
	case tickets.KindReply:
		answer := func(n *tickets.Notice) {
			n.Text, n.Actor, n.ActorName, n.Signature = reply, "alice@corp.example", "Alice Martin", "Alice Martin — Support Informatique"
		}
		return []tickets.Notice{with(base, answer), with(base, func(n *tickets.Notice) { answer(n); n.Links.Page = links.Page }),
			with(base, func(n *tickets.Notice) { answer(n); n.LeftOut = leftOut })}
	case tickets.KindResolved:
		resolved := func(n *tickets.Notice) {
			n.Ticket.Status = "resolved"
			n.Note, n.Actor, n.ActorName, n.Signature = "Renewed the gateway certificate; the VPN connects again.", "alice@corp.example", "Alice Martin", "Alice Martin — Support Informatique"
		}
		return []tickets.Notice{with(base, resolved), with(base, func(n *tickets.Notice) {
			resolved(n)
			n.Links = links
		})}
	case tickets.KindEscalated:
		esc := func(n *tickets.Notice) {
			n.Ticket.Priority, n.Ticket.Tier, n.Ticket.Escalations = "urgent", 2, 1
			n.Ticket.Assignee, n.Ticket.AssigneeName = "chloe@corp.example", "Chloé Dubois"
		}
		return []tickets.Notice{
			with(base, esc),
			with(staff, func(n *tickets.Notice) {
				esc(n)
				n.Recipient, n.RecipientName = "chloe@corp.example", "Chloé Dubois"
				n.Reason, n.Actor, n.ActorName, n.History = "gateway certificate, needs tier 2", "alice@corp.example", "Alice Martin", history
			}),
			with(staff, func(n *tickets.Notice) {
				esc(n)
				n.Recipient, n.RecipientName = "nadia@corp.example", "Nadia Benali"
				n.Reason, n.Actor, n.ActorName = "first response deadline passed", tickets.ActorDesk, ""
				n.Deadline, n.Due = tickets.DeadlineFirstResponse, t0.Add(time.Hour)
			}),
			with(staff, func(n *tickets.Notice) {
				esc(n)
				n.Ticket.Tier, n.TopTier = 3, true
				n.Recipient, n.RecipientName = "nadia@corp.example", "Nadia Benali"
				n.Reason, n.Actor, n.ActorName = "still down after the gateway swap", "dev@corp.example", "Dev Patel"
			}),
			with(base, func(n *tickets.Notice) { esc(n); n.Ticket.Tier, n.TopTier = 3, true }),
			{DeskName: base.DeskName, DeskAddress: base.DeskAddress, Tag: "HD", Audience: "staff",
				Recipient: "nadia@corp.example", RecipientName: "Nadia Benali", EscalationsTotal: 120,
				Escalations: []tickets.TicketInfo{
					{ID: 42, Subject: "VPN down", Priority: "urgent", Tier: 2, Assignee: "chloe@corp.example", AssigneeName: "Chloé Dubois", Kind: tickets.TicketIncident},
					{ID: 51, Subject: "Imprimante bloquée", Priority: "high", Tier: 1},
				}},
		}
	case tickets.KindRejected:
		return []tickets.Notice{with(staff, func(n *tickets.Notice) {
			n.Command = "#resolve"
			n.Problems = []string{"#resolve needs a note: #resolve WHAT WAS DONE"}
		}), with(staff, func(n *tickets.Notice) {
			n.Problems = []string{"#resolve — a resolution note is required: #resolve WHAT WAS DONE", "#frobnicate — unknown command"}
		}), with(staff, func(n *tickets.Notice) {
			// An answer to the requester's own mail, the desk in copy, not authenticated.
			n.Kept, n.Direct = true, true
			n.Problems = []string{"the mail is not authenticated", "it is kept as an internal note"}
		})}
	case tickets.KindUpdate:
		var out []tickets.Notice
		for _, ev := range []string{"message", "note", "reopened", "unassigned", "unmatched", "escalated-top", "priority", "status", "answered", "resolved", "unsolved"} {
			out = append(out, with(staff, func(n *tickets.Notice) {
				n.Event = ev
				switch ev {
				case "message", "reopened":
					n.Text, n.Actor, n.ActorName = text, "celine.dupre@corp.example", "Céline Dupré"
				case "answered":
					n.Text, n.Actor, n.ActorName = reply, "bob@corp.example", "Bob Smith"
				case "resolved":
					n.Note, n.Actor, n.ActorName = "Renewed the gateway certificate.", "bob@corp.example", "Bob Smith"
				case "unsolved":
					n.Text, n.Actor, n.ActorName = "Still error 809 this morning.", "celine.dupre@corp.example", "Céline Dupré"
				case "note":
					n.Note, n.Actor, n.ActorName = "Certificate expired on the gateway?", "bob@corp.example", "Bob Smith"
				case "priority":
					n.Reason, n.Actor, n.ActorName = "normal → high", "nadia@corp.example", "Nadia Benali"
				default:
					n.Reason = "no technician of tier 1 has the skill \"network\""
				}
			}))
		}
		out = append(out, with(base, func(n *tickets.Notice) { n.Event = "closed"; n.Ticket.Status = "closed" }))
		out = append(out, with(base, func(n *tickets.Notice) { n.Event = "closed"; n.Ticket.Status = "closed"; n.Links.Page = links.Page }))
		out = append(out, with(base, func(n *tickets.Notice) {
			n.Event, n.Text, n.Actor, n.ActorName, n.Signature = "incident", "The VPN gateway is restarting; it should be back within the hour.",
				"alice@corp.example", "Alice Martin", "Alice Martin — Support Informatique"
		}))
		out = append(out, with(staff, func(n *tickets.Notice) {
			n.Recipient, n.RecipientName = "bob@corp.example", "Bob Smith"
			inc := base.Ticket
			inc.ID, inc.Kind, inc.Subject = 40, tickets.TicketIncident, "VPN down"
			n.Event, n.Incident, n.Actor = "linked", &inc, tickets.ActorDesk
		}))
		return out
	case tickets.KindIncident:
		ann := base
		ann.Audience, ann.Recipient, ann.RecipientName = "announce", "all-staff@corp.example", "all-staff@corp.example"
		ann.Ticket.Kind, ann.Ticket.Requester, ann.Ticket.RequesterName = tickets.TicketIncident, "helpdesk@corp.example", "Support Informatique"
		ann.Ticket.Subject, ann.Size = "VPN down", 12
		return []tickets.Notice{
			with(ann, func(n *tickets.Notice) { n.Event = "opened" }),
			with(ann, func(n *tickets.Notice) {
				n.Event, n.Text, n.Actor, n.ActorName = "update", "The VPN gateway is restarting; it should be back within the hour.", "alice@corp.example", "Alice Martin"
			}),
			with(ann, func(n *tickets.Notice) {
				n.Event, n.Text, n.Actor, n.ActorName = "resolved", "The gateway's certificate was renewed; the VPN connects again.", "alice@corp.example", "Alice Martin"
				n.Ticket.Status = "resolved"
			}),
		}
	case tickets.KindReminder:
		return []tickets.Notice{
			with(staff, func(n *tickets.Notice) {
				n.Text, n.Event, n.Deadline, n.Due = text, tickets.DeadlineResolve, tickets.DeadlineResolve, t0.Add(8*time.Hour)
			}),
			with(staff, func(n *tickets.Notice) {
				n.Text, n.Event, n.Deadline, n.Due = text, tickets.DeadlineFirstResponse, tickets.DeadlineFirstResponse, t0.Add(time.Hour)
			}),
		}
	case tickets.KindDigest:
		info := func(id int64, subj, prio, assignee string) tickets.TicketInfo {
			return tickets.TicketInfo{ID: id, Subject: subj, Priority: prio, Status: "open", Requester: "r@corp.example",
				Assignee: assignee, AssigneeName: map[string]string{"alice@corp.example": "Alice Martin"}[assignee],
				CreatedAt: t0.Add(-time.Duration(id) * time.Hour), ResolveDue: t0.Add(time.Duration(id) * time.Hour),
				NextDue: t0.Add(time.Duration(id-41) * time.Hour)}
		}
		coord := tickets.Notice{DeskName: base.DeskName, DeskAddress: base.DeskAddress, Tag: "HD", Audience: "staff",
			Recipient: "nadia@corp.example", RecipientName: "Nadia Benali"}
		full := coord
		full.Digest = &tickets.Digest{
			Since: t0.Add(-24 * time.Hour), Now: t0, Open: 7,
			ByPriority: map[string]int{"urgent": 1, "high": 2, "normal": 3, "low": 1},
			ByStatus:   map[string]int{"new": 1, "open": 5, "pending": 1},
			Unassigned: []tickets.TicketInfo{info(44, "Imprimante bloquée", "normal", "")},
			Breached:   []tickets.TicketInfo{info(42, "VPN down", "urgent", "alice@corp.example")},
			DueSoon:    []tickets.TicketInfo{info(43, "Outlook crashes", "high", "alice@corp.example")},
			Escalated:  []tickets.TicketInfo{info(42, "VPN down", "urgent", "alice@corp.example")},
			Resolved:   []tickets.TicketInfo{info(40, "Password reset", "normal", "alice@corp.example")},
			// The lists show at most DigestListMax tickets; the totals say how many there are.
			Totals: tickets.DigestTotals{Unassigned: 1, Breached: 3, DueSoon: 1, Escalated: 1, Resolved: 1, Incidents: 1},
			Load: []tickets.Load{{Email: "alice@corp.example", Name: "Alice Martin", Tier: 1, Open: 4, Weight: 9},
				{Email: "bob@corp.example", Name: "Bob Smith", Tier: 1, Open: 2, Weight: 3, Away: true}},
			Oldest:       []tickets.TicketInfo{info(12, "New laptop", "low", "alice@corp.example")},
			Unclassified: []tickets.TicketInfo{info(44, "Imprimante bloquée", "normal", "")},
			Satisfaction: tickets.Satisfaction{Solved: 4, Unsolved: 1},
			Incidents: []tickets.TicketInfo{func() tickets.TicketInfo {
				i := info(40, "VPN down", "high", "alice@corp.example")
				i.Kind, i.Size = tickets.TicketIncident, 12
				return i
			}()},
		}
		empty := coord
		empty.Digest = &tickets.Digest{Since: t0.Add(-24 * time.Hour), Now: t0}
		return []tickets.Notice{full, empty}
	case tickets.KindSignIn:
		return []tickets.Notice{{DeskName: base.DeskName, DeskAddress: base.DeskAddress, Tag: "HD", Audience: "staff",
			Recipient: "nadia@corp.example", RecipientName: "Nadia Benali", SignIn: "NONCE",
			Links: tickets.Links{SignIn: "https://desk.corp.example/signin/SIGN-IN-TOKEN"}}}
	}
	return nil
}
