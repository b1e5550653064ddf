package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/deskd/deskd/tickets"
)

// techCommands are the commands on technicians.
func techCommands() []*command {
	var until string
	var asJSON bool
	return []*command{{
		name: "tech list", args: "[--json]", summary: "Technicians with their tier, skills, open load and absence.",
		flags: func(fs *flag.FlagSet) { fs.BoolVar(&asJSON, "json", false, "one JSON array, for scripts") },
		run: func(ctx context.Context, e *env, args []string) error {
			return withDesk(ctx, e, func(d *tickets.Desk) error { return techList(ctx, e, d, asJSON) })
		},
	}, {
		name: "tech away", args: "EMAIL [--until YYYY-MM-DD]", summary: "Mark a technician away: no new assignments until then.",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&until, "until", "", "last day away (default: until 'deskd tech back')")
		},
		run: func(ctx context.Context, e *env, args []string) error {
			return setAway(ctx, e, args, until, true)
		},
	}, {
		name: "tech back", args: "EMAIL", summary: "Mark a technician back from absence.",
		run: func(ctx context.Context, e *env, args []string) error {
			return setAway(ctx, e, args, "", false)
		},
	}}
}

// techJSON is a technician in `tech list --json`; away_until is RFC 3339, absent when not away.
type techJSON struct {
	Email     string   `json:"email"`
	Name      string   `json:"name"`
	Tier      int      `json:"tier"`
	Skills    []string `json:"skills"`
	Open      int      `json:"open"`
	Weight    int      `json:"weight"`
	AwayUntil string   `json:"away_until,omitempty"`
}

// techList prints the technicians with their tier, skills, load and absence.
func techList(ctx context.Context, e *env, d *tickets.Desk, asJSON bool) error {
	return d.Update(ctx, time.Now(), func(tx *tickets.Tx) error {
		loads, err := tx.Loads()
		if err != nil {
			return err
		}
		techs := append([]tickets.Technician(nil), d.Config().Technicians...)
		sort.SliceStable(techs, func(i, j int) bool { return techs[i].Tier < techs[j].Tier })
		if asJSON {
			out := make([]techJSON, 0, len(techs))
			for _, te := range techs {
				l := loads[te.Email]
				j := techJSON{Email: te.Email, Name: te.Name, Tier: te.Tier, Skills: append([]string{}, te.Skills...), Open: l.Open, Weight: l.Weight}
				if until, ok := tx.Away(te.Email); ok {
					j.AwayUntil = until.UTC().Format(time.RFC3339)
				}
				out = append(out, j)
			}
			enc := json.NewEncoder(e.stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(out)
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "EMAIL\tNAME\tTIER\tSKILLS\tOPEN\tWEIGHT\tAWAY UNTIL")
		for _, te := range techs {
			l := loads[te.Email]
			away := "-"
			if until, ok := tx.Away(te.Email); ok {
				away = fmtTime(&until, d.Config().Location())
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%d\t%d\t%s\n", te.Email, te.Name, te.Tier, strings.Join(te.Skills, ","), l.Open, l.Weight, away)
		}
		return tw.Flush()
	})
}

func setAway(ctx context.Context, e *env, args []string, until string, on bool) error {
	if len(args) != 1 {
		return usagef("want a technician's address")
	}
	return withDesk(ctx, e, func(d *tickets.Desk) error { return away(ctx, e, d, args[0], until, on) })
}

// away marks a technician away until the end of the day until ("" for a hundred years), or back
// (on false).
func away(ctx context.Context, e *env, d *tickets.Desk, who, until string, on bool) error {
	te, ok := d.Config().Technician(who)
	if !ok {
		return fmt.Errorf("%s is not a technician", who)
	}
	var when time.Time
	if on {
		when = time.Now().AddDate(100, 0, 0)
		if until != "" {
			var err error
			if when, err = tickets.AwayThrough(until, d.Config().Location(), time.Now()); err != nil {
				if errors.Is(err, tickets.ErrDatePast) {
					return usagef("--until %v: 'deskd tech back' ends an absence", err)
				}
				return usagef("--until %v", err)
			}
		}
	}
	if err := d.Update(ctx, time.Now(), func(tx *tickets.Tx) error { return tx.SetAway(te.Email, when) }); err != nil {
		return err
	}
	if on {
		fmt.Fprintf(e.stdout, "%s is away until %s\n", te.Name, fmtTime(&when, d.Config().Location()))
	} else {
		fmt.Fprintf(e.stdout, "%s is back\n", te.Name)
	}
	return nil
}
