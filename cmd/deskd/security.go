package main

import (
	"fmt"
	"net"
	"strings"

	"github.com/deskd/deskd/cmd/deskd/config"
	"github.com/deskd/deskd/oauth"
)

// securitySummary says, in a few lines, who may act as staff and what protects the desk with
// this configuration, and warns where the protection cannot apply. `deskd check` prints it and
// `deskd serve` logs it at start.
func securitySummary(cfg *config.File) (lines, warnings []string) {
	d := cfg.Desk
	id := d.Security.TrustedAuthservID
	if id != "" {
		lines = append(lines, fmt.Sprintf("staff commands and answers are obeyed when (a) the Authentication-Results of %s show DKIM or DMARC pass for the staff address's domain, or (b) they reply to a desk mail sent to that staff address", id))
	} else {
		lines = append(lines, "staff commands and answers are obeyed when (b) they reply to a desk mail sent to that staff address; (a) is off: [security] trusted_authserv_id is not set")
		warnings = append(warnings, "no [security] trusted_authserv_id: a staff mail written afresh (with the subject tag only) cannot be authenticated and is kept as an unauthenticated note; staff must reply to the desk's own mails, or set trusted_authserv_id to the authserv-id your inbound server writes in Authentication-Results")
	}
	lines = append(lines, fmt.Sprintf("people in copy become watchers from %s only, at most %d per mail", strings.Join(d.Desk.Domains, ", "), d.Desk.MaxWatchers))
	if d.Desk.PlusAddress {
		lines = append(lines, "each recipient's copy has its own Reply-To, Message-ID and envelope sender: a bounce counts only against the address of the copy it returns")
	} else {
		warnings = append(warnings, "desk.plus_address = false: replies are traced to their recipient by In-Reply-To alone, and bounces cannot be traced to a copy, so no address is ever held back for bouncing")
	}
	if id != "" && cfg.OAuth2 != nil && cfg.OAuth2.Provider == oauth.Microsoft {
		warnings = append(warnings, fmt.Sprintf("the desk is on Microsoft 365 ([oauth2] provider microsoft) and [security] trusted_authserv_id is %q: Exchange Online writes its Authentication-Results without an authserv-id and keeps those the sender wrote, so a header naming %q can only be one someone put in the mail; unset trusted_authserv_id and rely on (b), replies to the desk's mails", id, id))
	}
	if id != "" {
		var staff []string
		for _, t := range d.Technicians {
			staff = append(staff, t.Email)
			staff = append(staff, t.Aliases...)
		}
		for _, c := range d.Coordinator {
			staff = append(staff, c.Email)
		}
		for _, a := range staff {
			if !d.InOrganisation(a) {
				_, domain, _ := strings.Cut(a, "@")
				warnings = append(warnings, fmt.Sprintf("%s is outside desk.domains: a DKIM pass for %s proves only that %s's servers sent the mail, so (a) protects this address only as well as %s keeps its users from writing as one another", a, domain, domain, domain))
			}
		}
	}
	for _, s := range []struct{ section, address, security string }{
		{"imap", cfg.IMAP.Address, cfg.IMAP.Security}, {"smtp", cfg.SMTP.Address, cfg.SMTP.Security},
	} {
		if w := clearText(s.section, s.address, s.security); w != "" {
			warnings = append(warnings, w)
		}
	}
	if w := loopbackLinks(cfg); w != "" {
		warnings = append(warnings, w)
	}
	return lines, warnings
}

// loopbackLinks warns of links in mails that only this machine can follow: the web desk on,
// without a base_url, listening on loopback.
func loopbackLinks(cfg *config.File) string {
	if !cfg.Web.Enabled() || cfg.Web.BaseURL != "" {
		return ""
	}
	host, _, _ := net.SplitHostPort(cfg.Web.Address)
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return ""
	}
	return fmt.Sprintf("[web] base_url is not set: the links in mails (a requester's follow-up page, the answers to \"was your problem solved?\", a staff sign-in) point to http://%s, which only this machine reaches; set base_url to the address people use (behind a reverse proxy), or web.address = \"\" for mails without links", cfg.Web.Address)
}

// clearText warns of a connection without TLS to another machine: the password and the mail
// would cross the network in clear.
func clearText(section, address, security string) string {
	if security != "none" || address == "" {
		return ""
	}
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		host = address
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return ""
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return ""
	}
	return fmt.Sprintf("%s.security = \"none\" towards %s, which is not this machine: the password and the mail cross the network in clear; use \"starttls\" or \"tls\"", section, address)
}
