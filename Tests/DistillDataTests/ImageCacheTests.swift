// Copyright 2026 The Distill authors.

import DistillData
import DistillTestSupport
import Foundation
import Testing

@Suite("SHA-256 and the content-addressed cache")
struct ImageCacheTests {
    @Test(
        "SHA-256 matches the FIPS 180-2 test vectors",
        arguments: [
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (
                "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
            ),
        ])
    func vectors(input: String, digest: String) throws {
        #expect(try SHA256.hex(Array(input.utf8)) == digest)
    }

    @Test("a million 'a's hash to the long FIPS vector")
    func millionA() throws {
        #expect(
            try SHA256.hex([UInt8](repeating: 97, count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("stored bytes land at cache/ab/abcdef… and read back verified")
    func storeAndLoad() throws {
        let root = try TemporaryDirectory()
        let cache = try ImageCache(dataDirectory: root.path)
        let bytes = Array("hello image".utf8)
        let digest = try cache.store(bytes)
        #expect(digest == (try SHA256.hex(bytes)))
        let path = try cache.path(forDigest: digest)
        #expect(path == root.path + "/cache/" + digest.prefix(2) + "/" + digest)
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(cache.contains(digest: digest, byteCount: bytes.count))
        #expect(!cache.contains(digest: digest, byteCount: bytes.count + 1))
        #expect(try cache.load(digest: digest) == bytes)
        #expect(cache.digests() == [digest])
        // Storing again is a no-op, and no temporary file is left behind.
        #expect(try cache.store(bytes) == digest)
        let names = try FileManager.default.contentsOfDirectory(atPath: cache.directory)
        #expect(names.filter { $0.hasPrefix(".tmp-") }.isEmpty)
    }

    @Test("a cached file whose bytes changed is detected on load")
    func tamperedFile() throws {
        let root = try TemporaryDirectory()
        let cache = try ImageCache(dataDirectory: root.path)
        let digest = try cache.store(Array("original".utf8))
        try Data("tampered".utf8).write(to: URL(fileURLWithPath: try cache.path(forDigest: digest)))
        let error = #expect(throws: DataError.self) { _ = try cache.load(digest: digest) }
        #expect(error?.code == .corruptImage)
    }

    @Test("paths are built only from digests")
    func pathsFromDigestsOnly() throws {
        let root = try TemporaryDirectory()
        let cache = try ImageCache(dataDirectory: root.path)
        for bad in ["../../etc/passwd", "ABCDEF", String(repeating: "g", count: 64), ""] {
            #expect(throws: DataError.self) { _ = try cache.path(forDigest: bad) }
            #expect(!cache.contains(digest: bad))
        }
    }

    @Test("temporary files of dead writers are removed, those of live writers kept")
    func staleTemporaryFiles() throws {
        let root = try TemporaryDirectory()
        let cache = try ImageCache(dataDirectory: root.path)
        // PID 2^22+1 exceeds Linux's pid_max default and so belongs to no process.
        let dead = cache.directory + "/.tmp-4194305-1"
        let live = cache.directory + "/.tmp-1-2"  // init is always alive
        #expect(FileManager.default.createFile(atPath: dead, contents: Data([1, 2])))
        #expect(FileManager.default.createFile(atPath: live, contents: Data([3])))
        #expect(cache.removeStaleTemporaryFiles() == 1)
        #expect(!FileManager.default.fileExists(atPath: dead))
        #expect(FileManager.default.fileExists(atPath: live))
    }
}
