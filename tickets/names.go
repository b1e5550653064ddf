package tickets

import "strings"

// rememberNames records the display names a person's mail gives its sender and recipients, for
// the people the desk knows no name of: the desk then names them in its mails ("Sophie Girard
// a écrit") and in their To and Cc headers. A name already known is kept: anyone can write any
// name beside anyone's address, so a mail never renames someone. Staff are named by the
// configuration. On SQLite the rows wait with the transaction's other rows (pendingRows.people):
// a statement of their own would write every row that waits before it, a mail at a time.
func (t *Tx) rememberNames(in *Incoming) error {
	for addr, name := range in.Names {
		addr = strings.ToLower(strings.TrimSpace(addr))
		name = OneLine(name, maxName)
		if addr == "" || !usableName(name, addr) || t.cfg.IsDeskAddress(addr) || t.cfg.IsStaff(addr) {
			continue
		}
		if t.d.Store.dialect == postgres {
			if _, err := t.exec(`INSERT INTO people (email, name) VALUES (?, ?)`+fillNamesConflict, addr, name); err != nil {
				return err
			}
		} else {
			t.pending.people = append(t.pending.people, []any{addr, name}) // Written with the transaction's rows.
		}
		if known, ok := t.people[addr]; !ok || known == "" {
			delete(t.people, addr) // Read again: it may have its first name now.
		}
	}
	return nil
}

// usableName reports whether name names someone: not empty, and not an address (Outlook writes
// the address as the name when it has none, "sophie.girard@corp.example").
func usableName(name, addr string) bool {
	return name != "" && !strings.Contains(name, "@") && !strings.EqualFold(name, addr)
}

// names are the known display names of the addresses of lists, by address.
func (t *Tx) names(lists ...[]string) map[string]string {
	var out map[string]string
	for _, list := range lists {
		for _, a := range list {
			if name := t.nameOf(a); usableName(name, a) {
				if out == nil {
					out = map[string]string{}
				}
				out[a] = name
			}
		}
	}
	return out
}
