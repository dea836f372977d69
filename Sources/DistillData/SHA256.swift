// Copyright 2026 The Distill authors.
// SHA-256 through OpenSSL's libcrypto (EVP_Digest via the CCrypto shim): the one wrapper around it.

import CCrypto

/// SHA-256 digests (OpenSSL libcrypto).
public enum SHA256 {
    /// The digest of some bytes as 64 lowercase hex digits.
    /// - Parameter bytes: The data.
    /// - Returns: The hex digest.
    /// - Throws: `DataError.library` when `EVP_Digest` fails.
    public static func hex(_ bytes: UnsafeRawBufferPointer) throws -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        let status = digest.withUnsafeMutableBufferPointer { output in
            distill_sha256(bytes.baseAddress, bytes.count, output.baseAddress)
        }
        guard status == 1 else { throw DataError(.library, "EVP_Digest(SHA-256) failed with status \(status).") }
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(64)
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 15)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The digest of a byte array as 64 lowercase hex digits.
    /// - Parameter bytes: The data.
    /// - Returns: The hex digest.
    /// - Throws: `DataError.library` when `EVP_Digest` fails.
    public static func hex(_ bytes: [UInt8]) throws -> String {
        try bytes.withUnsafeBytes { try hex($0) }
    }

    /// Whether a string is a well-formed digest (64 lowercase hex digits); cache paths are built only from these.
    /// - Parameter text: The candidate.
    /// - Returns: `true` for 64 characters of `0-9a-f`.
    public static func isDigest(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
