package main

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// systemd tells the service manager how deskd serve is doing, by its notify protocol
// (sd_notify(3)): READY=1 once serving, RELOADING=1 and READY=1 around a reload, STOPPING=1 on
// the way out, and WATCHDOG=1 while the daemon is healthy. The protocol is one datagram per
// message on the socket $NOTIFY_SOCKET names; written here in a few lines rather than taken from
// coreos/go-systemd, whose daemon package would add a module for two functions and still leave
// MONOTONIC_USEC to us.
type systemd struct {
	socket   string        // $NOTIFY_SOCKET: a path, or "@name" in the abstract namespace; "" when not run by systemd.
	watchdog time.Duration // $WATCHDOG_USEC when it is meant for this process; 0: no watchdog.
}

// systemdFromEnv reads the service manager's variables; outside systemd both are empty and
// every notification is a no-op.
func systemdFromEnv() *systemd {
	sd := &systemd{socket: os.Getenv("NOTIFY_SOCKET")}
	usec, err := strconv.ParseInt(os.Getenv("WATCHDOG_USEC"), 10, 64)
	if err == nil && usec > 0 {
		// WATCHDOG_PID, when set, names the process the watchdog is for (sd_watchdog_enabled(3)).
		if pid := os.Getenv("WATCHDOG_PID"); pid == "" || pid == strconv.Itoa(os.Getpid()) {
			sd.watchdog = time.Duration(usec) * time.Microsecond
		}
	}
	return sd
}

// notify sends one message, each field a "KEY=value" line. Without a socket it does nothing.
func (sd *systemd) notify(fields ...string) error {
	if sd == nil || sd.socket == "" {
		return nil
	}
	name := sd.socket
	if strings.HasPrefix(name, "@") {
		name = "\x00" + name[1:] // The abstract namespace (unix(7)).
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("notify systemd: %w", err)
	}
	_, err = conn.Write([]byte(strings.Join(fields, "\n") + "\n"))
	if cerr := conn.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("notify systemd: %w", err)
	}
	return nil
}

// reloading is the message that begins a reload. systemd 253 and later want the time it began on
// CLOCK_MONOTONIC with it, to match it with the READY=1 that ends it.
func reloading() []string {
	fields := []string{"RELOADING=1"}
	if usec, ok := monotonicUsec(); ok {
		fields = append(fields, "MONOTONIC_USEC="+strconv.FormatUint(usec, 10))
	}
	return fields
}
