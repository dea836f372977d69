// Copyright 2026 The Distill authors.
// Decoded images, stored once, in `<data dir>/decoded/<preprocessing>/ab/<digest>`, so later epochs, later
// runs at the same resolution and resumed runs read them instead of decoding and resizing the image again
// (tf.data's `cache()` for this pipeline). Two kinds, both uint8: the student input an image decodes to
// without augmentation (`u<R>-…`, the (3, R, R) bytes that are normalised into the batch, so training from the
// store is bit-identical to decoding), and for augmented samples the crop mode's region resized to a larger square
// of RGB bytes (`s<S>-…`; an image whose region is smaller keeps its own pixels, so nothing is upsampled)
// that random crops and flips are cut from. Each file is a 16-byte header (magic "DDI1", payload bytes,
// CRC-32 of the payload, a tag: a source image's width and height) then the payload. Files are written to a
// temporary name and renamed (readers never see half a file); they are not fsynced: a file damaged by a
// crash or the disk fails its length or CRC check, is deleted and the image is decoded again, never
// trained on. The store stops growing at its byte bound (new images are
// then decoded every epoch, as without a store).

import CZlib
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The on-disk store of decoded, resized images (bytes) for one preprocessing.
///
/// Safe to share between threads (the counters are locked) and between processes (files appear atomically).
public final class DecodedImageStore: @unchecked Sendable {
    /// What the store did since it was opened.
    public struct Counters: Sendable, Equatable {
        /// Images read from the store.
        public var hits = 0
        /// Images written to it.
        public var writes = 0
        /// Images not written because the store was full.
        public var refused = 0
        /// Damaged files found (deleted; their images decoded again).
        public var damaged = 0
        /// Background writes dropped because too many were pending (the disk was behind); stored later.
        public var deferred = 0

        /// All zero.
        public init() {}
    }

    /// `<data dir>/decoded/<preprocessing key>`.
    public let directory: String
    /// Bytes per stored image.
    public let payloadBytes: Int
    /// The size the store may grow to, in bytes (every preprocessing under `decoded/` counts).
    public let maximumBytes: Int64
    private let root: String
    private let lock = NSLock()
    private let writer = DispatchQueue(label: "distill-decoded-store-writer")
    private var pendingBytes = 0
    /// Bytes of background writes that may wait for the disk at once.
    private static let pendingLimit = 64 << 20
    private var bytes: Int64
    private var counters = Counters()
    private static let headerBytes = 16
    private static let magic: UInt32 = 0x3149_4444  // "DDI1" little-endian

