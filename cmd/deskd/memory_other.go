//go:build !linux || !cgo

package main

// trimMalloc does nothing where glibc's malloc is not the one.
func trimMalloc() {}

// lazyExeMappings is -1: the executable's pages are read as the kernel chooses.
func lazyExeMappings() int { return -1 }
