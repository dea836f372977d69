// Copyright 2026 The Distill authors.

/// Per-channel normalisation of pixel values: `value = (pixel − mean[c]) / standardDeviation[c]`,
/// with `pixel` in 0…255 (after resizing, so it may be fractional).
public struct Normalization: Sendable, Equatable, Codable {
    /// Red, green, blue means in pixel units.
    public var mean: [Float]
    /// Red, green, blue standard deviations in pixel units (all > 0).
    public var standardDeviation: [Float]

    /// Creates a normalisation.
    /// - Parameters:
    ///   - mean: Three means in pixel units.
    ///   - standardDeviation: Three positive standard deviations in pixel units.
    /// - Throws: `DataError.invalidArgument` unless both have three entries and every deviation is > 0.
    public init(mean: [Float], standardDeviation: [Float]) throws {
        guard mean.count == 3, standardDeviation.count == 3, standardDeviation.allSatisfy({ $0 > 0 }) else {
            throw DataError(
                .invalidArgument,
                "A normalisation needs 3 means and 3 positive standard deviations, got \(mean) and \(standardDeviation)."
            )
        }
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    private init(uncheckedMean mean: [Float], standardDeviation: [Float]) {
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    /// MobileNet's scaling to [-1, 1], the default for students.
    ///
    /// `pixel / 127.5 − 1`, as Keras' `mobilenet.preprocess_input` does.
    public static let mobileNet = Normalization(
        uncheckedMean: [127.5, 127.5, 127.5], standardDeviation: [127.5, 127.5, 127.5])

    /// The ImageNet mean/std normalisation used by torchvision models.
    public static let imageNet = Normalization(
        uncheckedMean: [123.675, 116.28, 103.53], standardDeviation: [58.395, 57.12, 57.375])

    /// No change: values stay in pixel units 0…255.
    public static let identity = Normalization(uncheckedMean: [0, 0, 0], standardDeviation: [1, 1, 1])
}
