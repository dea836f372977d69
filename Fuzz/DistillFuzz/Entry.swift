// Copyright 2026 The Distill authors.
// libFuzzer's entry points. `--sanitize fuzzer` links libFuzzer's own main, which calls these; the target is
// chosen by DISTILL_FUZZ_TARGET (scripts/fuzz.sh sets it).

import Foundation

/// Called once by libFuzzer before the first input.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> Int32 {
    if let directory = ProcessInfo.processInfo.environment["DISTILL_FUZZ_WRITE_IMAGE_SEEDS"] {
        do {
            try FuzzTargets.writeImageSeeds(to: directory)
            exit(0)
        } catch {
            FileHandle.standardError.write(Data("distill-fuzz: writing image seeds failed: \(error)\n".utf8))
            exit(1)
        }
    }
    let target = ProcessInfo.processInfo.environment["DISTILL_FUZZ_TARGET"] ?? ""
    guard FuzzTargets.names.contains(target) else {
        FileHandle.standardError.write(
            Data("distill-fuzz: set DISTILL_FUZZ_TARGET to one of \(FuzzTargets.names.joined(separator: ", "))\n".utf8))
        exit(2)
    }
    do {
        try FuzzTargets.setUp(target: target)
    } catch {
        FileHandle.standardError.write(Data("distill-fuzz: set-up failed: \(error)\n".utf8))
        exit(1)
    }
    atexit { FuzzTargets.tearDown() }
    return 0
}

/// Called by libFuzzer for every input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzTargets.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
