package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/deskd/deskd/tickets"
)

// webCommands are the commands of the web desk's access: ending someone's sessions, and the
// per-person tokens of the JSON API.
func webCommands() []*command {
	return []*command{{
		name: "web revoke", args: "EMAIL", summary: "End every web desk session of a person, and their unused sign-in links.",
		run: func(ctx context.Context, e *env, args []string) error {
			if len(args) != 1 {
				return usagef("want an address")
			}
			return withDesk(ctx, e, func(d *tickets.Desk) error {
				n, err := d.Store.EndSessions(ctx, args[0])
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "%s: %s ended\n", strings.ToLower(args[0]), count(n, "session", "sessions"))
				return nil
			})
		},
	}, {
		name: "token create", args: "EMAIL", summary: "Make a token for the JSON API (/api/v1/) for a technician or coordinator; it is shown once.",
		run: func(ctx context.Context, e *env, args []string) error {
			if len(args) != 1 {
				return usagef("want an address")
			}
			return withDesk(ctx, e, func(d *tickets.Desk) error {
				if !d.Config().IsStaff(args[0]) {
					return fmt.Errorf("%s is not a technician or a coordinator", args[0])
				}
				tok, err := d.Store.CreateToken(ctx, args[0], time.Now())
				if err != nil {
					return err
				}
				fmt.Fprintln(e.stdout, tok)
				return nil
			})
		},
	}, {
		name: "token revoke", args: "EMAIL", summary: "Delete every API token of a person.",
		run: func(ctx context.Context, e *env, args []string) error {
			if len(args) != 1 {
				return usagef("want an address")
			}
			return withDesk(ctx, e, func(d *tickets.Desk) error {
				n, err := d.Store.RevokeTokens(ctx, args[0])
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "%s: %s deleted\n", strings.ToLower(args[0]), count(n, "token", "tokens"))
				return nil
			})
		},
	}}
}
