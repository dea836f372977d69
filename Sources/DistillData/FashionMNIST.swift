// Copyright 2026 The Distill authors.
// Debian's dataset-fashion-mnist IDX files → one grayscale PNG per image, labels.csv and urls.txt.

import Foundation

/// The Fashion-MNIST data set (Zalando, MIT licence) as Debian ships it.
public enum FashionMNIST {
    /// Where Debian's `dataset-fashion-mnist` installs the files.
    public static let debianDirectory = "/usr/share/datasets/fashion-mnist"

    /// The ten class names, by label.
    public static let classNames = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]

    /// The 14 attribute columns (DESIGN.md §10): ten one-vs-rest class indicators, then four groups.
    public static let attributeNames = [
        "t_shirt_top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle_boot",
        "top", "footwear", "full_body", "carry",
    ]

    /// The 14 attribute values (0 or 1) of a class label.
    /// - Parameter label: The class, 0…9.
    /// - Returns: One-vs-rest indicators, then top (T-shirt, pullover, coat, shirt), footwear (sandal,
    ///   sneaker, ankle boot), full_body (dress), carry (bag).
    public static func attributes(ofClass label: Int) -> [Int] {
        var values = (0..<10).map { $0 == label ? 1 : 0 }
        values.append([0, 2, 4, 6].contains(label) ? 1 : 0)
        values.append([5, 7, 9].contains(label) ? 1 : 0)
        values.append(label == 3 ? 1 : 0)
        values.append(label == 8 ? 1 : 0)
        return values
    }

    /// Which part of the data set to export.
    public enum Split: String, Sendable, CaseIterable {
        case train, test, all

        var parts: [(name: String, prefix: String)] {
            switch self {
            case .train: [("train", "train")]
            case .test: [("test", "t10k")]
            case .all: [("train", "train"), ("test", "t10k")]
            }
        }
    }

    /// What an export wrote.
    public struct Summary: Sendable, Equatable {
        /// Images written per split name (`train`, `test`).
        public var counts: [String: Int]
        /// The `labels.csv` path.
        public var labelsPath: String
        /// The `urls.txt` path.
        public var urlsPath: String
    }

    /// Writes PNG files, `labels.csv` (`url,split,class,class_name` + the 14 attribute columns) and
    /// `urls.txt` (one file:// URL per line) under `output`.
    /// - Parameters:
    ///   - source: Directory holding `{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz`.
    ///   - output: Directory to create; images go to `output/<split>/<index>.png`.
    ///   - split: `train` (60,000), `test` (10,000) or `all`.
    ///   - limit: At most this many images per split (nil = all).
    /// - Returns: The counts and file paths.
    /// - Throws: `DataError.missingInput` naming the missing file and the package to install; `.io` on write failures.
    public static func export(
        from source: String = debianDirectory, to output: String, split: Split, limit: Int? = nil
    ) throws -> Summary {
        if let limit, limit < 1 {
            throw DataError(.invalidArgument, "--limit \(limit) must be at least 1.")
        }
        let outputDirectory = URL(fileURLWithPath: output).standardizedFileURL.path
        var rows: [String] = ["url,split,class,class_name," + attributeNames.joined(separator: ",")]
        var urls: [String] = []
        var counts: [String: Int] = [:]
        for part in split.parts {
            let images = try load(source, "\(part.prefix)-images-idx3-ubyte.gz")
            let labels = try load(source, "\(part.prefix)-labels-idx1-ubyte.gz")
            guard images.dimensions.count == 3, labels.dimensions.count == 1,
                images.dimensions[0] == labels.dimensions[0]
            else {
                throw DataError(
                    .corruptImage,
                    "\(part.prefix) images \(images.dimensions) and labels \(labels.dimensions) do not match; "
                        + "reinstall dataset-fashion-mnist.")
            }
            let (height, width) = (images.dimensions[1], images.dimensions[2])
            let count = min(images.dimensions[0], limit ?? Int.max)
            let directory = outputDirectory + "/" + part.name
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw DataError(.io, "Cannot create \(directory): \(error.localizedDescription).")
            }
            let digits = max(5, String(images.dimensions[0] - 1).count)
            for index in 0..<count {
                let label = Int(labels.bytes[index])
                guard label < classNames.count else {
                    throw DataError(
                        .corruptImage,
                        "\(part.prefix) label \(index) is \(label), not 0…9; reinstall dataset-fashion-mnist.")
                }
                let start = index * height * width
                let png = try PNGCodec.encode(
                    samples: Array(images.bytes[start..<(start + height * width)]), width: width, height: height,
                    colorType: .grayscale)
                let name = String(repeating: "0", count: max(0, digits - String(index).count)) + String(index) + ".png"
                let path = directory + "/" + name
                guard FileManager.default.createFile(atPath: path, contents: Data(png)) else {
                    throw DataError(.io, "Cannot write \(path); check the disk and permissions.")
                }
                let url = try Curl.fileURL(path: path)
                urls.append(url)
                let values = attributes(ofClass: label).map(String.init).joined(separator: ",")
                rows.append("\(url),\(part.name),\(label),\(classNames[label]),\(values)")
            }
            counts[part.name] = count
        }
        let labelsPath = outputDirectory + "/labels.csv"
        let urlsPath = outputDirectory + "/urls.txt"
        try writeAtomically((rows.joined(separator: "\n") + "\n"), to: labelsPath)
        try writeAtomically((urls.joined(separator: "\n") + "\n"), to: urlsPath)
        return Summary(counts: counts, labelsPath: labelsPath, urlsPath: urlsPath)
    }

    private static func load(_ directory: String, _ name: String) throws -> IDXFile {
        let path = directory + "/" + name
        guard FileManager.default.fileExists(atPath: path) else {
            throw DataError(
                .missingInput,
                "Fashion-MNIST file \(path) is missing; install it with `sudo apt-get install dataset-fashion-mnist`.")
        }
        return try IDXFile(try GzipFile.read(path), name: path)
    }

    private static func writeAtomically(_ text: String, to path: String) throws {
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw DataError(.io, "Cannot write \(path): \(error.localizedDescription).")
        }
    }
}
