// Copyright 2026 The Distill authors.

import ArgumentParser

@main
struct Distill: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "distill",
        abstract: "Distil large teachers into small MobileNet students on CPU.",
        subcommands: [
            BenchCommand.self,
            CostCommand.self,
        ]
    )
}
