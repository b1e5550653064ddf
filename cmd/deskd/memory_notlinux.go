//go:build !linux

package main

// releaseExe does nothing: the binary's pages are mapped as the system chooses.
func releaseExe(drop bool) error { return nil }
