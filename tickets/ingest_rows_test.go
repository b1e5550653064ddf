package tickets

import (
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/deskd/deskd/tickets/storetest"
)

var updateIngestRows = flag.Bool("update-ingest-rows", false, "write testdata/ingest_rows.golden from the current code")

// TestIngestRowsGolden ingests varied batches (new requests, with copies, a file, on someone's
// behalf; replies by subject tag, by In-Reply-To, with a new copy; a duplicate; a thank-you note
// to a resolved ticket; auto-replies to a ticket and to nothing; a bounce) and compares every
// row of every table with the rows the writer wrote before its statements were reworked
// (testdata/ingest_rows.golden, -update-ingest-rows writes it again): the writer's cost may
// change, not what it writes. The random parts of the desk's Message-IDs are numbered in the
// order the dump meets them.
func TestIngestRowsGolden(t *testing.T) {
	storetest.SQLiteOnly(t)
	d := newTestDesk(t)
	celine, john, ext := "celine@corp.example", "john.smith@corp.example", "someone@gmail.example"
	mail := func(id, from, subject, text, lang string) *Incoming {
		return &Incoming{MessageID: id, From: from, To: []string{"helpdesk@corp.example"}, Subject: subject, Text: text,
			Verdict: VerdictPerson, Language: lang}
	}
	r1 := mail("r1@client", celine, "Wifi en panne", "Bonjour, le wifi ne marche plus au 3e étage depuis ce matin.", "fr")
	r1.Cc, r1.FromName = []string{"paul.martin@corp.example"}, "Céline Dupré"
	r1.Names = map[string]string{celine: "Céline Dupré", "paul.martin@corp.example": "Paul Martin"}
	r2 := mail("r2@client", john, "Printer jammed", "Hi, the printer on floor 2 is jammed again and shows error 50.", "en")
	r2.FromName, r2.Names = "John Smith", map[string]string{john: "John Smith"}
	r3 := mail("r3@client", ext, "Password reset", "I cannot sign in to the portal, please reset my password.", "en")
	r4 := mail("r4@client", "marie@corp.example", "Écran noir", "Mon écran reste noir au démarrage.", "fr")
	r4.Attachments = []IncomingAttachment{{Name: "photo.jpg", ContentType: "image/jpeg", Size: 5, Data: []byte("jpeg1")}}
	r5 := mail("r5@client", "assistant@corp.example", "VPN pour M. Durand", "M. Durand n'arrive pas à se connecter au VPN.", "fr")
	r5.ReplyTo, r5.ReplyToName = "durand@corp.example", "Jean Durand"
	ooo := mail("ooo1@client", "away@corp.example", "Absent", "Je suis absent jusqu'au 30.", "fr")
	ooo.Verdict, ooo.VerdictReason = VerdictAutoReply, "Auto-Submitted: auto-replied"
	tag := mail("r6@client", celine, "RE: [HD #1] Wifi en panne", "Toujours en panne, et maintenant au 2e aussi.", "fr")
	batch1 := []*Incoming{r1, r2, r3, r4, r5, ooo, tag}
	ingest(t, d, t0, batch1...)

	root2, root1 := rootID(t, d, 2), rootID(t, d, 1)
	// In-Reply-To the root, which names no mail of the desk: "Re: " and the subject of his open
	// request chase it (chase.go).
	reply := mail("r7@client", john, "Re: Printer jammed", "It jammed again after the restart.", "en")
	reply.InReplyTo, reply.References = []string{root2}, []string{root2}
	byToken := mail("r7b@client", john, "Re: Printer jammed", "Still jammed on tray 2.", "en")
	byToken.InReplyTo = []string{d.Signer.CopyID(root2, 2, john)}
	cc := mail("r8@client", celine, "RE: [HD #1] Wifi en panne", "Je mets Marc en copie, il a le même problème.", "fr")
	cc.Cc = []string{"marc@corp.example"}
	auto := mail("ooo2@client", celine, "Réponse automatique : [HD #1] Wifi en panne", "Je suis en congés.", "fr")
	auto.Verdict, auto.VerdictReason, auto.InReplyTo, auto.ReturnedIDs = VerdictAutoReply, "X-Autoreply: yes", []string{root1}, []string{root1}
	dup := mail("r1@client", celine, "Wifi en panne", "Bonjour, le wifi ne marche plus au 3e étage depuis ce matin.", "fr")
	r9 := mail("r9@client", "lea@corp.example", "Accès au dossier partagé", "Pouvez-vous me donner accès au dossier Finance ?", "fr")
	same := mail("r10@client", "marie@corp.example", "RE: [HD #4] Écran noir", "Une autre photo.", "fr")
	same.Attachments = []IncomingAttachment{{Name: "photo.jpg", ContentType: "image/jpeg", Size: 5, Data: []byte("jpeg1")}}
	out := ingest(t, d, t0.Add(time.Hour), reply, byToken, cc, auto, dup, r9, same)
	for i, want := range []string{ActionAppended, ActionAppended, ActionAppended, ActionRecorded, ActionDuplicate, ActionOpened, ActionAppended} {
		if out[i].Action != want {
			t.Errorf("mail %d: %+v, want %s", i, out[i], want)
		}
	}

	resolveTicket(t, d, t0.Add(2*time.Hour), 2, "Bac 2 nettoyé.")
	thanks := mail("r11@client", john, "Re: [HD #2] Printer jammed", "Thanks, works now!", "en")
	bounce := mail("b1@mx", "mailer-daemon@gmail.example", "Undelivered Mail Returned to Sender", "", "en")
	bounce.Verdict, bounce.VerdictReason, bounce.FailedRecipients = VerdictBounce, "DSN", []string{ext}
	again := mail("r12@client", "lea@corp.example", "Imprimante couleur", "L'imprimante couleur n'imprime plus en couleur.", "fr")
	out = ingest(t, d, t0.Add(3*time.Hour), thanks, bounce, again)
	if out[0].Action != ActionThanked {
		t.Errorf("thanks: %+v", out[0])
	}

	got := dumpRows(t, d.Store.w)
	if d.Store.search == dialectFTS4 {
		// A build without FTS5 writes the same documents into its FTS4 tables: the golden is the
		// FTS5 build's, with the FTS5 engine's names.
		got = strings.NewReplacer("== search_fts4 (", "== search_fts5 (", "== search_staff_fts4 (", "== search_staff_fts5 (",
			`"search_index" | "fts4 `, `"search_index" | "fts5 `).Replace(got)
	}
	path := filepath.Join("testdata", "ingest_rows.golden")
	if *updateIngestRows {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("rows differ from %s at line %d:\ngot  %s\nwant %s", path, i+1, g, w)
			}
		}
	}
}

