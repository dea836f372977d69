// Copyright 2026 The Distill authors.
// NaN-aware maxima for agreement checks: `Sequence.max()` keeps a NaN only when it comes first (every
// comparison with NaN is false), so `differences.max() <= tolerance` passes on outputs that are partly NaN.

extension Sequence where Element: FloatingPoint {
    /// The largest element, or NaN when any element is NaN (then every `<=` check on it fails); nil when empty.
    public func largest() -> Element? {
        var result: Element?
        for value in self {
            if value.isNaN { return .nan }
            if let current = result, value <= current { continue }
            result = value
        }
        return result
    }
}
