package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/deskd/deskd/cmd/deskd/config"
)

func initCommand() *command {
	var address, language, imapAddr, smtpAddr string
	return &command{
		name: "init", args: "[DIR] [--address EMAIL] [--language L]",
		summary: "Write a commented deskd.toml for a new desk in DIR (default: here); never overwrites.",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&address, "address", "", "the desk's address, where requesters write")
			fs.StringVar(&language, "language", "", "the desk's language: fr, en")
			fs.StringVar(&imapAddr, "imap", "", "the IMAP server of the desk's inbox, HOST:PORT (TLS)")
			fs.StringVar(&smtpAddr, "smtp", "", "the SMTP server the desk sends through, HOST:PORT (STARTTLS)")
		},
		run: func(ctx context.Context, e *env, args []string) error {
			if len(args) > 1 {
				return usagef("want at most one directory")
			}
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			text := config.Sample()
			for _, kv := range [][3]string{{"desk", "address", address}, {"desk", "language", language},
				{"imap", "address", imapAddr}, {"smtp", "address", smtpAddr}} {
				if kv[2] != "" {
					text = config.SetKey(text, kv[0], kv[1], strconv.Quote(kv[2]))
				}
			}
			path := filepath.Join(dir, "deskd.toml")
			if _, err := config.Parse(path, []byte(text)); err != nil {
				return err // A flag was wrong: nothing is written.
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("%s already exists: not overwritten", path)
			}
			if err != nil {
				return err
			}
			_, werr := f.WriteString(text)
			if cerr := f.Close(); werr == nil {
				werr = cerr
			}
			if werr != nil {
				return fmt.Errorf("write %s: %w", path, werr)
			}
			fmt.Fprintf(e.stdout, "wrote %s: describe your team and categories in it, set DESKD_IMAP_PASSWORD and DESKD_SMTP_PASSWORD, then run deskd check --config %s\n", path, path)
			return nil
		},
	}
}
