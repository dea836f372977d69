// Copyright 2026 The Distill authors.
// Linux system calls Swift cannot reach directly: openat2(2) has no glibc wrapper and syscall(2) is variadic.
#ifndef DISTILL_CLINUX_SHIM_H
#define DISTILL_CLINUX_SHIM_H

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/syscall.h>
#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#endif
#endif

/// O_PATH (glibc declares it only with _GNU_SOURCE): a descriptor that names a file without opening it for I/O.
#ifdef O_PATH
static const int DISTILL_O_PATH = O_PATH;
#else
static const int DISTILL_O_PATH = 010000000;
#endif

#ifndef RESOLVE_BENEATH
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_BENEATH 0x08
#endif

/// openat2(2) with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS: `path` is resolved beneath `directory` and may not
/// leave it (no `..` above it, no absolute or escaping symbolic links). Returns -1 with errno ENOSYS where the
/// kernel or the headers lack openat2.
static inline int distill_open_beneath(int directory, const char *path, int flags) {
#if defined(__linux__) && defined(SYS_openat2)
    struct open_how how = {0};
    how.flags = (unsigned long long)flags;
    how.mode = 0;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    return (int)syscall(SYS_openat2, directory, path, &how, sizeof how);
#else
    (void)directory; (void)path; (void)flags;
    errno = ENOSYS;
    return -1;
#endif
}

/// Plain openat(2) (variadic in C because of its optional mode).
static inline int distill_openat(int directory, const char *path, int flags) {
    return openat(directory, path, flags);
}

#endif
