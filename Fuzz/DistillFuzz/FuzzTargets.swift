// Copyright 2026 The Distill authors.
// One fuzz target per parser that takes outside bytes. A target must never crash, hang or leak on any input;
// throwing a Swift error is the expected way to refuse bytes. Built only by `make fuzz` (scripts/fuzz.sh).

import DistillData
import DistillEngine
import DistillService
import DistillStore
import Foundation

@testable import DistillData

/// The fuzz targets by name.
enum FuzzTargets {
    static let names = [
        "teacher-csv", "teacher-jsonl", "teacher-npy", "url-list", "labels", "job-file", "schedule", "checkpoint",
        "jpeg", "png", "url-policy",
    ]

    /// The target this process runs.
    nonisolated(unsafe) static var target = ""
    /// A scratch directory for targets that read files (one per process).
    nonisolated(unsafe) static var scratch = ""
    nonisolated(unsafe) static var decoder: ImageDecoder?
    nonisolated(unsafe) static var policy: URLPolicy?

    /// Prepares what a target needs once, before fuzzing.
    static func setUp(target name: String) throws {
        target = name
        scratch =
            (FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory())
            + "/distill-fuzz-\(getpid())"
        try FileManager.default.createDirectory(atPath: scratch + "/root/sub", withIntermediateDirectories: true)
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: scratch + "/root/a.png"))
        try Data((0..<4).map { "file:///\($0).png\n" }.joined().utf8).write(
            to: URL(fileURLWithPath: scratch + "/urls.txt"))
        // The size limits are on, smaller than the defaults so one input cannot allocate gigabytes.
        decoder = try ImageDecoder(limits: ImageLimits(maxSide: 4096, maxPixels: 4_000_000))
        policy = try URLPolicy(allowedFileRoots: [scratch + "/root"])
    }

    static func tearDown() {
        try? FileManager.default.removeItem(atPath: scratch)
    }

    /// Runs one input through the target.
    static func run(_ bytes: UnsafeRawBufferPointer) {
        let name = target
        let data = Data(bytes)
        let text = String(decoding: data, as: UTF8.self)
        switch name {
        case "teacher-csv": teacher(data, format: .csv)
        case "teacher-jsonl": teacher(data, format: .jsonl)
        case "teacher-npy": teacher(data, format: .npy)
        case "url-list": _ = try? URLList.parse(text, file: "urls.txt")
        case "labels": _ = try? EvaluationLabels.parse(text, file: "labels.csv")
        case "job-file": _ = try? JobFileParser.parse(text, file: "job.yaml", baseDirectory: "/jobs")
        case "schedule":
            let now = Date(timeIntervalSince1970: 1_800_000_000)
            _ = try? ScheduleParser.parseTime(text, now: now, timeZone: TimeZone(identifier: "UTC") ?? .current)
            _ = try? ScheduleParser.parseWindow(text)
        case "checkpoint": _ = try? Checkpoint(decoding: [UInt8](data), source: "fuzz.ckpt")
        case "jpeg", "png":
            guard let decoder else { return }
            _ = try? decoder.info(bytes)
            _ = try? decoder.decodeForResize(bytes, minimumWidth: 32, minimumHeight: 32)
            if name == "png" { _ = try? PNGCodec.decode(bytes, limits: decoder.limits) }
        case "url-policy":
            // Seeds write the allowed root as file:///ROOT; it becomes this process's scratch root.
            let url = text.replacingOccurrences(of: "file:///ROOT", with: "file://" + scratch + "/root")
            _ = try? ImageURLText.check(url, file: "urls.txt", place: "line 1")
            guard let policy, let permission = try? policy.permit(url), let file = permission.file else { return }
            _ = policy.fileRoots.read(file.relative, root: file.root, url: url, limit: 1 << 16)
        default: break
        }
    }

    /// Writes the input to a scratch file and imports it as a teacher (parsing and validation; nothing stored).
    private static func teacher(_ data: Data, format: TeacherFileFormat) {
        let path = scratch + "/input." + format.rawValue
        guard (try? data.write(to: URL(fileURLWithPath: path))) != nil else { return }
        let request = TeacherImporter.Request(
            name: "fuzz", kind: .logits, file: path, urlsFile: format == .npy ? scratch + "/urls.txt" : nil,
            format: format)
        _ = try? TeacherImporter.read(request)
    }

    /// Writes small valid JPEG and PNG files, made with Distill's own encoders, as the image targets' seeds:
    /// `DIRECTORY/jpeg/*.jpg` and `DIRECTORY/png/*.png` (how Fuzz/corpus/jpeg and png were made).
    static func writeImageSeeds(to directory: String) throws {
        let width = 19
        let height = 13
        var pixels: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width { pixels += [UInt8(x * 13), UInt8(y * 19), UInt8((x * y) % 256)] }
        }
        let image = try RGBImage(width: width, height: height, pixels: pixels)
        let gray = stride(from: 0, to: pixels.count, by: 3).map { pixels[$0] }
        let codec = try JPEGCodec()
        let files: [(String, [UInt8])] = [
            ("jpeg/rgb444.jpg", try codec.encode(image, quality: 90)),
            ("jpeg/rgb420.jpg", try codec.encode(image, quality: 50, chromaSubsampling444: false)),
            ("jpeg/gray.jpg", try codec.encode(image, quality: 75, grayscale: true)),
            ("png/rgb.png", try PNGCodec.encode(samples: pixels, width: width, height: height, colorType: .truecolor)),
            ("png/gray.png", try PNGCodec.encode(samples: gray, width: width, height: height, colorType: .grayscale)),
            (
                "png/rgba16.png",
                try PNGCodec.encode(
                    samples: [UInt8](repeating: 200, count: width * height * 8), width: width, height: height,
                    colorType: .truecolorAlpha, bitDepth: 16)
            ),
            (
                "png/indexed.png",
                try PNGCodec.encode(
                    samples: gray.map { $0 % 4 }, width: width, height: height, colorType: .indexed,
                    palette: [(0, 0, 0), (255, 0, 0), (0, 255, 0), (0, 0, 255)])
            ),
        ]
        for (name, bytes) in files {
            let url = URL(fileURLWithPath: directory).appendingPathComponent(name)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
    }
}
