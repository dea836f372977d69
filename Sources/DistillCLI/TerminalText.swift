// Copyright 2026 The Distill authors.
// Text from users' files (URLs, names, values quoted in error messages) on its way to a terminal: control
// characters are shown as escapes, so a stored escape sequence can never drive the terminal.

enum TerminalText {
    /// `text` with C0 control characters (except line feed and tab), DEL and C1 controls written as `\u{…}`.
    static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            if isControl(scalar) {
                result += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value < 0x20 && scalar != "\n" && scalar != "\t") || (0x7F...0x9F).contains(scalar.value)
    }
}
