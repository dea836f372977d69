// Copyright 2026 The Distill authors.
// Resizing JPEG planes: each plane is resampled on its own grid (chroma planes see the crop divided by
// their subsampling factors), then Y, Cb, Cr are converted to RGB at the output size with the JFIF
// equations (full-range BT.601) and clamped to 0…255 before normalisation.

extension ImageResizer {
    /// Resizes a region of a YCbCr image, writing channel-planar RGB floats, normalised.
    /// - Parameters:
    ///   - image: The planes.
    ///   - region: The source rectangle in luma pixels (must lie inside the image).
    ///   - width: Output width.
    ///   - height: Output height.
    ///   - destination: `(3, height, width)` floats, R, G, B planes, written completely.
    ///   - normalization: Applied to each output value (identity by default: pixel units 0…255).
    /// - Throws: `DataError.invalidArgument` for an empty or out-of-bounds region or a short destination.
    public func resize(
        _ image: YCbCrImage, region: CropRegion, width: Int, height: Int,
        into destination: UnsafeMutableBufferPointer<Float>, normalization: Normalization = .identity
    ) throws {
        guard width > 0, height > 0, region.width > 0, region.height > 0, region.x >= 0, region.y >= 0,
            region.x + region.width <= image.width, region.y + region.height <= image.height,
            destination.count >= 3 * width * height, let output = destination.baseAddress
        else {
            throw DataError(
                .invalidArgument,
                "Cannot resize region \(region) of a \(image.width)x\(image.height) image to \(width)x\(height) "
                    + "into \(destination.count) floats.")
        }
        let plane = width * height
        if planes.count < 3 * plane { planes = [Float](repeating: 0, count: 3 * plane) }
        planes.withUnsafeMutableBufferPointer { buffer in
            guard let luma = buffer.baseAddress else { return }
            let blue = luma + plane
            let red = blue + plane
            resizePlane(
                image.luma, planeWidth: image.width, planeHeight: image.height, x: Double(region.x),
                y: Double(region.y),
                regionWidth: Double(region.width), regionHeight: Double(region.height), width: width, height: height,
                into: luma)
            let scaleRed = 1 / normalization.standardDeviation[0]
            let scaleGreen = 1 / normalization.standardDeviation[1]
            let scaleBlue = 1 / normalization.standardDeviation[2]
            let (meanRed, meanGreen, meanBlue) = (normalization.mean[0], normalization.mean[1], normalization.mean[2])
            if image.isGrayscale {
                for index in 0..<plane {
                    let value = luma[index]
                    output[index] = (value - meanRed) * scaleRed
                    output[plane + index] = (value - meanGreen) * scaleGreen
                    output[2 * plane + index] = (value - meanBlue) * scaleBlue
                }
                return
            }
            let horizontal = Double(image.horizontalFactor)
            let vertical = Double(image.verticalFactor)
            for (samples, target) in [(image.blue, blue), (image.red, red)] {
                resizePlane(
                    samples, planeWidth: image.chromaWidth, planeHeight: image.chromaHeight,
                    x: Double(region.x) / horizontal, y: Double(region.y) / vertical,
                    regionWidth: Double(region.width) / horizontal, regionHeight: Double(region.height) / vertical,
                    width: width, height: height, into: target)
            }
            for index in 0..<plane {
                let y = luma[index]
                let cb = blue[index] - 128
                let cr = red[index] - 128
                let r = min(max(y + 1.402 * cr, 0), 255)
                let g = min(max(y - 0.344_136 * cb - 0.714_136 * cr, 0), 255)
                let b = min(max(y + 1.772 * cb, 0), 255)
                output[index] = (r - meanRed) * scaleRed
                output[plane + index] = (g - meanGreen) * scaleGreen
                output[2 * plane + index] = (b - meanBlue) * scaleBlue
            }
        }
    }

    /// Resamples one 8-bit plane: area averaging where it shrinks, bilinear where it grows.
    ///
    /// `output: (height, width)`.
    private func resizePlane(
        _ samples: [UInt8], planeWidth: Int, planeHeight: Int, x: Double, y: Double, regionWidth: Double,
        regionHeight: Double, width: Int, height: Int, into output: UnsafeMutablePointer<Float>
    ) {
        let horizontal = filter(
            sourceStart: x, sourceLength: regionWidth, outputLength: width, sourceCount: planeWidth)
        let vertical = filter(
            sourceStart: y, sourceLength: regionHeight, outputLength: height, sourceCount: planeHeight)
        let rowFirst = vertical.sources.min() ?? 0
        let rowCount = (vertical.sources.max() ?? 0) - rowFirst + 1
        if scratch.count < rowCount * width { scratch = [Float](repeating: 0, count: rowCount * width) }
        scratch.withUnsafeMutableBufferPointer { rowsBuffer in
            samples.withUnsafeBufferPointer { samplesBuffer in
                horizontal.withUnsafeTaps { hOffsets, hSources, hWeights in
                    vertical.withUnsafeTaps { vOffsets, vSources, vWeights in
                        guard let rows = rowsBuffer.baseAddress, let pixels = samplesBuffer.baseAddress else { return }
                        for row in 0..<rowCount {
                            let sourceRow = pixels + (rowFirst + row) * planeWidth
                            let outputRow = rows + row * width
                            for column in 0..<width {
                                var sum: Float = 0
                                for tap in hOffsets[column]..<hOffsets[column + 1] {
                                    sum += hWeights[tap] * Float(sourceRow[hSources[tap]])
                                }
                                outputRow[column] = sum
                            }
                        }
                        for row in 0..<height {
                            let target = output + row * width
                            for index in 0..<width { target[index] = 0 }
                            for tap in vOffsets[row]..<vOffsets[row + 1] {
                                let weight = vWeights[tap]
                                let source = rows + (vSources[tap] - rowFirst) * width
                                for index in 0..<width { target[index] += weight * source[index] }
                            }
                        }
                    }
                }
            }
        }
    }
}
