// Copyright 2026 The Distill authors.
// The batch-norm passes of CDistillKernels.h, written once per block width with the compiler's vector types (one
// vector is one position's block of channels: 16 or 8 floats), which each target clone lowers to its own
// registers (one zmm, two ymm, four xmm). Sums run in float over at most RUN positions at a time and are then
// added in double. Every position's vector is loaded before it is stored, so in-place use (y = x, dx = dy) is
// safe.

#include "CDistillKernels.h"

// No fused multiply-adds: every clone then rounds alike, and the forward pass and the backward's ReLU mask compute
// a·x + b identically.
#pragma STDC FP_CONTRACT OFF
// The vector helpers are always inlined, so no vector crosses a call boundary whose ABI the clones could disagree on.
#pragma clang diagnostic ignored "-Wpsabi"

#define RUN 256
#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

typedef float f16 __attribute__((vector_size(64), aligned(4)));
typedef int i16 __attribute__((vector_size(64), aligned(4)));
typedef float f8 __attribute__((vector_size(32), aligned(4)));
typedef int i8 __attribute__((vector_size(32), aligned(4)));

// One width's four passes: `F` the float vector of `B` lanes, `I` the int vector of the same size.
#define BATCH_NORM_PASSES(B, F, I)                                                                                 \
    static inline __attribute__((always_inline)) F relu_mask##B(F value, F test) {                                 \
        return (F)((I)value & (test > 0));                                                                         \
    }                                                                                                              \
    /* The gradient mask of min(max(test, 0), ceiling): value where 0 < test < ceiling, else 0. */                \
    static inline __attribute__((always_inline)) F clamp_mask##B(F value, F test, F ceiling) {                     \
        return (F)((I)value & (test > 0) & (test < ceiling));                                                      \
    }                                                                                                              \
    /* h-swish, v · min(max(v + 3, 0), 6) / 6, and its slope: 0 at or below −3, 1 at or above 3, (2v + 3) / 6 */   \
    static inline __attribute__((always_inline)) F hard_swish##B(F v) {                                            \
        F t = v + 3;                                                                                               \
        return v * __builtin_elementwise_min(relu_mask##B(t, t), (F){0} + 6) / 6;                                  \
    }                                                                                                              \
    static inline __attribute__((always_inline)) F hard_swish_slope##B(F v) {                                      \
        I above = v >= 3, between = (v > -3) & ~above;                                                             \
        return (F)(((I)((2 * v + 3) / 6) & between) | ((I)((F){0} + 1) & above));                                 \
    }                                                                                                              \
                                                                                                                   \
    /* One run's float sums added to an item's double sums, lane by lane. */                                     \
    static inline __attribute__((always_inline)) void add_sums##B(F s1, F s2, double *first_sum,                    \
                                                                  double *second_sum) {                            \
        for (int lane = 0; lane < B; lane++) {                                                                     \
            first_sum[lane] += s1[lane];                                                                           \
            second_sum[lane] += s2[lane];                                                                          \
        }                                                                                                          \
    }                                                                                                              \
                                                                                                                   \
    static inline __attribute__((always_inline)) void statistics##B(                                                \
        const float *x, const float *k, long first, long last, long blocks, long spatial, double *first_sum,       \
        double *second_sum) {                                                                                      \
        for (long item = first; item < last; item++) {                                                             \
            const F shift = *(const F *)(k + (item % blocks) * B);                                                 \
            const float *base = x + item * spatial * B;                                                            \
            for (long start = 0; start < spatial; start += RUN) {                                                  \
                long end = start + RUN < spatial ? start + RUN : spatial;                                          \
                F s1 = {0}, s2 = {0};                                                                              \
                for (long p = start; p < end; p++) {                                                               \
                    F d = *(const F *)(base + p * B) - shift;                                                      \
                    s1 += d;                                                                                       \
                    s2 += d * d;                                                                                   \
                }                                                                                                  \
                add_sums##B(s1, s2, first_sum + item * B, second_sum + item * B);                                  \
            }                                                                                                      \
        }                                                                                                          \
    }                                                                                                              \
                                                                                                                   \
    static inline __attribute__((always_inline)) void apply##B(const float *x, float *y, const float *a,            \
                                                               const float *b, int relu, float ceiling,           \
                                                               long first, long last, long blocks, long spatial) { \
        const F top = (F){0} + ceiling;                                                                            \
        for (long item = first; item < last; item++) {                                                            \
            const F scale = *(const F *)(a + (item % blocks) * B), shift = *(const F *)(b + (item % blocks) * B); \
            const float *in = x + item * spatial * B;                                                              \
            float *out = y + item * spatial * B;                                                                   \
            if (relu == 3) {                                                                                       \
                for (long p = 0; p < spatial; p++) {                                                               \
                    *(F *)(out + p * B) = hard_swish##B(*(const F *)(in + p * B) * scale + shift);                 \
                }                                                                                                  \
            } else if (relu == 2) {                                                                                \
                for (long p = 0; p < spatial; p++) {                                                               \
                    F v = *(const F *)(in + p * B) * scale + shift;                                                \
                    *(F *)(out + p * B) = __builtin_elementwise_min(relu_mask##B(v, v), top);                      \
                }                                                                                                  \
            } else if (relu) {                                                                                     \
                for (long p = 0; p < spatial; p++) {                                                               \
                    F v = *(const F *)(in + p * B) * scale + shift;                                                \
                    *(F *)(out + p * B) = relu_mask##B(v, v);                                                      \
                }                                                                                                  \
            } else {                                                                                               \
                for (long p = 0; p < spatial; p++) *(F *)(out + p * B) = *(const F *)(in + p * B) * scale + shift; \
            }                                                                                                      \
        }                                                                                                          \
    }                                                                                                              \
                                                                                                                   \
    static inline __attribute__((always_inline)) void gradient_sums##B(                                             \
        const float *x, const float *dy, const float *a, const float *b, const float *mean, int relu,              \
        float ceiling, long first, long last, long blocks, long spatial, double *first_sum, double *second_sum) {  \
        const F top = (F){0} + ceiling;                                                                            \
        for (long item = first; item < last; item++) {                                                             \
            const long c = (item % blocks) * B;                                                                    \
            const F scale = *(const F *)(a + c), shift = *(const F *)(b + c), mu = *(const F *)(mean + c);         \
            const float *in = x + item * spatial * B, *grad = dy + item * spatial * B;                             \
            for (long start = 0; start < spatial; start += RUN) {                                                  \
                long end = start + RUN < spatial ? start + RUN : spatial;                                          \
                F s1 = {0}, s2 = {0};                                                                              \
                for (long p = start; p < end; p++) {                                                               \
                    F v = *(const F *)(in + p * B);                                                                \
                    F g = *(const F *)(grad + p * B);                                                              \
                    if (relu == 3) g = g * hard_swish_slope##B(v * scale + shift);                                 \
                    else if (relu == 2) g = clamp_mask##B(g, v * scale + shift, top);                              \
                    else if (relu) g = relu_mask##B(g, v * scale + shift);                                         \
                    s1 += g;                                                                                       \
                    s2 += g * (v - mu);                                                                            \
                }                                                                                                  \
                add_sums##B(s1, s2, first_sum + item * B, second_sum + item * B);                                  \
            }                                                                                                      \
        }                                                                                                          \
    }                                                                                                              \
                                                                                                                   \
    static inline __attribute__((always_inline)) void input_gradient##B(                                            \
        const float *x, const float *dy, float *dx, const float *a, const float *b, const float *mean,             \
        const float *c1, const float *c2, int relu, float ceiling, long first, long last, long blocks,             \
        long spatial) {                                                                                            \
        const F top = (F){0} + ceiling;                                                                            \
        for (long item = first; item < last; item++) {                                                             \
            const long c = (item % blocks) * B;                                                                    \
            const F scale = *(const F *)(a + c), shift = *(const F *)(b + c), mu = *(const F *)(mean + c);         \
            const F constant = *(const F *)(c1 + c), slope = *(const F *)(c2 + c);                                 \
            const float *in = x + item * spatial * B, *grad = dy + item * spatial * B;                             \
            float *out = dx + item * spatial * B;                                                                  \
            for (long p = 0; p < spatial; p++) {                                                                   \
                F v = *(const F *)(in + p * B);                                                                    \
                F g = *(const F *)(grad + p * B);                                                                  \
                if (relu == 3) g = g * hard_swish_slope##B(v * scale + shift);                                     \
                else if (relu == 2) g = clamp_mask##B(g, v * scale + shift, top);                                  \
                else if (relu) g = relu_mask##B(g, v * scale + shift);                                             \
                *(F *)(out + p * B) = scale * g + constant + slope * (v - mu);                                     \
            }                                                                                                      \
        }                                                                                                          \
    }

