// Copyright 2026 The Distill authors.
// Squeeze-and-excitation (Hu et al. 2018, as MobileNet V3 uses it) on (N, C, H, W) activations:
//   p = mean over H·W of x            (N, C)
//   h = W1·p + b1, a = ReLU(h)        (N, S)   W1: (S, C)
//   z = W2·a + b2, s = hsig(z)        (N, C)   W2: (C, S), hsig(z) = ReLU6(z + 3) / 6
//   y = x · s (per image and channel)
// Host code over the activation's own layout (NCHW, nChw8c or nChw16c; anything else is reordered to
// nChw16c), after waiting for the stream. Images run in parallel; the small matrix products are plain loops.
// Parameters: W1 (S·C floats), b1 (S), W2 (C·S) and b2 (C), each at its own offset in the network's parameter
// buffer, gradients at the same offsets.

import CDNNL

/// Squeeze-and-excitation with explicit forward and backward passes.
public final class SqueezeExcitationLayer: EngineLayer {
    /// Where the four tensors start in the parameter (and gradient) buffer.
    public struct Offsets: Sendable {
        /// W1 (S, C).
        public var reduceWeights: Int
        /// b1 (S).
        public var reduceBias: Int
        /// W2 (C, S).
        public var expandWeights: Int
        /// b2 (C).
        public var expandBias: Int

        /// Creates the offsets.
        public init(reduceWeights: Int, reduceBias: Int, expandWeights: Int, expandBias: Int) {
            self.reduceWeights = reduceWeights
            self.reduceBias = reduceBias
            self.expandWeights = expandWeights
            self.expandBias = expandBias
        }
    }

    public let kind = "squeeze-excite"
    public let outputDescriptor: MemoryDescriptor
    /// Channels C.
    public let channels: Int
    /// Squeeze channels S.
    public let squeeze: Int
    private let batch: Int
    private let spatial: Int
    private let block: Int
    private let dimensions: [Int]
    private let context: ComputeContext
    private let inputAdapter: LayoutAdapter
    private let inputGradientAdapter: LayoutAdapter
    private let output: Memory
    private let inputGradient: Memory
    private let values: FloatBuffer
    private let gradients: FloatBuffer
    private let offsets: Offsets
    private var pooled: [Float]
    private var hidden: [Float]
    private var excitation: [Float]
    private var scale: [Float]
    /// Backward scratch, allocated once: dLoss/ds and dLoss/dz (N, C), dLoss/dh and ReLU(h) (N, S), dLoss/dp (N, C).
    private var scaleGradient: [Float]
    private var excitationGradient: [Float]
    private var hiddenGradient: [Float]
    private var active: [Float]
    private var pooledGradient: [Float]
    private var cachedInput: Memory?

    /// Builds the layer for one shape.
    /// - Parameters:
    ///   - dimensions: (N, C, H, W).
    ///   - squeeze: S, the width of the hidden layer.
    ///   - inputDescriptor: The layout inputs arrive in.
    ///   - values: The network's parameter buffer.
    ///   - gradients: The network's gradient buffer (same layout).
    ///   - offsets: Where W1, b1, W2 and b2 start.
    ///   - inputGradientStorage: Shared storage for dLoss/dInput, or `nil` for memory of the layer's own.
    ///   - context: The engine.
    /// - Throws: ``EngineError`` for a bad shape.
    public init(
        dimensions: [Int], squeeze: Int, inputDescriptor: MemoryDescriptor, values: FloatBuffer,
        gradients: FloatBuffer, offsets: Offsets, inputGradientStorage: FloatBuffer? = nil,
        context: ComputeContext
    ) throws {
        guard dimensions.count == 4, dimensions.allSatisfy({ $0 >= 1 }), squeeze >= 1 else {
            throw EngineError(
                .invalidArgument, "Squeeze-and-excitation needs (N, C, H, W) and S ≥ 1, got \(dimensions), \(squeeze).")
        }
        self.dimensions = dimensions
        batch = dimensions[0]
        channels = dimensions[1]
        spatial = dimensions[2] * dimensions[3]
        self.squeeze = squeeze
        self.context = context
        var working = inputDescriptor
        if let given = try inputDescriptor.channelBlock() {
            block = given
        } else {
            block = 16
            working = try MemoryDescriptor(dimensions: dimensions, tag: dnnl_nChw16c)
        }
        outputDescriptor = working
        inputAdapter = try LayoutAdapter(from: inputDescriptor, to: working, context: context)
        inputGradientAdapter = try LayoutAdapter(from: working, to: inputDescriptor, context: context)
        output = try Memory(working, context: context)
        inputGradient = try makeGradientMemory(working, storage: inputGradientStorage, context: context)
        self.values = values
        self.gradients = gradients
        self.offsets = offsets
        pooled = [Float](repeating: 0, count: batch * channels)
        hidden = [Float](repeating: 0, count: batch * squeeze)
        excitation = [Float](repeating: 0, count: batch * channels)
        scale = [Float](repeating: 0, count: batch * channels)
        scaleGradient = scale
        excitationGradient = scale
        pooledGradient = scale
        hiddenGradient = hidden
        active = hidden
    }

