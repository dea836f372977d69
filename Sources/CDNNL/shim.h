// Copyright 2026 The Distill authors.
// oneDNN 2.6 C API (Debian libdnnl-dev) plus what Swift cannot import on its own.
#ifndef DISTILL_CDNNL_SHIM_H
#define DISTILL_CDNNL_SHIM_H

#include <oneapi/dnnl/dnnl.h>

/// `DNNL_MEMORY_ALLOCATE` is a pointer-cast macro; Swift sees it through this function.
static inline void *distill_dnnl_memory_allocate(void) { return DNNL_MEMORY_ALLOCATE; }

/// `DNNL_MEMORY_NONE` likewise.
static inline void *distill_dnnl_memory_none(void) { return DNNL_MEMORY_NONE; }

/// OpenMP runtime (libgomp); omp.h is not on clang's include path here.
extern void omp_set_num_threads(int);
extern int omp_get_max_threads(void);
extern int omp_get_thread_num(void);
extern int omp_get_num_threads(void);
/// libgomp's entry point for `#pragma omp parallel` (its public ABI): runs `fn(data)` on a team of `num_threads`
/// threads (0: the default count), the calling thread among them, and returns when all have finished. Host
/// kernels use it to run on the threads oneDNN's primitives already keep warm.
extern void GOMP_parallel(void (*fn)(void *), void *data, unsigned num_threads, unsigned flags);

#endif
