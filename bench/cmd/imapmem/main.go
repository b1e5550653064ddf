// Command imapmem is an IMAP server in memory (go-imap's imapmemserver) with one user, helpdesk,
// password secret (IDLE mended: internal/memimap), for the benchmark's latency run without Dovecot: it tells an IDLE client of
// new mail as soon as it is appended, so the run shows deskd's own latency apart from Dovecot's
// notification delay.
package main

import (
	"flag"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/deskd/deskd/internal/memimap"
)

func main() {
	addr := flag.String("listen", "127.0.0.1:0", "IMAP listen address")
	ready := flag.String("ready", "", "write the listening address to this file")
	flag.Parse()

	mem := imapmemserver.New()
	user := imapmemserver.NewUser("helpdesk", "secret")
	if err := user.Create("INBOX", nil); err != nil {
		log.Fatal(err)
	}
	mem.AddUser(user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return memimap.NewSession(mem), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}, imap.CapIdle: {}, imap.CapMove: {}, imap.CapUIDPlus: {}},
		InsecureAuth: true,
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	if *ready != "" {
		if err := os.WriteFile(*ready, []byte(ln.Addr().String()+"\n"), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); err != nil {
		log.Print(err)
	}
}