    /// Opens (creating it when missing) a store under a data directory.
    /// - Parameters:
    ///   - dataDirectory: The data directory; the store lives in its `decoded/` subdirectory.
    ///   - key: The preprocessing the files belong to (their subdirectory).
    ///   - payloadBytes: Bytes per stored image.
    ///   - maximumBytes: The bound for everything under `decoded/` (files already there count).
    /// - Throws: `DataError.io` when the directory cannot be created.
    public init(dataDirectory: String, key: String, payloadBytes: Int, maximumBytes: Int64) throws {
        root = (dataDirectory as NSString).appendingPathComponent("decoded")
        directory = root + "/" + key
        self.payloadBytes = payloadBytes
        self.maximumBytes = maximumBytes
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw DataError(
                .io, "Cannot create the decoded-image store \(directory): \(error.localizedDescription).")
        }
        bytes = Self.usage(dataDirectory: dataDirectory).bytes
    }

    /// The store of student inputs without augmentation: `(3, R, R)` bytes per image, from
    /// `ImagePreprocessor.resizedBytes(_:into:)`.
    /// - Parameters:
    ///   - dataDirectory: The data directory.
    ///   - resolution: Output height and width.
    ///   - cropMode: The crop before resizing.
    ///   - maximumBytes: The bound for everything under `decoded/`.
    /// - Throws: `DataError.io` when the directory cannot be created.
    public convenience init(dataDirectory: String, resolution: Int, cropMode: CropMode, maximumBytes: Int64) throws {
        try self.init(
            dataDirectory: dataDirectory, key: "u\(resolution)-\(cropMode.rawValue)",
            payloadBytes: 3 * resolution * resolution, maximumBytes: maximumBytes)
    }

    /// The store of source images for augmented samples: the crop mode's region as `side`×`side` RGB bytes.
    /// - Parameters:
    ///   - dataDirectory: The data directory.
    ///   - side: The stored square's side.
    ///   - cropMode: The region kept.
    ///   - maximumBytes: The bound for everything under `decoded/`.
    /// - Throws: `DataError.io` when the directory cannot be created.
    public convenience init(dataDirectory: String, sourceSide side: Int, cropMode: CropMode, maximumBytes: Int64) throws
    {
        try self.init(
            dataDirectory: dataDirectory, key: "s\(side)-\(cropMode.rawValue)", payloadBytes: 3 * side * side,
            maximumBytes: maximumBytes)
    }

    /// The side of the source images random resized crops are cut from: large enough that the smallest
    /// crop (area `cropScale`, aspect 3/4) still holds `resolution` pixels across, at most 4096.
    /// - Parameters:
    ///   - resolution: The student's input size.
    ///   - cropScale: The smallest crop's area as a fraction of the image; nil when nothing is cropped (flips
    ///     only), which keeps `resolution`.
    /// - Returns: The side.
    public static func sourceSide(resolution: Int, cropScale: Double?) -> Int {
        let smallest = cropScale.map { ($0 * 0.75).squareRoot() } ?? 1
        return min(4096, Int((Double(resolution) / smallest).rounded(.up)))
    }

    /// Files and bytes under a data directory's `decoded/` (every preprocessing), for reports.
    /// - Parameter dataDirectory: The data directory.
    /// - Returns: The counts (zero when there is no store).
    public static func usage(dataDirectory: String) -> (files: Int, bytes: Int64) {
        let root = (dataDirectory as NSString).appendingPathComponent("decoded")
        guard let walker = FileManager.default.enumerator(atPath: root) else { return (0, 0) }
        var files = 0
        var total: Int64 = 0
        while let name = walker.nextObject() as? String {
            var status = stat()
            if stat(root + "/" + name, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG {
                files += 1
                total += Int64(status.st_size)
            }
        }
        return (files, total)
    }

    /// Bytes of every file under `decoded/` when the store was opened, plus what it wrote since.
    public var byteCount: Int64 {
        lock.lock()
        defer { lock.unlock() }
        return bytes
    }

    /// What the store did since it was opened.
    public var counts: Counters {
        lock.lock()
        defer { lock.unlock() }
        return counters
    }

    /// Reads an image's stored bytes into `destination`.
    /// - Parameters:
    ///   - digest: The image's SHA-256 (its key in the image cache).
    ///   - destination: At least ``payloadBytes`` bytes.
    /// - Returns: The tag saved with the bytes when the image was there and intact; nil (destination
    ///   unspecified) otherwise.
    public func load(digest: String, into destination: UnsafeMutableRawBufferPointer) -> UInt32? {
        guard SHA256.isDigest(digest), destination.count >= payloadBytes, let base = destination.baseAddress else {
            return nil
        }
        let path = self.path(digest)
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var header = [UInt32](repeating: 0, count: Self.headerBytes / 4)
        let intact =
            header.withUnsafeMutableBytes { Self.readFully(descriptor, $0.baseAddress, Self.headerBytes) }
            && header[0] == Self.magic && Int(header[1]) == payloadBytes
            && Self.readFully(descriptor, base, payloadBytes) && Self.atEnd(descriptor)
            && Self.checksum(UnsafeRawPointer(base), payloadBytes) == header[2]
        if !intact {
            // Damaged (crash, disk): remove it; the image is decoded again.
            unlink(path)
            lock.lock()
            counters.damaged += 1
            lock.unlock()
            return nil
        }
        lock.lock()
        counters.hits += 1
        lock.unlock()
        return header[3]
    }

    /// Deletes a file that ``load(digest:into:)`` read intact but whose contents its caller found
    /// inconsistent (a source image's tag outside its square): counted as damaged instead of as a hit; the
    /// image is decoded and stored again.
    /// - Parameter digest: The image's SHA-256.
    public func discard(digest: String) {
        guard SHA256.isDigest(digest) else { return }
        unlink(path(digest))
        lock.lock()
        counters.damaged += 1
        counters.hits -= 1
        lock.unlock()
    }

    /// Whether a file for the image is present (not checked).
    public func contains(digest: String) -> Bool {
        SHA256.isDigest(digest) && access(path(digest), F_OK) == 0
    }

    /// Stores an image's bytes unless the store is full.
    /// - Parameters:
    ///   - digest: The image's SHA-256.
    ///   - bytes: At least ``payloadBytes`` bytes.
    ///   - tag: A value ``load(digest:into:)`` returns with the bytes.
    /// - Returns: `true` when written.
    @discardableResult
    public func save(digest: String, bytes payload: UnsafeRawBufferPointer, tag: UInt32 = 0) -> Bool {
        guard SHA256.isDigest(digest), payload.count >= payloadBytes, let base = payload.baseAddress else {
            return false
        }
        let fileBytes = Int64(Self.headerBytes + payloadBytes)
        lock.lock()
        guard bytes + fileBytes <= maximumBytes else {
            counters.refused += 1
            lock.unlock()
            return false
        }
        bytes += fileBytes  // reserved now, so concurrent writers cannot overshoot the bound together
        lock.unlock()
        let finalPath = path(digest)
        let shard = (finalPath as NSString).deletingLastPathComponent
        let header: [UInt32] = [Self.magic, UInt32(payloadBytes), Self.checksum(base, payloadBytes), tag]
        let temporary = directory + "/.tmp-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        var written = false
        if mkdir(shard, 0o755) == 0 || errno == EEXIST {
            let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if descriptor >= 0 {
                let complete =
                    header.withUnsafeBytes { Self.writeFully(descriptor, $0.baseAddress, Self.headerBytes) }
                    && Self.writeFully(descriptor, base, payloadBytes)
                written = close(descriptor) == 0 && complete && rename(temporary, finalPath) == 0
                if !written { unlink(temporary) }
            }
        }
        lock.lock()
        if written {
            counters.writes += 1
        } else {
            bytes -= fileBytes
        }
        lock.unlock()
        return written
    }

    /// Stores an image's bytes on the store's writer thread, so the caller (a decoding thread) does not wait
    /// for the disk; dropped (and counted as deferred) when 64 MiB of writes are already waiting.
    /// - Parameters:
    ///   - digest: The image's SHA-256.
    ///   - payload: At least ``payloadBytes`` bytes (copied).
    ///   - tag: A value ``load(digest:into:)`` returns with the bytes.
    public func saveInBackground(digest: String, bytes payload: UnsafeRawBufferPointer, tag: UInt32 = 0) {
        guard payload.count >= payloadBytes else { return }
        lock.lock()
        guard pendingBytes + payloadBytes <= Self.pendingLimit else {
            counters.deferred += 1
            lock.unlock()
            return
        }
        pendingBytes += payloadBytes
        lock.unlock()
        let copy = Data(payload.prefix(payloadBytes))
        writer.async { [self] in
            // Another thread may have queued the same image (a sample loaded twice before its write landed).
            if !contains(digest: digest) { copy.withUnsafeBytes { _ = save(digest: digest, bytes: $0, tag: tag) } }
            lock.lock()
            pendingBytes -= payloadBytes
            lock.unlock()
        }
    }

    /// Waits until the background writes started so far are on disk (in the page cache) and counted.
    public func flush() {
        writer.sync {}
    }

    // MARK: - Private

    private func path(_ digest: String) -> String {
        directory + "/" + digest.prefix(2) + "/" + digest
    }

    private static func checksum(_ pointer: UnsafeRawPointer, _ count: Int) -> UInt32 {
        var crc: uLong = 0
        var offset = 0
        while offset < count {
            let chunk = min(count - offset, Int(Int32.max))
            crc = crc32(crc, pointer.assumingMemoryBound(to: UInt8.self) + offset, uInt(chunk))
            offset += chunk
        }
        return UInt32(truncatingIfNeeded: crc)
    }

    /// Reads exactly `count` bytes.
    private static func readFully(_ descriptor: Int32, _ pointer: UnsafeMutableRawPointer?, _ count: Int) -> Bool {
        guard let pointer else { return count == 0 }
        return repeatUntilDone(count) { done in read(descriptor, pointer + done, count - done) }
    }

    /// Calls `transfer` (a read or write of the bytes from offset `done` on) until `count` bytes have moved,
    /// retrying on EINTR; false on an error or end of file.
    private static func repeatUntilDone(_ count: Int, _ transfer: (_ done: Int) -> Int) -> Bool {
        var done = 0
        while done < count {
            let result = transfer(done)
            if result < 0, errno == EINTR { continue }
            guard result > 0 else { return false }
            done += result
        }
        return true
    }

    /// Whether the file has no more bytes (a longer file is not one of ours).
    private static func atEnd(_ descriptor: Int32) -> Bool {
        var extra: UInt8 = 0
        return read(descriptor, &extra, 1) == 0
    }

    /// Writes exactly `count` bytes.
    private static func writeFully(_ descriptor: Int32, _ pointer: UnsafeRawPointer?, _ count: Int) -> Bool {
        guard let pointer else { return count == 0 }
        return repeatUntilDone(count) { done in write(descriptor, pointer + done, count - done) }
    }
}
