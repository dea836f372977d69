// Copyright 2026 The Distill authors.
//
// A training checkpoint: everything needed to continue a run exactly — named Float tensors
// (weights, batch-norm running statistics, optimizer state), the step/epoch/data-order position,
// the random generator's state, a JSON configuration blob and named Double scalars. The binary
// format is in Checkpoint+Format.swift.

import Foundation

/// A training checkpoint held in memory, with a versioned, checksummed, atomically written file format.
///
/// File format (version 1, all integers little-endian):
/// ```
/// header (32 bytes): magic "DSTLCKPT" | UInt32 version = 1 | UInt32 flags = 0
///                    | UInt64 payload length | UInt32 CRC-32 of the payload | UInt32 reserved = 0
/// payload:           Int64 step | Int64 epoch | Int64 data position
///                    | UInt8 has-random-state | 4 × UInt64 random state
///                    | UInt32 length + UTF-8 configuration JSON
///                    | UInt32 scalar count, each: UInt16 name length + UTF-8 name | Float64 value
///                    | UInt32 tensor count, each: UInt16 name length + UTF-8 name | UInt8 rank
///                      | rank × UInt64 dimensions | UInt64 element count | element count × Float32
/// ```
/// Scalars and tensors are written sorted by name, so equal checkpoints give identical files.
public struct Checkpoint: Sendable, Equatable {
    /// A named tensor's shape and values (row-major).
    public struct Tensor: Sendable, Equatable {
        /// The dimensions, outermost first; their product is `values.count`.
        public var shape: [Int]
        /// The values, row-major.
        public var values: [Float]

        /// Creates a tensor.
        /// - Parameters:
        ///   - shape: The dimensions, outermost first.
        ///   - values: The values, row-major; `values.count` must equal the product of `shape`
        ///     (checked when the checkpoint is encoded).
        public init(shape: [Int], values: [Float]) {
            self.shape = shape
            self.values = values
        }

        /// Creates a one-dimensional tensor.
        /// - Parameter values: The values.
        public init(_ values: [Float]) {
            self.init(shape: [values.count], values: values)
        }
    }

    /// The number of optimizer steps taken.
    public var step: Int
    /// The current epoch (0-based).
    public var epoch: Int
    /// How many examples of the current epoch's data order have been consumed.
    public var dataPosition: Int
    /// The saved ``SeededGenerator/state``, if the run uses one.
    public var randomState: SIMD4<UInt64>?
    /// The run's configuration as JSON (opaque to the engine).
    public var configuration: String
    /// Named scalars, such as the last loss or the best metric.
    public var scalars: [String: Double]
    /// Named tensors: weights, batch-norm running statistics, optimizer state.
    public var tensors: [String: Tensor]

    /// Creates a checkpoint.
    /// - Parameters:
    ///   - step: The number of optimizer steps taken.
    ///   - epoch: The current epoch.
    ///   - dataPosition: Examples of this epoch already consumed.
    ///   - randomState: The random generator's saved state.
    ///   - configuration: The run's configuration as JSON.
    ///   - scalars: Named scalars.
    ///   - tensors: Named tensors.
    public init(
        step: Int = 0, epoch: Int = 0, dataPosition: Int = 0, randomState: SIMD4<UInt64>? = nil,
        configuration: String = "{}", scalars: [String: Double] = [:], tensors: [String: Tensor] = [:]
    ) {
        self.step = step
        self.epoch = epoch
        self.dataPosition = dataPosition
        self.randomState = randomState
        self.configuration = configuration
        self.scalars = scalars
        self.tensors = tensors
    }

    /// The magic bytes that open every checkpoint file.
    public static let magic: [UInt8] = Array("DSTLCKPT".utf8)
    /// The format version this build writes and reads.
    public static let formatVersion: UInt32 = 1
    /// The size of the fixed header in bytes.
    public static let headerSize = 32

    // MARK: - Files

    /// Writes the checkpoint to `url` atomically.
    ///
    /// The bytes go to a temporary file in the same directory, which is fsynced and renamed over
    /// the destination, and the directory is fsynced. A crash leaves the previous file intact.
    ///
    /// - Parameter url: The destination file.
    /// - Throws: ``EngineError`` with code `invalidArgument` for an unencodable checkpoint (a tensor
    ///   whose shape does not match its values, a name longer than 65 535 bytes) or `io` when the
    ///   file cannot be written.
    public func write(to url: URL) throws {
        try AtomicFile.write(encoded(), to: url.path, what: "checkpoint")
    }

    /// Reads and validates a checkpoint file.
    ///
    /// - Parameter url: The file to read.
    /// - Returns: The checkpoint.
    /// - Throws: ``EngineError``: `io` when the file cannot be read, `corruptData` for a bad magic,
    ///   a truncated or oversized file or a checksum mismatch, `unsupportedVersion` for another
    ///   format version. Messages name the file and say how to recover.
    public static func read(from url: URL) throws -> Checkpoint {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw EngineError(
                .io,
                "checkpoint \(url.path) cannot be read (\(error.localizedDescription)); check the path and its permissions"
            )
        }
        return try Checkpoint(decoding: [UInt8](data), source: url.path)
    }

    /// Deletes temporary files that interrupted writes of the checkpoint at `url` left behind.
    ///
    /// A crash between creating the temporary file and renaming it leaves `.<name>.tmp-*` next to
    /// the checkpoint; the checkpoint itself is intact. Call this when resuming a run, while no
    /// other process writes the same checkpoint.
    ///
    /// - Parameter url: The checkpoint file (it need not exist).
    /// - Returns: The number of files removed.
    /// - Throws: ``EngineError`` (`io`) when the directory cannot be listed or a file cannot be removed.
    @discardableResult
    public static func removeLeftoverTemporaryFiles(near url: URL) throws -> Int {
        let directory = url.deletingLastPathComponent()
        let prefix = "." + url.lastPathComponent + ".tmp-"
        let manager = FileManager.default
        let entries: [String]
        do {
            entries = try manager.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw EngineError(
                .io,
                "cannot list \(directory.path) (\(error.localizedDescription)); check that it exists and is readable")
        }
        var removed = 0
        for entry in entries where entry.hasPrefix(prefix) {
            let path = directory.appendingPathComponent(entry).path
            do {
                try manager.removeItem(atPath: path)
                removed += 1
            } catch {
                throw EngineError(
                    .io,
                    "cannot remove the leftover temporary file \(path) (\(error.localizedDescription)); delete it by hand"
                )
            }
        }
        return removed
    }
}
