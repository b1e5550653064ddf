//go:build !linux || !cgo

package main

// setMallocArenas does nothing where glibc's malloc is not the one.
func setMallocArenas(int) {}

// trimMalloc does nothing where glibc's malloc is not the one.
func trimMalloc() {}
