// Copyright 2026 The Distill authors.
// Layout changes on the host (CDistillKernels.h): plain loops the compiler vectorizes per CPU (three channels
// interleave through its shuffles for stride-3 stores).

#include "CDistillKernels.h"

__attribute__((target_clones("avx512f", "avx2", "default"))) void
distill_planar_to_interleaved(const float *restrict x, float *restrict y, long images, long channels,
                              long positions, long first, long last) {
    for (long n = 0; n < images; n++) {
        const float *source = x + n * channels * positions;
        float *target = y + n * channels * positions;
        if (channels == 3) {
            const float *red = source, *green = source + positions, *blue = source + 2 * positions;
            for (long p = first; p < last; p++) {
                target[3 * p] = red[p];
                target[3 * p + 1] = green[p];
                target[3 * p + 2] = blue[p];
            }
            continue;
        }
        for (long p = first; p < last; p++) {
            for (long c = 0; c < channels; c++) target[p * channels + c] = source[c * positions + p];
        }
    }
}
