//go:build linux && cgo

package main

/*
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

// DESKD_MALLOC_ARENAS is mallocArenas (memory.go).
#define DESKD_MALLOC_ARENAS 1

// deskd_is_serve says whether the command line is deskd serve: its first word that is not a
// leading flag (-v, --config FILE, --config=FILE) is "serve", as main's leadingFlags reads it.
static int deskd_is_serve(int argc, char **argv) {
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-') {
			return strcmp(a, "serve") == 0;
		}
		while (*a == '-') {
			a++;
		}
		if (strcmp(a, "config") == 0) {
			i++; // Its value.
		}
	}
	return 0;
}

// deskd_serve_arenas bounds glibc's malloc arenas for deskd serve. It runs when the program is
// loaded (glibc passes a constructor the command line), before the Go runtime starts the threads
// whose first malloc would each make an arena: a mallopt called from Go, once those threads
// exist, left the process with 6 arenas where 2 were asked (counted in /proc/PID/smaps).
__attribute__((constructor)) static void deskd_serve_arenas(int argc, char **argv, char **envp) {
	(void)envp;
#ifdef __GLIBC__
	if (getenv("MALLOC_ARENA_MAX") == NULL && argv != NULL && deskd_is_serve(argc, argv)) {
		mallopt(M_ARENA_MAX, DESKD_MALLOC_ARENAS);
	}
#endif
}

static void deskd_malloc_trim(void) {
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}
*/
import "C"

import "unsafe"

// The C bound is mallocArenas, or this does not compile.
var (
	_ [mallocArenas - C.DESKD_MALLOC_ARENAS]struct{}
	_ [C.DESKD_MALLOC_ARENAS - mallocArenas]struct{}
)

// isServeLine is deskd_is_serve for a command line (the program's name first), for the tests.
func isServeLine(argv ...string) bool {
	cs := make([]*C.char, len(argv))
	for i, a := range argv {
		cs[i] = C.CString(a)
		defer C.free(unsafe.Pointer(cs[i]))
	}
	return C.deskd_is_serve(C.int(len(cs)), &cs[0]) != 0
}

// trimMalloc gives the free pages of glibc's malloc arenas back to the system (malloc_trim);
// elsewhere it does nothing.
func trimMalloc() { C.deskd_malloc_trim() }
