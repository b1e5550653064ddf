//go:build linux && cgo

package main

/*
#define _GNU_SOURCE
#include <fcntl.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

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
// deskd_lazy_exe_mappings is how many of the executable's mappings deskd_lazy_exe advised.
static int deskd_lazy_exe_mappings = -1;

// deskd_lazy_exe makes the kernel read the executable's pages one by one as they are touched:
// every mapping of the executable gets MADV_RANDOM (no read-ahead, no read-around on a fault),
// then the pages of the file that the page cache holds and no process maps are written out if
// dirty and dropped (POSIX_FADV_DONTNEED), so that none of them is left in a large folio (a fault maps the
// whole folio, up to 2 MB, into the process). It returns how many mappings it advised, or -1.
static int deskd_lazy_exe(void) {
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		return -1;
	}
	struct stat st;
	FILE *maps = NULL;
	int n = -1;
	if (fstat(fd, &st) != 0 || (maps = fopen("/proc/self/maps", "re")) == NULL) {
		goto out;
	}
	n = 0;
	char line[512];
	while (fgets(line, sizeof line, maps) != NULL) {
		unsigned long lo, hi, off, ino;
		unsigned int maj, min;
		if (sscanf(line, "%lx-%lx %*s %lx %x:%x %lu", &lo, &hi, &off, &maj, &min, &ino) != 6) {
			continue;
		}
		if (ino != (unsigned long)st.st_ino || maj != major(st.st_dev) || min != minor(st.st_dev)) {
			continue;
		}
		if (madvise((void *)lo, hi - lo, MADV_RANDOM) == 0) {
			n++;
		}
	}
	// Dirty pages stay in the page cache: a binary just written (go build, an upgrade) is
	// written out first, which costs nothing once it is on disk.
	fdatasync(fd);
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
out:
	if (maps != NULL) {
		fclose(maps);
	}
	close(fd);
	return n;
}

__attribute__((constructor)) static void deskd_serve_arenas(int argc, char **argv, char **envp) {
	(void)envp;
	if (argv == NULL || !deskd_is_serve(argc, argv)) {
		return;
	}
	if (getenv("DESKD_EXE_READAHEAD") == NULL) {
		deskd_lazy_exe_mappings = deskd_lazy_exe();
	}
#ifdef __GLIBC__
	if (getenv("MALLOC_ARENA_MAX") == NULL) {
		mallopt(M_ARENA_MAX, DESKD_MALLOC_ARENAS);
	}
#endif
}

static int deskd_lazy_exe_count(void) { return deskd_lazy_exe_mappings; }

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

// lazyExeMappings is how many mappings of the executable were set, when the program was loaded,
// to be read page by page as touched (deskd_lazy_exe); -1 when it was not done: a command other
// than serve, DESKD_EXE_READAHEAD set, or /proc not readable.
func lazyExeMappings() int { return int(C.deskd_lazy_exe_count()) }
