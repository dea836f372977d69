// Copyright 2026 The Distill authors.
// Separable resampling of interleaved RGB: area averaging on an axis that shrinks, bilinear
// interpolation (pixel centres aligned, edges clamped) on an axis that grows, a copy on an axis that
// keeps its size. Both filters are separable, so a horizontal pass followed by a vertical pass equals
// the 2-D filter exactly (up to float rounding).

/// Per-output-index taps of a 1-D resampling filter.
struct AxisFilter {
    /// For output index `i`: taps `offsets[i]..<offsets[i + 1]` of `sources` / `weights`.
    var offsets: [Int]
    var sources: [Int]
    var weights: [Float]

    /// Builds the filter mapping `sourceLength` samples (starting at `sourceStart`) to `outputLength`.
    init(sourceStart: Int, sourceLength: Int, outputLength: Int) {
        self.init(
            sourceStart: Double(sourceStart), sourceLength: Double(sourceLength), outputLength: outputLength,
            sourceCount: sourceStart + sourceLength)
    }

    /// Builds the filter for a source interval with fractional ends (a crop seen on a subsampled chroma
    /// plane), reading only samples `0..<sourceCount` that the interval touches.
    init(sourceStart: Double, sourceLength: Double, outputLength: Int, sourceCount: Int) {
        offsets = [0]
        sources = []
        weights = []
        offsets.reserveCapacity(outputLength + 1)
        let scale = sourceLength / Double(outputLength)
        let first = max(0, Int(sourceStart.rounded(.down)))
        let last = max(first, min(sourceCount - 1, Int((sourceStart + sourceLength).rounded(.up)) - 1))
        for index in 0..<outputLength {
            if scale >= 1 {
                // Area averaging: output pixel covers [low, low + scale) of the source.
                let low = sourceStart + Double(index) * scale
                let high = low + scale
                var source = max(first, Int(low.rounded(.down)))
                let tapStart = sources.count
                var covered = 0.0
                while Double(source) < high, source <= last {
                    let overlap = min(high, Double(source + 1)) - max(low, Double(source))
                    if overlap > 0 {
                        sources.append(source)
                        weights.append(Float(overlap))
                        covered += overlap
                    }
                    source += 1
                }
                if sources.count == tapStart {
                    sources.append(min(max(Int(low), first), last))
                    weights.append(1)
                    covered = 1
                }
                // Normalise so the taps sum to 1 (the interval may be clipped at the plane's edge).
                for tap in tapStart..<weights.count { weights[tap] = Float(Double(weights[tap]) / covered) }
            } else {
                // Bilinear: pixel centres aligned, clamped to the interval's samples.
                let position = min(
                    max(sourceStart + (Double(index) + 0.5) * scale - 0.5, Double(first)), Double(last))
                let left = Int(position.rounded(.down))
                let right = min(left + 1, last)
                let fraction = position - Double(left)
                sources.append(left)
                weights.append(Float(1 - fraction))
                if right != left, fraction > 0 {
                    sources.append(right)
                    weights.append(Float(fraction))
                }
            }
            offsets.append(sources.count)
        }
    }
}

extension AxisFilter {
    /// Calls `body` with the taps as raw buffers (offsets, sources, weights); not at all for an empty filter.
    func withUnsafeTaps(_ body: (UnsafePointer<Int>, UnsafePointer<Int>, UnsafePointer<Float>) -> Void) {
        offsets.withUnsafeBufferPointer { offsets in
            sources.withUnsafeBufferPointer { sources in
                weights.withUnsafeBufferPointer { weights in
                    guard let offsets = offsets.baseAddress, let sources = sources.baseAddress,
                        let weights = weights.baseAddress
                    else { return }
                    body(offsets, sources, weights)
                }
            }
        }
    }
}

/// Resizes RGB images to a fixed output size.
///
/// Reuses its scratch buffers: use one resizer per thread.
public final class ImageResizer {
    var scratch: [Float] = []
    var accumulator: [Float] = []
    var planes: [Float] = []
    var planeResizePlan: YCbCrResizePlan?
    private var filters: [FilterKey: AxisFilter] = [:]

    private struct FilterKey: Hashable {
        var start: Double
        var length: Double
        var output: Int
        var count: Int
    }

    /// The filter for these parameters, built once and reused (a data set usually has few image sizes).
    func filter(sourceStart: Double, sourceLength: Double, outputLength: Int, sourceCount: Int) -> AxisFilter {
        let key = FilterKey(start: sourceStart, length: sourceLength, output: outputLength, count: sourceCount)
        if let filter = filters[key] { return filter }
        let filter = AxisFilter(
            sourceStart: sourceStart, sourceLength: sourceLength, outputLength: outputLength, sourceCount: sourceCount)
        if filters.count >= 256 { filters.removeAll(keepingCapacity: true) }
        filters[key] = filter
        return filter
    }

