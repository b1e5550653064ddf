package mailout

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Claimant names the process that claims outbox rows, so that another process can tell whether
// it is still alive: the machine, the machine's boot, the PID namespace, the process id and the
// process's start time (a PID reused by another process after a crash has another start time).
//
// After a crash the next sender on the same machine sees that the claimant is gone and takes its
// rows back at once, instead of waiting out tickets.ClaimLease. A claimant on another machine, or
// in another PID namespace, cannot be looked at: its rows wait for the lease.
// todo: several instances on one database across machines (PostgreSQL) want a heartbeat per
// claimant, so that a machine's dead sender is told from a live one without the lease.
type Claimant struct {
	Machine string // /etc/machine-id, else the host name.
	Boot    string // /proc/sys/kernel/random/boot_id.
	PIDNS   string // The PID namespace, as /proc/self/ns/pid reads.
	PID     int
	Start   string // The process's start time in clock ticks since boot, field 22 of /proc/PID/stat.
}

// Self is the running process as a claimant. Where /proc is missing the boot and start are ""
// and no other process ever takes this one for gone.
func Self() Claimant {
	c := Claimant{Machine: machineID(), PID: os.Getpid()}
	c.Boot = readTrim("/proc/sys/kernel/random/boot_id")
	c.PIDNS, _ = os.Readlink("/proc/self/ns/pid")
	c.Start, _ = startTime(c.PID)
	return c
}

// String is the claimant as the outbox records it: its fields separated by spaces.
func (c Claimant) String() string {
	return fmt.Sprintf("%s %s %s %d %s", orDash(c.Machine), orDash(c.Boot), orDash(c.PIDNS), c.PID, orDash(c.Start))
}

// ParseClaimant reads a claimant as String writes it.
func ParseClaimant(s string) (Claimant, bool) {
	f := strings.Fields(s)
	if len(f) != 5 {
		return Claimant{}, false
	}
	pid, err := strconv.Atoi(f[3])
	if err != nil || pid <= 0 {
		return Claimant{}, false
	}
	un := func(s string) string {
		if s == "-" {
			return ""
		}
		return s
	}
	return Claimant{Machine: un(f[0]), Boot: un(f[1]), PIDNS: un(f[2]), PID: pid, Start: un(f[4])}, true
}

func orDash(s string) string {
	if s = strings.Join(strings.Fields(s), "_"); s == "" {
		return "-"
	}
	return s
}

// Gone reports whether other is known, from self, to be dead: same machine and a later boot,
// or same boot and PID namespace and no process of that PID and start time. Anything self cannot
// look at (another machine, another namespace, no /proc) is not gone.
func (self Claimant) Gone(other Claimant) bool {
	if self.Machine == "" || other.Machine != self.Machine || self.Boot == "" || other.Boot == "" {
		return false
	}
	if other.Boot != self.Boot {
		return true // The machine restarted since: every process of that boot is gone.
	}
	if other.PIDNS == "" || other.PIDNS != self.PIDNS || other.Start == "" {
		return false
	}
	if other.PID == self.PID && other.Start == self.Start {
		return false
	}
	start, state, err := procStat(other.PID)
	if err != nil {
		return os.IsNotExist(err)
	}
	// A process killed but not yet reaped by its parent (a zombie: where nothing reaps orphans,
	// as in a container without an init, it stays so) has its /proc entry, and its start time.
	return start != other.Start || state == "Z" || state == "X"
}

// startTime reads a process's start time, in clock ticks since boot (proc(5), field 22 of stat).
func startTime(pid int) (string, error) {
	start, _, err := procStat(pid)
	return start, err
}

// procStat reads a process's start time (field 22 of /proc/PID/stat, in clock ticks since boot)
// and its state (field 3: "R", "S", … "Z" for a zombie).
func procStat(pid int) (start, state string, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "", "", err
	}
	// The command name, field 2, is in parentheses and may hold spaces or parentheses itself.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return "", "", fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(b[i+1:])) // From field 3 on.
	if len(f) < 20 {
		return "", "", fmt.Errorf("/proc/%d/stat: %d fields", pid, len(f)+2)
	}
	return f[19], f[0], nil
}

func machineID() string {
	for _, p := range []string{"/etc/machine-id", "/var/lib/dbus/machine-id"} {
		if id := readTrim(p); id != "" {
			return id
		}
	}
	h, _ := os.Hostname()
	return h
}

func readTrim(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
