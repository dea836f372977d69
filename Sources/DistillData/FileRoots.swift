// Copyright 2026 The Distill authors.
// Reading file:// URLs beneath the allowed root directories. Each root is opened once as a directory
// descriptor; a file is opened relative to it with openat2(RESOLVE_BENEATH), so neither `..` nor a symbolic
// link (absolute, or relative and climbing out) can leave the root, and no path is checked first and opened
// later (no check-then-use race). Only regular files are read: a FIFO, socket or device under a root is
// refused without blocking. Kernels without openat2 get a walk one component at a time with O_NOFOLLOW,
// which refuses every symbolic link and `..`.

import CLinux

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The allowed file roots, held open as directory descriptors.
final class FileRoots {
    /// One allowed root.
    struct Root {
        /// The root as given, made absolute and lexically normalised.
        var path: String
        /// The root with symbolic links resolved (`realpath`).
        var resolved: String
        /// An `O_PATH | O_DIRECTORY` descriptor of the root.
        var descriptor: Int32
    }

    let roots: [Root]

    /// Opens each root.
    /// - Parameter paths: Absolute directory paths.
    /// - Throws: `DataError.invalidArgument` naming a root that does not exist or is not a directory.
    init(_ paths: [String]) throws {
        var opened: [Root] = []
        do {
            for path in paths {
                guard let resolved = Self.realPath(path) else {
                    throw DataError(
                        .invalidArgument, "The allowed file root '\(path)' does not exist; create it or fix the path.")
                }
                let descriptor = open(resolved, DISTILL_O_PATH | O_DIRECTORY | O_CLOEXEC)
                guard descriptor >= 0 else {
                    throw DataError(
                        .invalidArgument,
                        "The allowed file root '\(path)' is not a directory that can be opened "
                            + "(\(String(cString: strerror(errno)))); name a directory.")
                }
                opened.append(Root(path: Self.normalized(path), resolved: resolved, descriptor: descriptor))
            }
        } catch {
            for root in opened { close(root.descriptor) }
            throw error
        }
        roots = opened
    }

    deinit {
        for root in roots { close(root.descriptor) }
    }

    /// The root an absolute path lies under (lexically; the longest match wins) and the path relative to it.
    /// - Parameter path: An absolute, percent-decoded path.
    /// - Returns: The root's index and the relative path, or nil when the path is under no root.
    func locate(_ path: String) -> (root: Int, relative: String)? {
        let normalized = Self.normalized(path)
        var best: (root: Int, relative: String, length: Int)?
        for (index, root) in roots.enumerated() {
            for base in [root.path, root.resolved] {
                let prefix = base == "/" ? "/" : base + "/"
                guard normalized.hasPrefix(prefix), base.count > (best?.length ?? -1) else { continue }
                best = (index, String(normalized.dropFirst(prefix.count)), base.count)
            }
        }
        return best.map { ($0.root, $0.relative) }
    }

