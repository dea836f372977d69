// Copyright 2026 The Distill authors.
// Fixed-width forms of the resampling filters, for the plane path's inner loops: every output index has
// the same number of taps over consecutive source samples (padded with zero weights), so the loops have
// no per-output tap ranges and no index table per tap.

/// A 1-D filter with `taps` weights per output index over consecutive source samples:
/// `output[i] = Σ_k weights[i · taps + k] · source[starts[i] + k]`.
struct PlaneFilter {
    /// Weights per output index.
    var taps: Int
    /// First source index per output index.
    var starts: [Int]
    /// `(outputLength, taps)` weights.
    var weights: [Float]
    /// Smallest source index read.
    var first: Int
    /// Largest source index read (inclusive).
    var last: Int

    /// Source samples read: `last - first + 1`.
    var span: Int { last - first + 1 }

    /// Repacks an `AxisFilter` over `sourceCount` samples (same weights; only the layout changes).
    init(_ filter: AxisFilter, outputLength: Int, sourceCount: Int) {
        var taps = 1
        for index in 0..<outputLength {
            let range = filter.offsets[index]..<filter.offsets[index + 1]
            guard let low = filter.sources[range].min(), let high = filter.sources[range].max() else { continue }
            taps = max(taps, high - low + 1)
        }
        taps = min(taps, max(sourceCount, 1))
        var starts = [Int](repeating: 0, count: outputLength)
        var weights = [Float](repeating: 0, count: outputLength * taps)
        for index in 0..<outputLength {
            let range = filter.offsets[index]..<filter.offsets[index + 1]
            // Shift the window left where it would run past the plane's end (the extra taps weigh 0).
            let start = max(0, min(filter.sources[range].min() ?? 0, sourceCount - taps))
            starts[index] = start
            for tap in range { weights[index * taps + filter.sources[tap] - start] += filter.weights[tap] }
        }
        self.taps = taps
        self.starts = starts
        self.weights = weights
        first = starts.min() ?? 0
        last = (starts.max() ?? 0) + taps - 1
    }
}

/// How one plane maps to the output: the vertical filter picks and weights rows, the horizontal one columns.
struct PlaneResizePlan {
    var horizontal: PlaneFilter
    var vertical: PlaneFilter
    /// `horizontal.starts` relative to `horizontal.first` (indices into a row of `horizontal.span` floats).
    var columnStarts: [Int]
    /// Whether to filter the source rows horizontally first (each once, kept for the whole image) and then
    /// combine them vertically per output row: fewer horizontal (scalar) taps when the plane is enlarged
    /// vertically, as chroma usually is. Otherwise each output row is filtered vertically first.
    var horizontalFirst: Bool

    init(horizontal: PlaneFilter, vertical: PlaneFilter, outputHeight: Int) {
        self.horizontal = horizontal
        self.vertical = vertical
        columnStarts = horizontal.starts.map { $0 - horizontal.first }
        horizontalFirst = vertical.span < outputHeight
    }

    /// Floats of scratch the plane needs for an output `width` wide.
    func scratchCount(width: Int) -> Int {
        horizontal.span + (horizontalFirst ? vertical.span * width : 0)
    }
}

/// The plans for one image geometry (luma, and chroma unless grayscale), kept while images repeat it.
struct YCbCrResizePlan {
    struct Key: Equatable {
        var width: Int
        var height: Int
        var chromaWidth: Int
        var chromaHeight: Int
        var horizontalFactor: Int
        var verticalFactor: Int
        var grayscale: Bool
        var region: CropRegion
        var outputWidth: Int
        var outputHeight: Int
    }

    var key: Key
    var luma: PlaneResizePlan
    var chroma: PlaneResizePlan?
}
