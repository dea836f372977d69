// Copyright 2026 The Distill authors.
// dLoss/dWeights of a depthwise convolution on the host, for the shapes oneDNN 2.6 has no JIT kernel for
// (5x5 depthwise backward-weights falls back to its reference implementation, about 500 times slower than
// the forward pass; measured on MobileNet V3-Small, 93% of a training step):
//   dW[c, i, j] += Σ over n, oh, ow of dy[n, c, oh, ow] · x[n, c, oh·s + i − p, ow·s + j − p]
// Source and output gradient in the same blocked layout (nChw16c, nChw8c or NCHW as block 1); channel blocks
// run in parallel, each accumulating its own weights, so no two threads write the same value.

/// The host kernel for one depthwise convolution's weight gradient.
struct DepthwiseWeightGradient {
    let batch: Int
    let channels: Int
    let height: Int
    let width: Int
    let outputHeight: Int
    let outputWidth: Int
    let kernel: Int
    let stride: Int
    let padding: Int
    /// Channels per block of both layouts.
    let block: Int

    /// Adds dLoss/dWeights into `weightGradient`, (C, 1, K, K) row-major.
    /// - Parameters:
    ///   - source: The forward input x, in the kernel's layout.
    ///   - outputGradient: dLoss/dy, in the kernel's layout.
    ///   - weightGradient: C·K·K floats, added to.
    func accumulate(
        source: UnsafeMutableBufferPointer<Float>, outputGradient: UnsafeMutableBufferPointer<Float>,
        weightGradient: UnsafeMutableBufferPointer<Float>
    ) {
        guard let x = source.baseAddress, let dy = outputGradient.baseAddress,
            let dw = weightGradient.baseAddress
        else { return }
        let blocks = (channels + block - 1) / block
        let taps = kernel * kernel
        ParallelRegion.forEach(blocks) { b in
            let lanes = min(block, channels - b * block)
            if block == 16 {
                accumulateBlock16(b, blocks: blocks, lanes: lanes, x: x, dy: dy, dw: dw)
                return
            }
            var sums = [Float](repeating: 0, count: taps * block)
            sums.withUnsafeMutableBufferPointer { sums in
                for n in 0..<batch {
                    let sourceBase = (n * blocks + b) * height * width * block
                    let gradientBase = (n * blocks + b) * outputHeight * outputWidth * block
                    for oh in 0..<outputHeight {
                        for i in 0..<kernel {
                            let ih = oh * stride + i - padding
                            if ih < 0 || ih >= height { continue }
                            for ow in 0..<outputWidth {
                                let g = gradientBase + (oh * outputWidth + ow) * block
                                for j in 0..<kernel {
                                    let iw = ow * stride + j - padding
                                    if iw < 0 || iw >= width { continue }
                                    let s = sourceBase + (ih * width + iw) * block
                                    let t = (i * kernel + j) * block
                                    for lane in 0..<block { sums[t + lane] += dy[g + lane] * x[s + lane] }
                                }
                            }
                        }
                    }
                }
                for lane in 0..<lanes {
                    let c = b * block + lane
                    for tap in 0..<taps { dw[c * taps + tap] += sums[tap * block + lane] }
                }
            }
        }
    }
}

extension DepthwiseWeightGradient {
    /// One 16-channel block with 16-wide vector arithmetic (the layout every wide layer uses).
    func accumulateBlock16(
        _ b: Int, blocks: Int, lanes: Int, x: UnsafeMutablePointer<Float>, dy: UnsafeMutablePointer<Float>,
        dw: UnsafeMutablePointer<Float>
    ) {
        let taps = kernel * kernel
        var sums = [SIMD16<Float>](repeating: .zero, count: taps)
        sums.withUnsafeMutableBufferPointer { sums in
            let source = UnsafeRawPointer(x)
            let gradient = UnsafeRawPointer(dy)
            let vector = MemoryLayout<SIMD16<Float>>.stride
            for n in 0..<batch {
                let sourceBase = (n * blocks + b) * height * width
                let gradientBase = (n * blocks + b) * outputHeight * outputWidth
                for oh in 0..<outputHeight {
                    for i in 0..<kernel {
                        let ih = oh * stride + i - padding
                        if ih < 0 || ih >= height { continue }
                        for ow in 0..<outputWidth {
                            let g = gradient.loadUnaligned(
                                fromByteOffset: (gradientBase + oh * outputWidth + ow) * vector, as: SIMD16<Float>.self)
                            for j in 0..<kernel {
                                let iw = ow * stride + j - padding
                                if iw < 0 || iw >= width { continue }
                                let v = source.loadUnaligned(
                                    fromByteOffset: (sourceBase + ih * width + iw) * vector, as: SIMD16<Float>.self)
                                sums[i * kernel + j] += g * v
                            }
                        }
                    }
                }
            }
            for lane in 0..<lanes {
                let c = b * 16 + lane
                for tap in 0..<taps { dw[c * taps + tap] += sums[tap][lane] }
            }
        }
    }
}