// deskIDRE matches the desk's Message-IDs, whose last part is random.
var deskIDRE = regexp.MustCompile(`dkm?\.[a-z2-7.]+@`)

// dumpRows writes every row of every table of a SQLite desk, in rowid order: the full-text
// index as its documents (its shadow tables hold segments, which depend on how the rows were
// written, not on what), schema_migrations left out (the time it ran).
func dumpRows(t *testing.T, db *sql.DB) string {
	t.Helper()
	rows, err := db.Query(`SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	type table struct{ name, sql string }
	var tables []table
	for rows.Next() {
		var tb table
		var q sql.NullString
		if err := rows.Scan(&tb.name, &q); err != nil {
			t.Fatal(err)
		}
		tb.sql = q.String
		tables = append(tables, tb)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	virtual := map[string]bool{}
	for _, tb := range tables {
		if strings.HasPrefix(strings.ToUpper(tb.sql), "CREATE VIRTUAL TABLE") {
			virtual[tb.name] = true
		}
	}
	ids := map[string]string{}
	var b strings.Builder
	for _, tb := range tables {
		shadow := false
		for v := range virtual {
			if strings.HasPrefix(tb.name, v+"_") {
				shadow = true
			}
		}
		if shadow || tb.name == "schema_migrations" {
			continue
		}
		q := `SELECT * FROM "` + tb.name + `" ORDER BY rowid`
		if virtual[tb.name] {
			q = `SELECT rowid, * FROM "` + tb.name + `" ORDER BY rowid`
		} else if strings.Contains(strings.ToUpper(tb.sql), "WITHOUT ROWID") {
			q = `SELECT * FROM "` + tb.name + `" ORDER BY 1, 2`
		}
		rs, err := db.Query(q)
		if err != nil {
			t.Fatalf("%s: %v", tb.name, err)
		}
		cols, _ := rs.Columns()
		fmt.Fprintf(&b, "== %s (%s)\n", tb.name, strings.Join(cols, ", "))
		for rs.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rs.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for i, v := range vals {
				if i > 0 {
					b.WriteString(" | ")
				}
				var s string
				switch v := v.(type) {
				case nil:
					s = "NULL"
				case []byte:
					s = fmt.Sprintf("x%q", v)
				case string:
					s = fmt.Sprintf("%q", v)
				case time.Time:
					s = v.UTC().Format(time.RFC3339)
				default:
					s = fmt.Sprint(v)
				}
				b.WriteString(deskIDRE.ReplaceAllStringFunc(s, func(id string) string {
					if n, ok := ids[id]; ok {
						return n
					}
					ids[id] = fmt.Sprintf("ID%d@", len(ids)+1)
					return ids[id]
				}))
			}
			b.WriteString("\n")
		}
		if err := rs.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}