    /// Reads a regular file beneath a root, at most `limit` bytes.
    /// - Parameters:
    ///   - relative: The path relative to the root (from `locate`).
    ///   - root: The root's index.
    ///   - url: The URL, for messages.
    ///   - limit: The largest size accepted.
    /// - Returns: The bytes, or the failure (`fileNotFound`, `fileOutsideRoots`, `notARegularFile`, `tooLarge`).
    func read(_ relative: String, root: Int, url: String, limit: Int) -> Result<[UInt8], FetchFailure> {
        let base = roots[root]
        func failure(_ error: Int32) -> Result<[UInt8], FetchFailure> {
            switch error {
            case ENOENT, ENOTDIR:
                let path = base.path == "/" ? "/" + relative : base.path + "/" + relative
                return .failure(FetchFailure(.fileNotFound, "\(url): no such file \(path)."))
            case EXDEV, ELOOP:
                return .failure(
                    FetchFailure(
                        .fileOutsideRoots,
                        "\(url) leaves the allowed root \(base.path) (through `..` or a symbolic link); only files "
                            + "beneath --allow-file-root are read."))
            default:
                return .failure(
                    FetchFailure(.fileNotFound, "\(url): cannot open it: \(String(cString: strerror(error)))."))
            }
        }
        guard !relative.isEmpty else { return notRegular(url) }
        // First without opening the file itself (O_PATH), so a FIFO or device is never opened for reading.
        let probe = openBeneath(relative, in: base.descriptor, flags: DISTILL_O_PATH | O_CLOEXEC)
        guard probe >= 0 else { return failure(errno) }
        var probed = stat()
        let probeStatus = fstat(probe, &probed)
        close(probe)
        guard probeStatus == 0 else { return failure(errno) }
        guard probed.st_mode & S_IFMT == S_IFREG else { return notRegular(url) }

        let descriptor = openBeneath(relative, in: base.descriptor, flags: O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard descriptor >= 0 else { return failure(errno) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return failure(errno) }
        // The same regular file as probed: nothing was swapped in between.
        guard status.st_mode & S_IFMT == S_IFREG, status.st_ino == probed.st_ino, status.st_dev == probed.st_dev else {
            return notRegular(url)
        }
        guard Int(status.st_size) <= limit else { return tooLarge(url, limit) }
        var bytes = [UInt8](repeating: 0, count: Int(status.st_size) + 1)
        var count = 0
        while count < bytes.count {
            let got = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let start = buffer.baseAddress else { return 0 }
                return systemRead(descriptor, start + count, buffer.count - count)
            }
            if got < 0 {
                if errno == EINTR { continue }
                return failure(errno)
            }
            if got == 0 { break }
            count += got
            // The file grew while being read: read on, up to the limit.
            if count == bytes.count {
                guard count <= limit else { return tooLarge(url, limit) }
                bytes.append(contentsOf: [UInt8](repeating: 0, count: min(count, limit + 1 - count)))
            }
        }
        bytes.removeSubrange(count...)
        return .success(bytes)
    }

    // MARK: - Private

    private func notRegular(_ url: String) -> Result<[UInt8], FetchFailure> {
        .failure(
            FetchFailure(
                .notARegularFile,
                "\(url) is not a regular file (a directory, FIFO, socket or device); only regular files are read."))
    }

    private func tooLarge(_ url: String, _ limit: Int) -> Result<[UInt8], FetchFailure> {
        .failure(FetchFailure(.tooLarge, "\(url): the file is larger than the limit of \(limit) bytes."))
    }

    /// Opens `relative` beneath `directory`: openat2 with RESOLVE_BENEATH, else a walk without symbolic links.
    private func openBeneath(_ relative: String, in directory: Int32, flags: Int32) -> Int32 {
        let descriptor = distill_open_beneath(directory, relative, flags)
        guard descriptor < 0, errno == ENOSYS || errno == EPERM else { return descriptor }
        return Self.walk(relative, in: directory, flags: flags)
    }

    /// The fallback without openat2: one component at a time, refusing `..` and every symbolic link (ELOOP).
    private static func walk(_ relative: String, in directory: Int32, flags: Int32) -> Int32 {
        let components = relative.split(separator: "/").filter { $0 != "." }
        guard let last = components.last else {
            errno = ENOENT
            return -1
        }
        var current = dup(directory)
        for component in components.dropLast() {
            guard current >= 0 else { return -1 }
            guard component != ".." else {
                close(current)
                errno = EXDEV
                return -1
            }
            let next = distill_openat(current, String(component), DISTILL_O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            let saved = errno
            close(current)
            errno = saved
            current = next
        }
        guard current >= 0 else { return -1 }
        guard last != ".." else {
            close(current)
            errno = EXDEV
            return -1
        }
        let result = distill_openat(current, String(last), flags | O_NOFOLLOW)
        let saved = errno
        close(current)
        errno = saved
        return result
    }

    /// An absolute path with empty and `.` components removed (`..` is kept: the kernel refuses it).
    static func normalized(_ path: String) -> String {
        "/" + path.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
        Glibc.read(descriptor, buffer, count)
    #else
        Darwin.read(descriptor, buffer, count)
    #endif
}
