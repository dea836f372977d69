// Copyright 2026 The Distill authors.

/// The image formats Distill decodes.
///
/// The format is always detected from the leading bytes
/// (the "magic" signature), never from a URL's extension or a Content-Type header.
public enum ImageFormat: String, Sendable, Equatable, Codable, CaseIterable {
    case jpeg
    case png

    /// Detects the format from the first bytes of a file.
    /// - Parameter bytes: The whole file or at least its first 8 bytes.
    /// - Returns: The format, or `nil` when the bytes start with no supported signature.
    public static func detect<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> ImageFormat? {
        let head = Array(bytes.prefix(8))
        if head.count >= 3, head[0] == 0xFF, head[1] == 0xD8, head[2] == 0xFF { return .jpeg }
        if head == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] { return .png }
        return nil
    }

    /// A short human name for a signature Distill does not decode (GIF, WebP, HTML …), for error messages.
    /// - Parameter bytes: The leading bytes of a file.
    /// - Returns: A description such as `"GIF image"`, `"HTML or text"` or `"unknown bytes 0x00 0x01…"`.
    public static func describeUnsupported<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        let head = Array(bytes.prefix(16))
        if head.isEmpty { return "an empty body" }
        func starts(_ prefix: String) -> Bool { head.starts(with: Array(prefix.utf8)) }
        if starts("GIF8") { return "a GIF image" }
        if starts("RIFF"), head.count >= 12, Array(head[8..<12]) == Array("WEBP".utf8) { return "a WebP image" }
        if starts("BM") { return "a BMP image" }
        if starts("II*\u{0}") || starts("MM\u{0}*") { return "a TIFF image" }
        if head.count >= 12, Array(head[4..<8]) == Array("ftyp".utf8) { return "an HEIF/AVIF/MP4 file" }
        let text = head.allSatisfy { $0 == 9 || $0 == 10 || $0 == 13 || (32..<127).contains($0) }
        if text {
            let lower = String(decoding: head, as: UTF8.self).lowercased()
            if lower.contains("<!doc") || lower.contains("<html") || lower.hasPrefix("<") { return "an HTML/XML page" }
            return "text"
        }
        let hex = head.prefix(4).map { byte -> String in
            let digits = String(byte, radix: 16, uppercase: true)
            return digits.count == 1 ? "0x0" + digits : "0x" + digits
        }.joined(separator: " ")
        return "unknown bytes starting \(hex)"
    }
}
