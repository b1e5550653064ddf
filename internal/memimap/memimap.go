// Package memimap serves go-imap's in-memory mailboxes (imapmemserver) to the demo, the tests and
// the bench, with its IDLE mended.
//
// go-imap v2.0.0-beta.8's session tracker sends an IDLE client only the updates queued after its
// IDLE began: a mail appended between the client's last command and its IDLE stays in the queue
// until the client's next command, and a desk on IDLE saw it only at its next poll, a minute later
// (bench/run.sh's serve stage showed one such request in 750: 60,032 ms from APPEND to the
// acknowledgement). Cyrus had the same fault (cyrus-imapd issue 3668). Real servers such as
// Dovecot report pending changes when IDLE starts.
package memimap

import (
	"time"

	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// catchUp is how often an idling session looks for updates its tracker left queued: those that
// came before the tracker's IDLE registered. The tracker itself sends the others at once.
const catchUp = 20 * time.Millisecond

// NewSession is mem.NewSession with IDLE mended, for imapserver.Options.NewSession.
func NewSession(mem *imapmemserver.Server) imapserver.Session {
	return session{mem.NewSession().(imapserver.SessionIMAP4rev2)}
}

// session is an imapmemserver session; the interface it embeds keeps NAMESPACE and MOVE, which
// the server looks for by type.
type session struct {
	imapserver.SessionIMAP4rev2
}

// Idle runs the tracker's IDLE and, beside it, sends what was queued before it began: at once,
// then every catchUp until the client ends IDLE. Both send through the connection's encoder,
// which writes one response at a time.
func (s session) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	done := make(chan error, 1)
	go func() { done <- s.SessionIMAP4rev2.Idle(w, stop) }()
	tick := time.NewTicker(catchUp)
	defer tick.Stop()
	for {
		if err := s.Poll(w, true); err != nil {
			<-done
			return err
		}
		select {
		case err := <-done:
			return err
		case <-tick.C:
		}
	}
}
