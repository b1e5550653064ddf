//go:build linux && cgo

package main

/*
#include <malloc.h>

static void deskd_malloc_arenas(int n) {
#ifdef __GLIBC__
	mallopt(M_ARENA_MAX, n);
#endif
}

static void deskd_malloc_trim(void) {
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}
*/
import "C"

// setMallocArenas bounds glibc's malloc arenas (mallopt M_ARENA_MAX); elsewhere it does nothing.
func setMallocArenas(n int) { C.deskd_malloc_arenas(C.int(n)) }

// trimMalloc gives the free pages of glibc's malloc arenas back to the system (malloc_trim);
// elsewhere it does nothing.
func trimMalloc() { C.deskd_malloc_trim() }
