package config

import (
	_ "embed"
	"strconv"
	"strings"
)

//go:embed sample.toml
var sample string

// Sample returns the commented sample configuration: what `deskd init` writes for a new desk, and
// the desk the demo and the tests run on (they change a few keys with SetKey).
func Sample() string { return sample }

// SetKey returns the TOML text with key of [table] set to value, a TOML literal (`"x"`, `10`):
// the first line setting it is rewritten, its comment kept; a key the table lacks is added
// under the table's header, and a table the text lacks at its end. Comments stay as they are.
func SetKey(text, table, key, value string) string {
	lines := strings.Split(text, "\n")
	cur, header := "", -1
	for i, line := range lines {
		l := strings.TrimSpace(line)
		if strings.HasPrefix(l, "[") {
			cur = strings.Trim(strings.Fields(strings.SplitN(l, "#", 2)[0])[0], "[]")
			if cur == table && header < 0 {
				header = i
			}
			continue
		}
		k, rest, ok := strings.Cut(line, "=")
		if !ok || cur != table || strings.TrimSpace(k) != key || strings.HasPrefix(l, "#") {
			continue
		}
		lines[i] = k + "= " + value + comment(rest)
		return strings.Join(lines, "\n")
	}
	if header < 0 {
		return strings.TrimRight(text, "\n") + "\n\n[" + table + "]\n" + key + " = " + value + "\n"
	}
	lines = append(lines[:header+1], append([]string{key + " = " + value}, lines[header+1:]...)...)
	return strings.Join(lines, "\n")
}

// comment returns the comment after a value ("   # …"), "" when there is none.
func comment(rest string) string {
	quoted := false
	for i, r := range rest {
		switch {
		case r == '"':
			quoted = !quoted
		case r == '#' && !quoted:
			j := i
			for j > 0 && (rest[j-1] == ' ' || rest[j-1] == '\t') {
				j--
			}
			return rest[j:]
		}
	}
	return ""
}

// Local points a configuration at plain IMAP and SMTP servers on this machine, as the demo's
// and the tests' embedded servers are: no TLS, the IMAP password given, no SMTP login; the web
// desk listens on a free port of the loopback.
func Local(text, imapAddr, password, smtpAddr string) string {
	for _, kv := range [][3]string{
		{"imap", "address", strconv.Quote(imapAddr)}, {"imap", "security", `"none"`},
		{"imap", "password_env", `""`}, {"imap", "password", strconv.Quote(password)},
		{"smtp", "address", strconv.Quote(smtpAddr)}, {"smtp", "security", `"none"`},
		{"smtp", "username", `""`}, {"smtp", "password_env", `""`},
		{"web", "address", `"127.0.0.1:0"`},
	} {
		text = SetKey(text, kv[0], kv[1], kv[2])
	}
	return text
}
