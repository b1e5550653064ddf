//go:build linux && cgo

package main

/*
#include <malloc.h>

static void deskd_malloc_arenas(int n) {
#ifdef M_ARENA_MAX
	mallopt(M_ARENA_MAX, n);
#endif
}
*/
import "C"

// setMallocArenas bounds glibc's malloc arenas (mallopt M_ARENA_MAX); elsewhere it does nothing.
func setMallocArenas(n int) { C.deskd_malloc_arenas(C.int(n)) }
