// Copyright 2026 The Distill authors.
// Resizing JPEG planes: each plane is resampled on its own grid (chroma planes see the crop divided by
// their subsampling factors), then Y, Cb, Cr are converted to RGB at the output size with the JFIF
// equations (full-range BT.601) and clamped to 0…255 before normalisation.
//
// One output row at a time: per plane either the vertical filter first (whole source rows, contiguous,
// vectorised) and then the horizontal filter on that one row, or, for a plane enlarged vertically, the
// horizontal filter once per source row up front and then the vertical one; then colour conversion and
// normalisation straight into the destination. Scratch is a few rows, reused across images; the filters are rebuilt only when the
// geometry changes.

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
            image.luma.count >= image.width * image.height,
            image.isGrayscale
                || (image.blue.count >= image.chromaWidth * image.chromaHeight
                    && image.red.count >= image.chromaWidth * image.chromaHeight && image.chromaWidth > 0
                    && image.chromaHeight > 0 && image.horizontalFactor > 0 && image.verticalFactor > 0),
            destination.count >= 3 * width * height, let output = destination.baseAddress
        else {
            throw DataError(
                .invalidArgument,
                "Cannot resize region \(region) of a \(image.width)x\(image.height) image to \(width)x\(height) "
                    + "into \(destination.count) floats.")
        }
        let plan = self.plan(image, region: region, width: width, height: height)
        let lumaScratch = plan.luma.scratchCount(width: width)
        let chromaScratch = plan.chroma?.scratchCount(width: width) ?? 0
        // Scratch: each plane's (see `resampleRow`), then one output row per plane.
        let scratchCount = lumaScratch + 2 * chromaScratch + 3 * width
        if planes.count < scratchCount { planes = [Float](repeating: 0, count: scratchCount) }
        let plane = width * height
        let scale = (
            1 / normalization.standardDeviation[0], 1 / normalization.standardDeviation[1],
            1 / normalization.standardDeviation[2]
        )
        let offset = (
            -normalization.mean[0] * scale.0, -normalization.mean[1] * scale.1, -normalization.mean[2] * scale.2
        )
        planes.withUnsafeMutableBufferPointer { scratch in
            image.luma.withUnsafeBufferPointer { lumaSamples in
                image.blue.withUnsafeBufferPointer { blueSamples in
                    image.red.withUnsafeBufferPointer { redSamples in
                        guard let scratchBase = scratch.baseAddress, let luma = lumaSamples.baseAddress else { return }
                        let lumaColumns = scratchBase
                        let blueColumns = lumaColumns + lumaScratch
                        let redColumns = blueColumns + chromaScratch
                        let lumaRow = redColumns + chromaScratch
                        let blueRow = lumaRow + width
                        let redRow = blueRow + width
                        let chroma = plan.chroma.flatMap { chroma in
                            blueSamples.baseAddress.flatMap { blue in
                                redSamples.baseAddress.map { red in (chroma, blue, red) }
                            }
                        }
                        Self.prepare(
                            luma, planeWidth: image.width, plan: plan.luma, scratch: lumaColumns, width: width)
                        if let (chromaPlan, blueSamples, redSamples) = chroma {
                            Self.prepare(
                                blueSamples, planeWidth: image.chromaWidth, plan: chromaPlan, scratch: blueColumns,
                                width: width)
                            Self.prepare(
                                redSamples, planeWidth: image.chromaWidth, plan: chromaPlan, scratch: redColumns,
                                width: width)
                        }
                        for row in 0..<height {
                            Self.resampleRow(
                                row, of: luma, planeWidth: image.width, plan: plan.luma, scratch: lumaColumns,
                                into: lumaRow, width: width)
                            let red = output + row * width
                            let green = red + plane
                            let blue = green + plane
                            guard let (chromaPlan, blueSamples, redSamples) = chroma else {
                                for index in 0..<width {
                                    let value = lumaRow[index]
                                    red[index] = value * scale.0 + offset.0
                                    green[index] = value * scale.1 + offset.1
                                    blue[index] = value * scale.2 + offset.2
                                }
                                continue
                            }
                            Self.resampleRow(
                                row, of: blueSamples, planeWidth: image.chromaWidth, plan: chromaPlan,
                                scratch: blueColumns, into: blueRow, width: width)
                            Self.resampleRow(
                                row, of: redSamples, planeWidth: image.chromaWidth, plan: chromaPlan,
                                scratch: redColumns, into: redRow, width: width)
                            for index in 0..<width {
                                let y = lumaRow[index]
                                let cb = blueRow[index] - 128
                                let cr = redRow[index] - 128
                                let r = min(max(y + 1.402 * cr, 0), 255)
                                let g = min(max(y - 0.344_136 * cb - 0.714_136 * cr, 0), 255)
                                let b = min(max(y + 1.772 * cb, 0), 255)
                                red[index] = r * scale.0 + offset.0
                                green[index] = g * scale.1 + offset.1
                                blue[index] = b * scale.2 + offset.2
                            }
                        }
                    }
                }
            }
        }
    }

    /// The filters for this geometry: the last ones when the geometry repeats, otherwise built afresh.
    private func plan(_ image: YCbCrImage, region: CropRegion, width: Int, height: Int) -> YCbCrResizePlan {
        let key = YCbCrResizePlan.Key(
            width: image.width, height: image.height, chromaWidth: image.chromaWidth,
            chromaHeight: image.chromaHeight, horizontalFactor: image.horizontalFactor,
            verticalFactor: image.verticalFactor, grayscale: image.isGrayscale, region: region, outputWidth: width,
            outputHeight: height)
        if let plan = planeResizePlan, plan.key == key { return plan }
        func planePlan(
            x: Double, y: Double, regionWidth: Double, regionHeight: Double, planeWidth: Int, planeHeight: Int
        ) -> PlaneResizePlan {
            let horizontal = AxisFilter(
                sourceStart: x, sourceLength: regionWidth, outputLength: width, sourceCount: planeWidth)
            let vertical = AxisFilter(
                sourceStart: y, sourceLength: regionHeight, outputLength: height, sourceCount: planeHeight)
            return PlaneResizePlan(
                horizontal: PlaneFilter(horizontal, outputLength: width, sourceCount: planeWidth),
                vertical: PlaneFilter(vertical, outputLength: height, sourceCount: planeHeight), outputHeight: height)
        }
        let luma = planePlan(
            x: Double(region.x), y: Double(region.y), regionWidth: Double(region.width),
            regionHeight: Double(region.height), planeWidth: image.width, planeHeight: image.height)
        var chroma: PlaneResizePlan?
        if !image.isGrayscale {
            let horizontal = Double(image.horizontalFactor)
            let vertical = Double(image.verticalFactor)
            chroma = planePlan(
                x: Double(region.x) / horizontal, y: Double(region.y) / vertical,
                regionWidth: Double(region.width) / horizontal, regionHeight: Double(region.height) / vertical,
                planeWidth: image.chromaWidth, planeHeight: image.chromaHeight)
        }
        let plan = YCbCrResizePlan(key: key, luma: luma, chroma: chroma)
        planeResizePlan = plan
        return plan
    }

    /// For a plane filtered horizontally first: filters every source row the vertical filter reads, into
    /// `scratch + plan.horizontal.span` as `(plan.vertical.span, width)` floats. Nothing otherwise.
    private static func prepare(
        _ samples: UnsafePointer<UInt8>, planeWidth: Int, plan: PlaneResizePlan, scratch: UnsafeMutablePointer<Float>,
        width: Int
    ) {
        guard plan.horizontalFirst else { return }
        let span = plan.horizontal.span
        let rows = scratch + span
        for row in 0..<plan.vertical.span {
            let source = samples + (plan.vertical.first + row) * planeWidth + plan.horizontal.first
            for index in 0..<span { scratch[index] = Float(source[index]) }
            filterHorizontally(scratch, plan: plan, into: rows + row * width, width: width)
        }
    }

    /// One output row of one plane (`width` floats into `output`). Vertical first: the vertical taps summed
    /// over the columns the horizontal filter reads (into `scratch`), then the horizontal taps. Horizontal
    /// first: the vertical taps over the rows `prepare` filtered.
    private static func resampleRow(
        _ row: Int, of samples: UnsafePointer<UInt8>, planeWidth: Int, plan: PlaneResizePlan,
        scratch: UnsafeMutablePointer<Float>, into output: UnsafeMutablePointer<Float>, width: Int
    ) {
        let span = plan.horizontal.span
        let verticalTaps = plan.vertical.taps
        let firstRow = plan.vertical.starts[row]
        let (target, count) = plan.horizontalFirst ? (output, width) : (scratch, span)
        plan.vertical.weights.withUnsafeBufferPointer { verticalWeights in
            var initialised = false
            for tap in 0..<verticalTaps {
                let weight = verticalWeights[row * verticalTaps + tap]
                if weight == 0 { continue }
                if plan.horizontalFirst {
                    let source = UnsafePointer(scratch + span + (firstRow + tap - plan.vertical.first) * width)
                    if initialised {
                        for index in 0..<count { target[index] += weight * source[index] }
                    } else {
                        for index in 0..<count { target[index] = weight * source[index] }
                    }
                } else {
                    let source = samples + (firstRow + tap) * planeWidth + plan.horizontal.first
                    if initialised {
                        for index in 0..<count { target[index] += weight * Float(source[index]) }
                    } else {
                        for index in 0..<count { target[index] = weight * Float(source[index]) }
                    }
                }
                initialised = true
            }
            if !initialised { target.update(repeating: 0, count: count) }
        }
        if !plan.horizontalFirst { filterHorizontally(scratch, plan: plan, into: output, width: width) }
    }

    /// The horizontal taps over one row of `plan.horizontal.span` floats, into `width` floats.
    private static func filterHorizontally(
        _ columns: UnsafePointer<Float>, plan: PlaneResizePlan, into output: UnsafeMutablePointer<Float>, width: Int
    ) {
        plan.horizontal.weights.withUnsafeBufferPointer { weightsBuffer in
            plan.columnStarts.withUnsafeBufferPointer { startsBuffer in
                guard let weights = weightsBuffer.baseAddress, let starts = startsBuffer.baseAddress else { return }
                switch plan.horizontal.taps {
                case 1:
                    for index in 0..<width { output[index] = weights[index] * columns[starts[index]] }
                case 2:
                    for index in 0..<width {
                        let source = columns + starts[index]
                        let weight = weights + 2 * index
                        output[index] = weight[0] * source[0] + weight[1] * source[1]
                    }
                case 3:
                    for index in 0..<width {
                        let source = columns + starts[index]
                        let weight = weights + 3 * index
                        output[index] = weight[0] * source[0] + weight[1] * source[1] + weight[2] * source[2]
                    }
                default:
                    let taps = plan.horizontal.taps
                    for index in 0..<width {
                        let source = columns + starts[index]
                        let weight = weights + taps * index
                        var sum: Float = 0
                        for tap in 0..<taps { sum += weight[tap] * source[tap] }
                        output[index] = sum
                    }
                }
            }
        }
    }
}
