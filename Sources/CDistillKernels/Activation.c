// Copyright 2026 The Distill authors.
// Activation gradients oneDNN 2.6 has no fast kernel for (CDistillKernels.h). Sixteen elements at a time with the
// compiler's vector types (loaded before stored, so dx may be dy), then the tail one by one.

#include "CDistillKernels.h"

#pragma STDC FP_CONTRACT OFF
#pragma clang diagnostic ignored "-Wpsabi"

typedef float f16 __attribute__((vector_size(64), aligned(4)));
typedef int i16 __attribute__((vector_size(64), aligned(4)));

__attribute__((target_clones("avx512f", "avx2", "default"))) void
distill_hard_swish_backward(const float *x, const float *dy, float *dx, long first, long last) {
    long i = first;
    for (; i + 16 <= last; i += 16) {
        f16 v = *(const f16 *)(x + i);
        f16 g = *(const f16 *)(dy + i);
        f16 slope = (2 * v + 3) / 6;
        i16 above = v >= 3, between = (v > -3) & ~above;
        // Lanes at or above 3 take 1, lanes at or below −3 take 0.
        slope = (f16)(((i16)slope & between) | ((i16)(f16){1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1} & above));
        *(f16 *)(dx + i) = g * slope;
    }
    for (; i < last; i++) {
        float v = x[i];
        float slope = v <= -3 ? 0 : (v >= 3 ? 1 : (2 * v + 3) / 6);
        dx[i] = dy[i] * slope;
    }
}