    public func forward(_ input: Memory, training: Bool) throws -> Memory {
        try checkDimensions(input, expected: dimensions, operation: "squeeze-excite forward")
        let source = try inputAdapter.apply(input)
        try context.wait()
        let (batch, channels, squeeze, spatial, block) = (batch, channels, squeeze, spatial, block)
        let blocks = (channels + block - 1) / block
        let inverse = 1 / Float(spatial)
        source.withFloats { x in
            pooled.withUnsafeMutableBufferPointer { pooled in
                let shared = SharedFloats(x, pooled)
                ParallelRegion.forEach(batch) { n in
                    let (x, pooled) = (shared[0], shared[1])
                    for b in 0..<blocks {
                        let base = (n * blocks + b) * spatial * block
                        let lanes = min(block, channels - b * block)
                        if block == 16 {
                            let sum = Self.sum16(spatial) { position in Self.load16(x, base + position * 16) }
                            for lane in 0..<lanes { pooled[n * channels + b * 16 + lane] = sum[lane] * inverse }
                            continue
                        }
                        for lane in 0..<lanes {
                            var sum: Float = 0
                            for position in 0..<spatial { sum += x[base + position * block + lane] }
                            pooled[n * channels + b * block + lane] = sum * inverse
                        }
                    }
                }
            }
        }
        // The two 1x1 layers, images in parallel (each writes its own rows of hidden, excitation and scale).
        values.withMutableFloats { parameters in
            hidden.withUnsafeMutableBufferPointer { hidden in
                excitation.withUnsafeMutableBufferPointer { excitation in
                    scale.withUnsafeMutableBufferPointer { scale in
                        pooled.withUnsafeMutableBufferPointer { pooled in
                            active.withUnsafeMutableBufferPointer { active in
                                let shared = SharedFloats(parameters, hidden, excitation, scale, pooled, active)
                                let offsets = offsets
                                ParallelRegion.forEach(batch) { n in
                                    let (parameters, excitation, scale) = (shared[0], shared[2], shared[3])
                                    let p = shared[4] + n * channels
                                    let h = shared[1] + n * squeeze
                                    let a = shared[5] + n * squeeze
                                    for j in 0..<squeeze {
                                        h[j] =
                                            parameters[offsets.reduceBias + j]
                                            + Self.dot(parameters + offsets.reduceWeights + j * channels, p, channels)
                                        a[j] = max(0, h[j])
                                    }
                                    for c in 0..<channels {
                                        let z =
                                            parameters[offsets.expandBias + c]
                                            + Self.dot(parameters + offsets.expandWeights + c * squeeze, a, squeeze)
                                        excitation[n * channels + c] = z
                                        scale[n * channels + c] = min(max(z + 3, 0), 6) / 6
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        source.withFloats { x in
            output.withFloats { y in
                scale.withUnsafeMutableBufferPointer { scale in
                    let shared = SharedFloats(x, y, scale)
                    ParallelRegion.forEach(batch) { n in
                        let (x, y, scale) = (shared[0], shared[1], shared[2])
                        for b in 0..<blocks {
                            let base = (n * blocks + b) * spatial * block
                            let lanes = min(block, channels - b * block)
                            if block == 16 {
                                var s = SIMD16<Float>.zero
                                for lane in 0..<lanes { s[lane] = scale[n * channels + b * 16 + lane] }
                                for position in 0..<spatial {
                                    let offset = base + position * 16
                                    UnsafeMutableRawPointer(y + offset).storeBytes(
                                        of: Self.load16(x, offset) * s, as: SIMD16<Float>.self)
                                }
                                continue
                            }
                            for position in 0..<spatial {
                                let offset = base + position * block
                                for lane in 0..<lanes {
                                    y[offset + lane] = x[offset + lane] * scale[n * channels + b * block + lane]
                                }
                            }
                        }
                    }
                }
            }
        }
        cachedInput = training ? source : nil
        return output
    }

    public func backward(_ outputGradient: Memory) throws -> Memory? {
        guard let source = cachedInput else {
            throw EngineError(.invalidArgument, "squeeze-excite backward called without a training-mode forward first.")
        }
        try context.wait()
        let (batch, channels, spatial, block) = (batch, channels, spatial, block)
        let blocks = (channels + block - 1) / block
        // dLoss/dScale per image and channel: Σ over positions of dy · x.
        source.withFloats { x in
            outputGradient.withFloats { dy in
                scaleGradient.withUnsafeMutableBufferPointer { ds in
                    let shared = SharedFloats(x, dy, ds)
                    ParallelRegion.forEach(batch) { n in
                        let (x, dy, ds) = (shared[0], shared[1], shared[2])
                        for b in 0..<blocks {
                            let base = (n * blocks + b) * spatial * block
                            let lanes = min(block, channels - b * block)
                            if block == 16 {
                                let sum = Self.sum16(spatial) { position in
                                    Self.load16(dy, base + position * 16) * Self.load16(x, base + position * 16)
                                }
                                for lane in 0..<lanes { ds[n * channels + b * 16 + lane] = sum[lane] }
                                continue
                            }
                            for lane in 0..<lanes {
                                var sum: Float = 0
                                for position in 0..<spatial {
                                    let offset = base + position * block + lane
                                    sum += dy[offset] * x[offset]
                                }
                                ds[n * channels + b * block + lane] = sum
                            }
                        }
                    }
                }
            }
        }
        // Back through hard-sigmoid, the expand and the reduce layers (parameter gradients summed over images).
        // dLoss/dh and dLoss/dp are sums; ReLU(h) is the forward pass's.
        for index in hiddenGradient.indices { hiddenGradient[index] = 0 }
        for index in pooledGradient.indices { pooledGradient[index] = 0 }
        values.withMutableFloats { parameters in
            gradients.withMutableFloats { grads in
                scaleGradient.withUnsafeMutableBufferPointer { ds in
                    excitation.withUnsafeMutableBufferPointer { excitation in
                        hidden.withUnsafeMutableBufferPointer { hidden in
                            pooled.withUnsafeMutableBufferPointer { pooled in
                                excitationGradient.withUnsafeMutableBufferPointer { dz in
                                    hiddenGradient.withUnsafeMutableBufferPointer { dh in
                                        pooledGradient.withUnsafeMutableBufferPointer { dp in
                                            active.withUnsafeMutableBufferPointer { active in
                                                let shared = SharedFloats(
                                                    parameters, grads, ds, excitation, hidden, pooled, dz, dh, dp,
                                                    active)
                                                backwardDense(shared)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        // dLoss/dx = dy · s + dLoss/dPooled / (H·W); written after the reads above, so it may share dy's storage.
        let inverse = 1 / Float(spatial)
        outputGradient.withFloats { dy in
            inputGradient.withFloats { dx in
                scale.withUnsafeMutableBufferPointer { scale in
                    pooledGradient.withUnsafeMutableBufferPointer { dp in
                        let shared = SharedFloats(dy, dx, scale, dp)
                        ParallelRegion.forEach(batch) { n in
                            let (dy, dx, scale, dp) = (shared[0], shared[1], shared[2], shared[3])
                            for b in 0..<blocks {
                                let base = (n * blocks + b) * spatial * block
                                let lanes = min(block, channels - b * block)
                                if block == 16 {
                                    var s = SIMD16<Float>.zero
                                    var p = SIMD16<Float>.zero
                                    for lane in 0..<lanes {
                                        s[lane] = scale[n * channels + b * 16 + lane]
                                        p[lane] = dp[n * channels + b * 16 + lane] * inverse
                                    }
                                    for position in 0..<spatial {
                                        let offset = base + position * 16
                                        UnsafeMutableRawPointer(dx + offset).storeBytes(
                                            of: Self.load16(dy, offset) * s + p, as: SIMD16<Float>.self)
                                    }
                                    continue
                                }
                                for position in 0..<spatial {
                                    let offset = base + position * block
                                    for lane in 0..<lanes {
                                        let c = n * channels + b * block + lane
                                        dx[offset + lane] = dy[offset + lane] * scale[c] + dp[c] * inverse
                                    }
                                    for lane in lanes..<block { dx[offset + lane] = 0 }
                                }
                            }
                        }
                    }
                }
            }
        }
        return try inputGradientAdapter.apply(inputGradient)
    }
}

extension SqueezeExcitationLayer {
    /// Back through hard-sigmoid, the expand and the reduce layers. Pointers, in order: parameters, gradients,
    /// dLoss/ds, z, h, p, then dLoss/dz, dLoss/dh, dLoss/dp (written here) and ReLU(h). First per image (in
    /// parallel), then the parameter gradients per output row (in parallel; each row sums over the images).
    fileprivate func backwardDense(_ shared: SharedFloats) {
        let (batch, channels, squeeze, offsets) = (batch, channels, squeeze, offsets)
        ParallelRegion.forEach(batch) { n in
            let (parameters, ds, excitation, hidden) = (shared[0], shared[2], shared[3], shared[4])
            let (dz, dh, dp) = (shared[6] + n * channels, shared[7] + n * squeeze, shared[8] + n * channels)
            for c in 0..<channels {
                let z = excitation[n * channels + c]
                dz[c] = z > -3 && z < 3 ? ds[n * channels + c] / 6 : 0
            }
            for c in 0..<channels where dz[c] != 0 {
                Self.addScaled(dz[c], parameters + offsets.expandWeights + c * squeeze, into: dh, squeeze)
            }
            for j in 0..<squeeze where hidden[n * squeeze + j] <= 0 { dh[j] = 0 }
            for j in 0..<squeeze where dh[j] != 0 {
                Self.addScaled(dh[j], parameters + offsets.reduceWeights + j * channels, into: dp, channels)
            }
        }
        ParallelRegion.forEach(channels + squeeze) { row in
            let (grads, pooled, dz, dh, active) = (shared[1], shared[5], shared[6], shared[7], shared[9])
            if row < channels {
                Self.accumulateRow(
                    row, of: dz, outputs: channels, inputs: active, width: squeeze, batch: batch,
                    weights: grads + offsets.expandWeights, bias: grads + offsets.expandBias)
            } else {
                Self.accumulateRow(
                    row - channels, of: dh, outputs: squeeze, inputs: pooled, width: channels, batch: batch,
                    weights: grads + offsets.reduceWeights, bias: grads + offsets.reduceBias)
            }
        }
    }

    /// Σ a[i]·b[i], 16 lanes at a time.
    @inline(__always)
    static func dot(_ a: UnsafeMutablePointer<Float>, _ b: UnsafeMutablePointer<Float>, _ count: Int) -> Float {
        var sum = SIMD16<Float>.zero
        var index = 0
        while index + 16 <= count {
            sum += load16(a, index) * load16(b, index)
            index += 16
        }
        var tail: Float = 0
        while index < count {
            tail += a[index] * b[index]
            index += 1
        }
        return sum.sum() + tail
    }

    /// y[i] += alpha·x[i].
    @inline(__always)
    /// One output row of a 1x1 layer's gradients over the batch: weights[row, :] += Σₙ g[n, row] · inputs[n, :]
    /// and bias[row] += Σₙ g[n, row], for g (N, outputs) and inputs (N, width).
    static func accumulateRow(
        _ row: Int, of g: UnsafeMutablePointer<Float>, outputs: Int, inputs: UnsafeMutablePointer<Float>, width: Int,
        batch: Int, weights: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>
    ) {
        var sum: Float = 0
        for n in 0..<batch where g[n * outputs + row] != 0 {
            let value = g[n * outputs + row]
            sum += value
            addScaled(value, inputs + n * width, into: weights + row * width, width)
        }
        bias[row] += sum
    }

    static func addScaled(
        _ alpha: Float, _ x: UnsafeMutablePointer<Float>, into y: UnsafeMutablePointer<Float>, _ count: Int
    ) {
        for index in 0..<count { y[index] += alpha * x[index] }
    }

    /// 16 floats at `offset`.
    @inline(__always)
    static func load16(_ pointer: UnsafeMutablePointer<Float>, _ offset: Int) -> SIMD16<Float> {
        UnsafeRawPointer(pointer + offset).loadUnaligned(as: SIMD16<Float>.self)
    }

    /// Σ of `term(position)` over positions, 16 lanes at a time.
    @inline(__always)
    static func sum16(_ count: Int, _ term: (Int) -> SIMD16<Float>) -> SIMD16<Float> {
        var sum = SIMD16<Float>.zero
        for position in 0..<count { sum += term(position) }
        return sum
    }
}

/// The base addresses of float buffers handed to the team's threads, which write disjoint images of them (the
/// parallel region's body is not escaping and need not be `Sendable`, so plain pointers do).
private struct SharedFloats {
    private let pointers: [UnsafeMutablePointer<Float>]

    /// - Parameter buffers: Non-empty buffers (every layer's buffers hold at least one image).
    init(_ buffers: UnsafeMutableBufferPointer<Float>...) {
        pointers = buffers.compactMap(\.baseAddress)
    }

    subscript(_ index: Int) -> UnsafeMutablePointer<Float> { pointers[index] }
}
