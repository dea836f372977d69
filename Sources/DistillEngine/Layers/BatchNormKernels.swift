// Copyright 2026 The Distill authors.
// Training batch normalization (+ ReLU, ReLU6 or h-swish) on the host, over a channel-blocked activation layout
// (nChw16c or nChw8c: element (n, c, s) at ((n·blocks + c / B)·S + s)·B + c % B for spatial position s of S), in
// four passes over memory where oneDNN 2.6's primitives take about seven:
//   forward:  1. per-channel sums of (x − k) and (x − k)² (k: the channel's first value, which keeps the one-pass
//                variance free of cancellation), then y = max(a·x + b, 0) with a = γ/σ, b = β − μ·a      (2 reads)
//                (ReLU6: min(max(a·x + b, 0), 6), its mask 0 < a·x + b < 6 below; h-swish: its slope at a·x + b)
//   backward: 1. Σg and Σg·(x − μ), g = dy where a·x + b > 0 (the ReLU mask, recomputed rather than stored)
//             2. dx = a·g + c₁ + c₂·(x − μ), c₁ = −a·Σg/M, c₂ = −a·Σg(x − μ)/(σ²·M)              (4 reads)
// with M = N·S and σ = sqrt(var + ε). The passes are C (CDistillKernels, vectorized for the CPU found at run
// time); here they are split over oneDNN's threads and their sums reduced. Sums run in float over runs of at most
// 256 positions and are added up in double; each thread owns whole (image, channel block) items, and items are
// summed in a fixed order, so results do not depend on the number of threads. Padded channels have
// a = b = c₁ = c₂ = 0, so they stay 0 in y and dx.

import CDistillKernels

/// The batch-norm passes for one shape.
struct BatchNormKernels {
    let batch: Int
    /// Channel blocks (padded channels / block).
    let blocks: Int
    /// Spatial positions H·W.
    let spatial: Int
    /// Channels per block: 16 or 8.
    let block: Int
    /// The activation applied after the affine map (and its derivative in the gradient, recomputed), or nil.
    let activation: Activation?

    /// The kernels' activation mode (0 none, 1 ReLU, 2 ReLU clamped at a ceiling, 3 h-swish) and the ceiling.
    private var mode: (Int32, Float) {
        switch activation {
        case nil: (0, 0)
        case .relu: (1, .infinity)
        case .relu6: (2, 6)
        case .hardSwish: (3, 0)
        }
    }

    private var items: Int { batch * blocks }

    /// Per-channel batch mean and biased variance of `x` (padded length blocks·block).
    func statistics(_ x: UnsafePointer<Float>) -> (mean: [Double], variance: [Double]) {
        // Each channel's first value is its shift, which keeps the one-pass variance free of cancellation.
        var shift = [Float](repeating: 0, count: blocks * block)
        for cb in 0..<blocks {
            for lane in 0..<block { shift[cb * block + lane] = x[cb * spatial * block + lane] }
        }
        let (first, second) = itemSums { range, first, second in
            distill_bn_statistics(x, shift, range.lowerBound, range.upperBound, blocks, spatial, block, first, second)
        }
        let count = Double(batch * spatial)
        var mean = [Double](repeating: 0, count: blocks * block)
        var variance = [Double](repeating: 0, count: blocks * block)
        for c in 0..<blocks * block {
            let centred = first[c] / count
            mean[c] = Double(shift[c]) + centred
            variance[c] = max(0, second[c] / count - centred * centred)
        }
        return (mean, variance)
    }

    /// y = a·x + b per channel, then the activation; `y` may be `x`.
    func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, scale a: [Float], shift b: [Float]) {
        let (mode, ceiling) = self.mode
        ParallelRegion.run { thread, threads in
            let range = ParallelRegion.share(of: items, thread: thread, threads: threads)
            distill_bn_apply(
                x, y, a, b, mode, ceiling, range.lowerBound, range.upperBound, blocks, spatial, block)
        }
    }

    /// Per-channel Σg and Σg·(x − μ) of the masked output gradient g.
    func gradientSums(
        _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, scale a: [Float], shift b: [Float], mean: [Float]
    ) -> (gradient: [Double], centredProduct: [Double]) {
        let (mode, ceiling) = self.mode
        let sums = itemSums { range, first, second in
            distill_bn_gradient_sums(
                x, dy, a, b, mean, mode, ceiling, range.lowerBound, range.upperBound, blocks, spatial, block, first,
                second)
        }
        return (sums.first, sums.second)
    }

    /// dx = a·g + c₁ + c₂·(x − μ); `dx` may be `dy`.
    func inputGradient(
        _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
        coefficients c: InputGradientCoefficients
    ) {
        let (mode, ceiling) = self.mode
        ParallelRegion.run { thread, threads in
            let range = ParallelRegion.share(of: items, thread: thread, threads: threads)
            distill_bn_input_gradient(
                x, dy, dx, c.scale, c.shift, c.mean, c.constant, c.slope, mode, ceiling, range.lowerBound,
                range.upperBound, blocks, spatial, block)
        }
    }

    /// Per-channel constants of the input-gradient pass (padded length).
    struct InputGradientCoefficients {
        var scale: [Float]
        var shift: [Float]
        var mean: [Float]
        var constant: [Float]
        var slope: [Float]
    }

    /// Runs a summing pass over every item on the team, each thread writing its own items' partial sums, then
    /// adds them up per channel, images in order.
    private func itemSums(
        _ pass: (Range<Int>, UnsafeMutablePointer<Double>, UnsafeMutablePointer<Double>) -> Void
    ) -> (first: [Double], second: [Double]) {
        var partialFirst = [Double](repeating: 0, count: items * block)
        var partialSecond = [Double](repeating: 0, count: items * block)
        partialFirst.withUnsafeMutableBufferPointer { first in
            partialSecond.withUnsafeMutableBufferPointer { second in
                guard let first = first.baseAddress, let second = second.baseAddress else { return }
                ParallelRegion.run { thread, threads in
                    pass(ParallelRegion.share(of: items, thread: thread, threads: threads), first, second)
                }
            }
        }
        var first = [Double](repeating: 0, count: blocks * block)
        var second = [Double](repeating: 0, count: blocks * block)
        for n in 0..<batch {
            for c in 0..<blocks * block {
                first[c] += partialFirst[n * blocks * block + c]
                second[c] += partialSecond[n * blocks * block + c]
            }
        }
        return (first, second)
    }
}
