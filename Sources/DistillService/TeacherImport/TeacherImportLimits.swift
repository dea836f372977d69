// Copyright 2026 The Distill authors.

/// The caps `distill teacher import` enforces before it reserves memory for anything a file declares.
public enum TeacherImportLimits {
    /// The longest vector a teacher may have.
    public static let maxDimension = 65_536
    /// The longest CSV or JSONL line, in bytes (65,536 long float64 values fit with room to spare).
    public static let maxLineBytes = 8 << 20
    /// The largest teacher file, in bytes.
    public static let maxFileBytes: Int64 = 64 << 30
    /// The largest `.npy` header, in bytes (NumPy writes a few hundred).
    public static let maxNumpyHeaderBytes = 1 << 16

    static func tooManyValues(file: String, place: String, count: String) -> ServiceError {
        ServiceError.invalid(
            "\(file) \(place) has \(count) values; a teacher vector holds at most 65,536 values — check the "
                + "delimiter and the exporter, or split the outputs into several teachers.")
    }

    static func lineTooLong(file: String, line: Int) -> ServiceError {
        ServiceError.invalid(
            "\(file) line \(line) is longer than 8 MiB without a line break; each row must be one line of at most "
                + "8 MiB — check that the file is a \(file.hasSuffix(".csv") ? "CSV" : "teacher") file with one row per line."
        )
    }

    static func fileTooLarge(file: String, bytes: Int64) -> ServiceError {
        ServiceError.invalid(
            "\(file) is \(bytes) bytes; teacher files may be at most 64 GiB (\(maxFileBytes) bytes) — split the "
                + "outputs into several teachers or export them as float32 .npy (4 bytes a value).")
    }
}
