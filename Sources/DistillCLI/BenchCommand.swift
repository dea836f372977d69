// Copyright 2026 The Distill authors.

import ArgumentParser

/// `distill bench …`: measurements of this machine.
///
/// Benchmarks print figures and never fail on speed;
/// the last line of each is one JSON object for scripts.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract:
            "Measure training, inference, decoding, the input pipeline, fetching and queue claims on this machine.",
        subcommands: [
            BenchTrainCommand.self,
            BenchInferCommand.self,
            BenchDecodeCommand.self,
            BenchFetchCommand.self,
            BenchPipelineCommand.self,
            BenchClaimsCommand.self,
        ]
    )
}
