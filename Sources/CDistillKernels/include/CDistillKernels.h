// Copyright 2026 The Distill authors.
// Host kernels of the training engine that oneDNN 2.6 has no fused (or fast) primitive for, in C so that the compiler
// vectorizes them for the CPU it finds at run time (AVX-512, AVX2 or the x86-64 baseline: each function is
// compiled three times and the loader picks one, `target_clones`).
//
// Batch normalization over a channel-blocked activation (nChw16c or nChw8c, `block` 16 or 8): element (n, c, s)
// at ((n·blocks + c / block)·spatial + s)·block + c % block. Each function handles the (image, channel block)
// items [first, last), item = n·blocks + channel block; per-item sums go to `first_sum[item·block + lane]` and
// `second_sum[…]`, added to what is there.
#ifndef DISTILL_KERNELS_H
#define DISTILL_KERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

/// Sums of (x − k) and (x − k)² per item and lane; k[c] is the channel's shift (its first value).
void distill_bn_statistics(const float *x, const float *k, long first, long last, long blocks, long spatial,
                           long block, double *first_sum, double *second_sum);

/// y = a·x + b per channel, then max(·, 0) when `relu` is 1, min(max(·, 0), ceiling) when it is 2 (ReLU6 with
/// ceiling 6), h-swish v·min(max(v + 3, 0), 6)/6 when it is 3; `y` may be `x`.
void distill_bn_apply(const float *x, float *y, const float *a, const float *b, int relu, float ceiling, long first,
                      long last, long blocks, long spatial, long block);

/// Sums of g and g·(x − mean) per item and lane, g = dy where a·x + b > 0 (`relu` 1), where
/// 0 < a·x + b < ceiling (`relu` 2), dy · h-swish′(a·x + b) (`relu` 3), dy everywhere (`relu` 0).
void distill_bn_gradient_sums(const float *x, const float *dy, const float *a, const float *b, const float *mean,
                              int relu, float ceiling, long first, long last, long blocks, long spatial, long block,
                              double *first_sum, double *second_sum);

/// dx = a·g + c1 + c2·(x − mean), g as in `distill_bn_gradient_sums`; `dx` may be `dy`.
void distill_bn_input_gradient(const float *x, const float *dy, float *dx, const float *a, const float *b,
                               const float *mean, const float *c1, const float *c2, int relu, float ceiling,
                               long first, long last, long blocks, long spatial, long block);

/// dx = dy · h-swish′(x) for elements [first, last): h-swish′(x) = 0 for x ≤ −3, 1 for x ≥ 3, (2x + 3) / 6 between.
/// `dx` may be `dy`.
void distill_hard_swish_backward(const float *x, const float *dy, float *dx, long first, long last);

/// Images (N, C, P) planar, row-major, to (N, P, C) interleaved (NCHW to NHWC with P = H·W), positions
/// [first, last) of every image; `x` and `y` do not overlap.
void distill_planar_to_interleaved(const float *restrict x, float *restrict y, long images, long channels,
                                   long positions, long first, long last);

#ifdef __cplusplus
}
#endif

#endif
