//go:build !linux || !cgo

package main

// trimMalloc does nothing where glibc's malloc is not the one.
func trimMalloc() {}
