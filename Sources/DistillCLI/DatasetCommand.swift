// Copyright 2026 The Distill authors.

import ArgumentParser
import DistillData
import Foundation

extension FashionMNIST.Split: ExpressibleByArgument {}

/// `distill dataset …`: turn bundled data sets into image files, labels and URL lists.
struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset", abstract: "Export data sets as image files plus labels.csv and urls.txt.",
        subcommands: [FashionMNISTCommand.self])
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
