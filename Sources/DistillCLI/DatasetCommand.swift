// Copyright 2026 The Distill authors.

import ArgumentParser
import DistillData
import Foundation

extension FashionMNIST.Split: ExpressibleByArgument {}

/// `distill dataset …`: turn bundled data sets into image files, labels and URL lists.
struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset", abstract: "Export data sets as image files plus labels.csv and urls.txt.",
        subcommands: [FashionMNISTCommand.self, PhotosCommand.self])
}

/// `distill dataset photos`: synthetic photo-like JPEGs (for measuring the input pipeline on photos).
struct PhotosCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "photos",
        abstract: "Write synthetic photo-like JPEGs (640x480 by default) and urls.txt, to measure training on photos.",
        discussion: """
            Each image has smooth colour fields, a texture and luminance noise (--noise grey levels), quality 90, \
            4:2:0 chroma: the decoding work of a camera photo, not its content. Image i is photo-NNNNN.jpg, made \
            from seed i, so the same command writes the same files.
            Example: distill dataset photos --out photos --count 1500
            Exit codes: 0 success, 1 write failure, 2 bad option.
            """)

    @Option(help: "Output directory (created if missing).")
    var out: String

    @Option(help: "How many images.")
    var count = 1500

    @Option(help: "Width in pixels.")
    var width = 640

    @Option(help: "Height in pixels.")
    var height = 480

    @Option(help: "Noise amplitude in grey levels (0…64); more noise, larger files, slower decoding.")
    var noise = 8

    func validate() throws {
        guard (1...1_000_000).contains(count) else { throw ValidationError("--count must be 1…1000000, got \(count).") }
        guard (16...8192).contains(width), (16...8192).contains(height) else {
            throw ValidationError("--width and --height must be 16…8192, got \(width)x\(height).")
        }
        guard (0...64).contains(noise) else { throw ValidationError("--noise must be 0…64, got \(noise).") }
    }

    func run() throws {
        let directory = URL(fileURLWithPath: out).standardizedFileURL
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var urls = ""
        let progress = ProgressLine(enabled: true)
        defer { progress.finish() }
        for index in 0..<count {
            let file = directory.appendingPathComponent(String(format: "photo-%05d.jpg", index))
            try Data(try BenchDecodeCommand.photoJPEG(noise: noise, seed: UInt64(index), width: width, height: height))
                .write(to: file)
            urls += file.absoluteString + "\n"
            progress.show("photos", done: index + 1, total: count)
        }
        try urls.write(to: directory.appendingPathComponent("urls.txt"), atomically: true, encoding: .utf8)
        print("Wrote \(count) \(width)x\(height) JPEGs to \(directory.path)")
        print("URLs:   \(directory.path)/urls.txt  (fetch with --allow-file-root \(directory.path))")
    }
}

/// `distill dataset fashion-mnist`: Debian's dataset-fashion-mnist → PNG files, labels.csv, urls.txt.
///
/// Exit codes: 0 success; 1 write failure; 2 bad options or the package is not installed.
struct FashionMNISTCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fashion-mnist",
        abstract: "Write Fashion-MNIST as 28x28 grayscale PNGs with labels.csv and urls.txt (file:// URLs).",
        discussion: """
            Reads Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist). labels.csv has the columns \
            url,split,class,class_name, the ten one-vs-rest class indicators and the groups top, footwear, \
            full_body and carry.
            Example: distill dataset fashion-mnist --out fmnist --limit 1000 --split test
            Exit codes: 0 success, 1 write failure, 2 bad option or missing package.
            """)

    @Option(help: "Output directory (created if missing).")
    var out: String

    @Option(help: "At most this many images per split.")
    var limit: Int?

    @Option(help: "Which split: train (60,000), test (10,000) or all.")
    var split: FashionMNIST.Split = .all

    @Option(help: "Directory with the IDX .gz files.")
    var source = FashionMNIST.debianDirectory

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, got \(limit).") }
    }

    func run() throws {
        let summary = try FashionMNIST.export(from: source, to: out, split: split, limit: limit)
        let parts = ["train", "test"].compactMap { name in summary.counts[name].map { "\($0) \(name)" } }
        print(
            "Wrote \(parts.joined(separator: " and ")) images to \(URL(fileURLWithPath: out).standardizedFileURL.path)")
        print("Labels: \(summary.labelsPath)")
        print(
            "URLs:   \(summary.urlsPath)  (fetch with --allow-file-root \(URL(fileURLWithPath: out).standardizedFileURL.path))"
        )
    }
}
