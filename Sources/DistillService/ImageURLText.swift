// Copyright 2026 The Distill authors.
// The one check every image URL read from a user's file goes through (teacher files, URL lists, labels
// files), so a URL with a NUL byte, a terminal escape sequence or a stray space never reaches the database
// or a terminal. The fetcher's URLPolicy decides later which schemes and hosts may be fetched.

/// Checks the text of image URLs read from files, and shows untrusted text safely.
public enum ImageURLText {
    /// The longest URL accepted, in UTF-8 bytes.
    public static let maximumLength = 8192

    /// Refuses a URL with control characters (C0, DEL, C1), whitespace, or more than `maximumLength` bytes.
    /// - Parameters:
    ///   - url: The URL as read (already unquoted and trimmed).
    ///   - file: The file it came from, for the message.
    ///   - place: Where in the file: "line 3" or "row 3 (urls.txt line 3)".
    /// - Throws: `ServiceError.invalidArgument` naming the file, the place, the character and its position.
    public static func check(_ url: String, file: String, place: @autoclosure () -> String) throws {
        let length = url.utf8.count
        guard length <= maximumLength else {
            throw ServiceError.invalid(
                "\(file) \(place()): the URL is \(length) bytes long; URLs may be at most \(maximumLength) bytes.")
        }
        // Nearly every URL is printable ASCII without spaces, which has nothing to refuse: one pass over the bytes
        // (Unicode's whitespace property, looked up per character, took a third of a 100,000-row .npy import).
        if url.utf8.allSatisfy({ 0x21...0x7E ~= $0 }) { return }
        for (offset, scalar) in url.unicodeScalars.enumerated() where isRefused(scalar) {
            let code = String(scalar.value, radix: 16, uppercase: true)
            let padded = String(repeating: "0", count: max(0, 4 - code.count)) + code
            let what = scalar.properties.isWhitespace ? "whitespace" : "a control character"
            throw ServiceError.invalid(
                "\(file) \(place()): the URL \(escaped(url)) contains \(what) (U+\(padded)) at character \(offset + 1); "
                    + "URLs may not contain control characters, whitespace or DEL: percent-encode it or drop the line.")
        }
    }

    /// Whether a character is refused in a URL.
    static func isRefused(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.properties.isWhitespace
            || scalar.value == 0x2028 || scalar.value == 0x2029
    }

    /// Untrusted text made safe to print: control characters, DEL and C1 become `\u{…}` escapes, and the text
    /// is cut at 200 characters.
    /// - Parameter text: Text from a user's file.
    /// - Returns: Printable text.
    public static func escaped(_ text: String) -> String {
        var result = ""
        for (offset, scalar) in text.unicodeScalars.enumerated() {
            if offset == 200 {
                result += "…"
                break
            }
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028
                || scalar.value == 0x2029
            {
                result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return "'" + result + "'"
    }
}