BATCH_NORM_PASSES(16, f16, i16)
BATCH_NORM_PASSES(8, f8, i8)

CLONES void distill_bn_statistics(const float *x, const float *k, long first, long last, long blocks, long spatial,
                                  long block, double *first_sum, double *second_sum) {
    if (block == 16) statistics16(x, k, first, last, blocks, spatial, first_sum, second_sum);
    else statistics8(x, k, first, last, blocks, spatial, first_sum, second_sum);
}

CLONES void distill_bn_apply(const float *x, float *y, const float *a, const float *b, int relu, float ceiling,
                             long first, long last, long blocks, long spatial, long block) {
    if (block == 16) apply16(x, y, a, b, relu, ceiling, first, last, blocks, spatial);
    else apply8(x, y, a, b, relu, ceiling, first, last, blocks, spatial);
}

CLONES void distill_bn_gradient_sums(const float *x, const float *dy, const float *a, const float *b,
                                     const float *mean, int relu, float ceiling, long first, long last, long blocks,
                                     long spatial, long block, double *first_sum, double *second_sum) {
    if (block == 16)
        gradient_sums16(x, dy, a, b, mean, relu, ceiling, first, last, blocks, spatial, first_sum, second_sum);
    else gradient_sums8(x, dy, a, b, mean, relu, ceiling, first, last, blocks, spatial, first_sum, second_sum);
}

CLONES void distill_bn_input_gradient(const float *x, const float *dy, float *dx, const float *a, const float *b,
                                      const float *mean, const float *c1, const float *c2, int relu, float ceiling,
                                      long first, long last, long blocks, long spatial, long block) {
    if (block == 16) input_gradient16(x, dy, dx, a, b, mean, c1, c2, relu, ceiling, first, last, blocks, spatial);
    else input_gradient8(x, dy, dx, a, b, mean, c1, c2, relu, ceiling, first, last, blocks, spatial);
}
