// Copyright 2026 The Distill authors.
// Linux system calls Swift cannot reach directly: openat2(2) has no glibc wrapper and syscall(2) and openat(2)
// are variadic. Only kernel headers are included here (no libc headers), so libc's types such as `struct stat`
// keep belonging to the Glibc module; the three libc functions used are declared as glibc declares them.
#ifndef DISTILL_CLINUX_SHIM_H
#define DISTILL_CLINUX_SHIM_H

#if defined(__linux__)
#include <asm/unistd.h>
#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#endif

extern long syscall(long number, ...);
extern int openat(int directory, const char *path, int flags, ...);
extern int *__errno_location(void);
#endif

/// The calling thread's id (gettid(2)), for per-thread scheduling calls; -1 off Linux.
static inline int distill_thread_id(void) {
#if defined(__linux__) && defined(__NR_gettid)
    return (int)syscall(__NR_gettid);
#else
    return -1;
#endif
}

/// O_PATH (Linux's generic value; glibc declares it only with _GNU_SOURCE): a descriptor that names a file
/// without opening it for I/O.
static const int DISTILL_O_PATH = 010000000;

/// openat2(2) with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS: `path` is resolved beneath `directory` and may not
/// leave it (no `..` above it, no absolute or escaping symbolic links). Returns -1 with errno ENOSYS where the
/// kernel or the headers lack openat2.
static inline int distill_open_beneath(int directory, const char *path, int flags) {
#if defined(__linux__) && defined(__NR_openat2) && defined(RESOLVE_BENEATH)
    struct open_how how = {0};
    how.flags = (unsigned long long)flags;
    how.mode = 0;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    return (int)syscall(__NR_openat2, directory, path, &how, sizeof how);
#else
    (void)directory; (void)path; (void)flags;
    *__errno_location() = 38; /* ENOSYS */
    return -1;
#endif
}

/// Plain openat(2).
static inline int distill_openat(int directory, const char *path, int flags) {
    return openat(directory, path, flags);
}

#endif
