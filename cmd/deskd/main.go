// Command deskd is an e-mail-driven IT help-desk daemon: it reads the help-desk inbox over IMAP,
// opens and threads tickets, triages and assigns them, and keeps everyone informed over SMTP.
//
// Usage: deskd COMMAND [flags]; `deskd help` lists the commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// command is one deskd command. Its flags are bound to variables of its own: commands builds
// them afresh for every command line.
type command struct {
	name    string
	args    string // Usage after the name.
	summary string
	run     func(ctx context.Context, env *env, args []string) error
	flags   func(fs *flag.FlagSet)
}

// commands lists every deskd command.
func commands() []*command {
	cs := []*command{initCommand(), serveCommand(), pollCommand(), checkCommand(), demoCommand(), versionCommand(), migrateCommand()}
	for _, job := range []string{"escalation", "digest", "autoclose", "prune"} {
		cs = append(cs, runCommand(job))
	}
	cs = append(cs, ticketCommands()...)
	cs = append(cs, oauthCommands()...)
	cs = append(cs, webCommands()...)
	return append(cs, techCommands()...)
}

// env is what every command gets: the streams and the global flags.
type env struct {
	stdout, stderr io.Writer
	configPath     string
	log            *slog.Logger
}

// usageError is a wrong call: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// statusError is a command's outcome with an exit status of its own, beyond 0, 1 and 2.
type statusError struct {
	code int
	err  error
}

func (e statusError) Error() string { return e.err.Error() }
func (e statusError) Unwrap() error { return e.err }

// exitHeld is the exit status of `deskd poll --once` when everything in the inbox was processed
// but the SMTP server could not be reached: the mail stays queued, nothing is lost, and the next
// poll (or deskd serve) sends it. Not 0, so that a cron job's owner hears of an outage that
// lasts; not 1, so that a script can tell it from a failure and simply run the next poll.
const exitHeld = 3

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command line and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr}
	cmds := commands()
	global, args := leadingFlags(args)
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) == 0 {
			// A usage error: one line on stderr says so; the help still goes to stdout.
			printHelp(stdout, cmds)
			fmt.Fprintln(stderr, "deskd: no command given (see deskd help)")
			return 2
		}
		printHelp(stdout, cmds)
		return 0
	}
	name := args[0]
	rest := args[1:]
	// Two-word commands: "ticket list", "run digest".
	if (name == "ticket" || name == "run" || name == "poll" || name == "tech" || name == "oauth" || name == "web" || name == "token") && len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		name += " " + rest[0]
		rest = rest[1:]
	}
	rest = append(global, rest...)
	cmd := find(cmds, name)
	if cmd == nil {
		fmt.Fprintln(stderr, unknownCommand(cmds, name))
		return 2
	}
	fs := flag.NewFlagSet("deskd "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&e.configPath, "config", "", "configuration file (default $DESKD_CONFIG, then ./deskd.toml)")
	verbose := fs.Bool("v", false, "log debug messages")
	fs.BoolVar(verbose, "verbose", false, "log debug messages (as -v)")
	if cmd.flags != nil {
		cmd.flags(fs)
	}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: deskd %s [flags] %s\n\n%s\n\nflags:\n", cmd.name, cmd.args, cmd.summary)
		fs.PrintDefaults()
	}
	fs.SetOutput(io.Discard) // A wrong flag is one line on stderr, not the whole usage.
	if err := fs.Parse(interleave(fs, rest)); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout)
			fs.Usage()
			return 0
		}
		fmt.Fprintf(stderr, "deskd %s: %v (see deskd %s --help)\n", cmd.name, err, cmd.name)
		return 2
	}
	fs.SetOutput(stderr)
	// The daemon logs what it does; the commands that do its work once (poll, run) warn of what
	// needs a person; the others print their answer and, on failure, one line: their output is
	// for scripts, and -v (--verbose) shows the rest.
	level := slog.LevelError
	switch {
	case cmd.name == "serve":
		level = slog.LevelInfo
	case cmd.name == "poll" || strings.HasPrefix(cmd.name, "run "):
		level = slog.LevelWarn
	}
	if *verbose {
		level = slog.LevelDebug
	}
	e.log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if e.configPath == "" {
		e.configPath = os.Getenv("DESKD_CONFIG")
	}
	if e.configPath == "" {
		e.configPath = "deskd.toml"
	}
	err := cmd.run(ctx, e, fs.Args())
	var ue usageError
	var se statusError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "deskd %s: %s\n", cmd.name, ue.msg)
		return 2
	case errors.As(err, &se):
		fmt.Fprintf(stderr, "deskd %s: %s\n", cmd.name, oneLine(se.Error()))
		return se.code
	default:
		fmt.Fprintf(stderr, "deskd %s: %s\n", cmd.name, oneLine(err.Error()))
		return 1
	}
}

// leadingFlags splits off the flags every command takes (--config FILE, -v) written before the
// command's name, as in "deskd --config /etc/deskd/deskd.toml ticket list".
func leadingFlags(args []string) (global, rest []string) {
	for len(args) > 0 {
		name, value, hasValue := strings.Cut(strings.TrimLeft(args[0], "-"), "=")
		if !strings.HasPrefix(args[0], "-") {
			break
		}
		switch {
		case name == "config" && !hasValue && len(args) > 1:
			global, args = append(global, args[0], args[1]), args[2:]
		case name == "config" && hasValue, name == "v" && (!hasValue || value != ""):
			global, args = append(global, args[0]), args[1:]
		default:
			return global, args
		}
	}
	return global, args
}

// interleave moves flags found after positional arguments to the front, so that
// "deskd ticket show 3 --json" works as users expect.
func interleave(fs *flag.FlagSet, args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		if f := fs.Lookup(name); f != nil {
			if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
				continue
			}
			if i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
		}
	}
	return append(flags, pos...)
}

// count says n things in English: "1 mail", "2 mails".
func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// unknownCommand is the usage error for a name no command has: a group without its subcommand
// ("deskd ticket") or with one it lacks ("deskd ticket frobnicate") lists the group's commands.
func unknownCommand(cmds []*command, name string) string {
	group, sub, _ := strings.Cut(name, " ")
	var subs []string
	for _, c := range cmds {
		if g, s, ok := strings.Cut(c.name, " "); ok && g == group {
			subs = append(subs, s)
		}
	}
	sort.Strings(subs)
	switch {
	case len(subs) == 0:
		return fmt.Sprintf("deskd: unknown command %q (see deskd help)", name)
	case sub == "":
		return fmt.Sprintf("deskd %s: missing subcommand: one of %s (see deskd help)", group, strings.Join(subs, ", "))
	default:
		return fmt.Sprintf("deskd %s: unknown subcommand %q: one of %s (see deskd help)", group, sub, strings.Join(subs, ", "))
	}
}

func find(cmds []*command, name string) *command {
	for _, c := range cmds {
		if c.name == name {
			return c
		}
	}
	return nil
}

func printHelp(w io.Writer, cmds []*command) {
	fmt.Fprintln(w, "deskd: an e-mail-driven IT help desk.\n\nusage: deskd COMMAND [flags]\n\ncommands:")
	sorted := append([]*command(nil), cmds...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].name < sorted[j].name })
	for _, c := range sorted {
		fmt.Fprintf(w, "  %-38s %s\n", strings.TrimSpace(c.name+" "+c.args), c.summary)
	}
	fmt.Fprintln(w, "\nEvery command takes --config FILE (default $DESKD_CONFIG, then ./deskd.toml) and --help.")
}