    /// Creates a resizer.
    public init() {}

    /// Resizes a region of an image, writing channel-planar floats, normalised.
    /// - Parameters:
    ///   - image: The source, `(H, W, 3)` bytes.
    ///   - region: The source rectangle (must lie inside the image).
    ///   - width: Output width.
    ///   - height: Output height.
    ///   - destination: `(3, height, width)` floats, written completely.
    ///   - normalization: Applied to each output value (identity by default: pixel units 0…255).
    /// - Throws: `DataError.invalidArgument` for an empty or out-of-bounds region or a short destination.
    public func resize(
        _ image: RGBImage, region: CropRegion, width: Int, height: Int,
        into destination: UnsafeMutableBufferPointer<Float>, normalization: Normalization = .identity
    ) throws {
        guard width > 0, height > 0, region.width > 0, region.height > 0, region.x >= 0, region.y >= 0,
            region.x + region.width <= image.width, region.y + region.height <= image.height,
            destination.count >= 3 * width * height
        else {
            throw DataError(
                .invalidArgument,
                "Cannot resize region \(region) of a \(image.width)x\(image.height) image to \(width)x\(height) "
                    + "into \(destination.count) floats.")
        }
        let horizontal = filter(
            sourceStart: Double(region.x), sourceLength: Double(region.width), outputLength: width,
            sourceCount: region.x + region.width)
        let vertical = filter(
            sourceStart: Double(region.y), sourceLength: Double(region.height), outputLength: height,
            sourceCount: region.y + region.height)
        // Horizontal pass over the rows the vertical filter needs: scratch is (region.height, width, 3).
        let scratchCount = region.height * width * 3
        if scratch.count < scratchCount { scratch = [Float](repeating: 0, count: scratchCount) }
        let sourceWidth = image.width
        let (scaleRed, scaleGreen, scaleBlue) = (
            1 / normalization.standardDeviation[0], 1 / normalization.standardDeviation[1],
            1 / normalization.standardDeviation[2]
        )
        let (meanRed, meanGreen, meanBlue) = (
            normalization.mean[0], normalization.mean[1], normalization.mean[2]
        )
        let rowLength = width * 3
        if accumulator.count < rowLength { accumulator = [Float](repeating: 0, count: rowLength) }
        scratch.withUnsafeMutableBufferPointer { rowsBuffer in
            accumulator.withUnsafeMutableBufferPointer { accumulatorBuffer in
                image.pixels.withUnsafeBufferPointer { pixelsBuffer in
                    horizontal.withUnsafeTaps { hOffsets, hSources, hWeights in
                        vertical.withUnsafeTaps { vOffsets, vSources, vWeights in
                            guard let rows = rowsBuffer.baseAddress, let pixels = pixelsBuffer.baseAddress,
                                let sum = accumulatorBuffer.baseAddress, let output = destination.baseAddress
                            else { return }
                            // Horizontal pass: (region.height, width, 3) interleaved floats.
                            for row in 0..<region.height {
                                let sourceRow = pixels + (region.y + row) * sourceWidth * 3
                                let outputRow = rows + row * rowLength
                                for column in 0..<width {
                                    var red: Float = 0
                                    var green: Float = 0
                                    var blue: Float = 0
                                    for tap in hOffsets[column]..<hOffsets[column + 1] {
                                        let weight = hWeights[tap]
                                        let source = sourceRow + hSources[tap] * 3
                                        red += weight * Float(source[0])
                                        green += weight * Float(source[1])
                                        blue += weight * Float(source[2])
                                    }
                                    outputRow[column * 3] = red
                                    outputRow[column * 3 + 1] = green
                                    outputRow[column * 3 + 2] = blue
                                }
                            }
                            // Vertical pass: whole rows at a time (contiguous, vectorisable), then normalise
                            // and de-interleave into the planar destination.
                            let plane = width * height
                            for row in 0..<height {
                                for index in 0..<rowLength { sum[index] = 0 }
                                for tap in vOffsets[row]..<vOffsets[row + 1] {
                                    let weight = vWeights[tap]
                                    let source = rows + (vSources[tap] - region.y) * rowLength
                                    for index in 0..<rowLength { sum[index] += weight * source[index] }
                                }
                                let red = output + row * width
                                let green = red + plane
                                let blue = green + plane
                                for column in 0..<width {
                                    red[column] = (sum[column * 3] - meanRed) * scaleRed
                                    green[column] = (sum[column * 3 + 1] - meanGreen) * scaleGreen
                                    blue[column] = (sum[column * 3 + 2] - meanBlue) * scaleBlue
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
