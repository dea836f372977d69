// swift-tools-version: 6.1
// Copyright 2026 The Distill authors.

import Foundation
import PackageDescription

/// Host-tuned code generation for the engine's SIMD loops (see ../shared/NOTES.md): opt in with
/// `DISTILL_TARGET_CPU=native` (or a CPU name); the default build stays portable.
let targetCPU = ProcessInfo.processInfo.environment["DISTILL_TARGET_CPU"]
let engineFlags: [SwiftSetting] = targetCPU.map { [.unsafeFlags(["-target-cpu", $0])] } ?? []

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "distill",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "distill", targets: ["DistillCLI"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // MARK: - C libraries (module map + shim header each)
        .systemLibrary(name: "CDNNL", path: "Sources/CDNNL"),
        .systemLibrary(
            name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(
            name: "CTurboJPEG", path: "Sources/CTurboJPEG", pkgConfig: "libturbojpeg",
            providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(
            name: "CSpng", path: "Sources/CSpng", pkgConfig: "spng", providers: [.apt(["libspng-dev"])]),
        .systemLibrary(
            name: "CCrypto", path: "Sources/CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CLinux", path: "Sources/CLinux"),
        // The TensorFlow Lite writer: FlatBuffers C++ (header generated from schemas/tflite_subset.fbs, Debian's
        // libflatbuffers-dev) behind a C interface.
        .target(name: "CTFLiteWriter", path: "Sources/CTFLiteWriter"),
        // The engine's own host kernels (batch norm, h-swish backward, the input layout), vectorized per CPU
        // and picked at run time.
        .target(name: "CDistillKernels", path: "Sources/CDistillKernels"),

        // MARK: - Libraries, one capability each
        .target(name: "DistillEngine", dependencies: ["CDNNL", "CDistillKernels"], swiftSettings: strict + engineFlags),
        .target(name: "DistillModels", dependencies: ["DistillEngine"], swiftSettings: strict),
        .target(
            name: "DistillData", dependencies: ["CCurl", "CTurboJPEG", "CSpng", "CCrypto", "CZlib", "CLinux"],
            swiftSettings: strict + engineFlags),
        .target(
            name: "DistillExport",
            dependencies: [
                "DistillModels", "DistillEngine", "CTFLiteWriter",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: strict),
        .target(
            name: "DistillStore",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .target(
            name: "DistillService",
            dependencies: [
                "DistillStore", "DistillModels", "DistillData", "DistillEngine", "DistillExport", "CLinux",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .target(
            name: "DistillDashboard",
            dependencies: [
                "DistillService", "DistillStore", .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "DistillCLI",
            dependencies: [
                "DistillService", "DistillStore", "DistillModels", "DistillData", "DistillEngine", "DistillDashboard",
                "DistillExport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),

        // MARK: - Tests
        .target(name: "DistillTestSupport", dependencies: ["DistillData"], path: "Tests/DistillTestSupport"),
        .testTarget(
            name: "DistillEngineTests", dependencies: ["DistillEngine", "DistillTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "DistillModelsTests", dependencies: ["DistillModels", "DistillTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "DistillDataTests", dependencies: ["DistillData", "DistillTestSupport"], swiftSettings: strict),
        .testTarget(
            name: "DistillStoreTests",
            dependencies: ["DistillStore", "DistillTestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict),
        .testTarget(
            name: "DistillServiceTests",
            dependencies: ["DistillService", "DistillStore", "DistillData", "DistillTestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "DistillCLITests",
            dependencies: [
                "DistillStore", "DistillEngine", "DistillData", "DistillTestSupport", "DistillService", "DistillModels",
            ],
            swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6],
    cxxLanguageStandard: .cxx17
)

// MARK: - Fuzzing (`make fuzz` only)

/// `DISTILL_FUZZ=1` adds the libFuzzer harness (built by scripts/fuzz.sh with `--sanitize fuzzer`); ordinary
/// builds and `make test` never see it.
if ProcessInfo.processInfo.environment["DISTILL_FUZZ"] != nil {
    package.targets += [
        .executableTarget(
            name: "DistillFuzz", dependencies: ["DistillService", "DistillStore", "DistillData", "DistillEngine"],
            path: "Fuzz/DistillFuzz", swiftSettings: strict)
    ]
    package.products.append(.executable(name: "distill-fuzz", targets: ["DistillFuzz"]))
}
