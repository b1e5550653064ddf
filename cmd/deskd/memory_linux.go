//go:build linux

package main

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// exeMapping is a mapping of the executable, as /proc/self/smaps lists it.
type exeMapping struct {
	lo, hi   uintptr
	writable bool
	anon     int // Anonymous: kB of the mapping's pages copied on write (relocations, data).
}

// exeMappings lists the mappings of the executable in /proc/self/smaps.
func exeMappings() (exe string, maps []exeMapping, err error) {
	exe, err = os.Readlink("/proc/self/exe")
	if err != nil {
		return "", nil, err
	}
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		return "", nil, err
	}
	var cur *exeMapping
	sc := bufio.NewScanner(bytes.NewReader(smaps))
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if !strings.HasSuffix(fields[0], ":") { // A mapping's first line: "lo-hi perms offset dev inode path".
			cur = nil
			lo, hi, ok := strings.Cut(fields[0], "-")
			if !ok || len(fields) < 6 || strings.Join(fields[5:], " ") != exe {
				continue
			}
			l, err1 := strconv.ParseUint(lo, 16, 64)
			h, err2 := strconv.ParseUint(hi, 16, 64)
			if err1 != nil || err2 != nil {
				continue
			}
			maps = append(maps, exeMapping{lo: uintptr(l), hi: uintptr(h), writable: strings.Contains(fields[1], "w")})
			cur = &maps[len(maps)-1]
			continue
		}
		if cur != nil && fields[0] == "Anonymous:" && len(fields) >= 2 {
			cur.anon, _ = strconv.Atoi(fields[1])
		}
	}
	return exe, maps, sc.Err()
}

// releaseExe unmaps from the process the pages of its executable's read-only mappings (code,
// read-only data, the tables the Go runtime reads), which the process faults back in, 4 kB at a
// time (deskd_lazy_exe), as it touches them again: what start-up alone touched no longer counts in
// its resident memory. A mapping that holds pages copied on write (the relocated data, or a
// debugger's breakpoints) is left alone: unmapping would lose them. With drop, the file's pages
// that no process maps any more leave the page cache too: pages read there in large folios (by
// read-ahead, or a read of the file at start: google.golang.org/protobuf's detrand samples the
// binary) would otherwise be mapped whole again by the next fault.
func releaseExe(drop bool) error {
	exe, maps, err := exeMappings()
	if err != nil {
		return err
	}
	for _, m := range maps {
		// Already done at load where cgo is (deskd_lazy_exe); without it, from here on.
		if _, _, errno := unix.Syscall(unix.SYS_MADVISE, m.lo, m.hi-m.lo, unix.MADV_RANDOM); errno != 0 {
			return errno
		}
		if m.writable || m.anon != 0 {
			continue
		}
		if _, _, errno := unix.Syscall(unix.SYS_MADVISE, m.lo, m.hi-m.lo, unix.MADV_DONTNEED); errno != 0 {
			return errno
		}
	}
	if !drop {
		return nil
	}
	f, err := os.Open(exe)
	if err != nil {
		return err
	}
	defer f.Close()
	_ = unix.Fdatasync(int(f.Fd())) // Dirty pages are not dropped: a binary just written.
	return unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
}
