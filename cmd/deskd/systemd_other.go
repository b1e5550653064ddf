//go:build !linux

package main

// monotonicUsec is only known on Linux, the one system systemd runs on.
func monotonicUsec() (uint64, bool) { return 0, false }
