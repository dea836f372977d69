// Copyright 2026 The Distill authors.
// The IDX format of (Fashion-)MNIST: big-endian magic 0x0000_08_NN (unsigned bytes, NN dimensions), NN
// big-endian UInt32 sizes, then the bytes row-major.

/// A parsed IDX file of unsigned bytes.
public struct IDXFile: Sendable, Equatable {
    /// Sizes of each dimension.
    ///
    /// For example `[60000, 28, 28]` for images and `[60000]` for labels.
    public var dimensions: [Int]
    /// The data, row-major.
    public var bytes: [UInt8]

    /// Parses an IDX file of unsigned bytes.
    /// - Parameters:
    ///   - data: The decompressed file.
    ///   - name: The file name for error messages.
    /// - Throws: `DataError.corruptImage` naming the file when the header or length is wrong.
    public init(_ data: [UInt8], name: String) throws {
        func bad(_ reason: String) -> DataError {
            DataError(.corruptImage, "\(name) is not a valid IDX file: \(reason); reinstall dataset-fashion-mnist.")
        }
        guard data.count >= 4, data[0] == 0, data[1] == 0 else { throw bad("it has no IDX magic number") }
        guard data[2] == 0x08 else {
            throw bad("its element type 0x\(String(data[2], radix: 16)) is not unsigned bytes")
        }
        let rank = Int(data[3])
        guard (1...4).contains(rank), data.count >= 4 + 4 * rank else { throw bad("its header is cut short") }
        var dimensions: [Int] = []
        for index in 0..<rank {
            let offset = 4 + 4 * index
            dimensions.append(
                Int(data[offset]) << 24 | Int(data[offset + 1]) << 16 | Int(data[offset + 2]) << 8
                    | Int(data[offset + 3]))
        }
        let count = dimensions.reduce(1, *)
        guard data.count == 4 + 4 * rank + count else {
            throw bad("its header declares \(dimensions) = \(count) bytes but \(data.count - 4 - 4 * rank) follow")
        }
        self.dimensions = dimensions
        bytes = Array(data[(4 + 4 * rank)...])
    }

    /// Encodes dimensions and bytes as an IDX file (used by tests).
    /// - Parameters:
    ///   - dimensions: Sizes of each dimension.
    ///   - bytes: Row-major data, `dimensions.reduce(1, *)` bytes.
    /// - Returns: The file contents.
    public static func encode(dimensions: [Int], bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
        for dimension in dimensions {
            output += [
                UInt8(dimension >> 24 & 0xFF), UInt8(dimension >> 16 & 0xFF), UInt8(dimension >> 8 & 0xFF),
                UInt8(dimension & 0xFF),
            ]
        }
        return output + bytes
    }
}
