// Copyright 2026 The Distill authors.
// The `distill` executable: a thin layer of commands over the libraries.
//
// Exit codes: 0 success; 1 runtime failure (database, I/O, training); 2 bad usage or bad input
// (unknown option, invalid file, unknown teacher or job).

import ArgumentParser
import Foundation

@main
struct Distill: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "distill",
        abstract: "Distil large teachers into small MobileNet students on CPU.",
        discussion: """
            The database is --db PATH, else $DISTILL_DB, else ./distill.db (created on first use); a \
            postgres://USER@HOST/DB URL selects a PostgreSQL database that daemons on many hosts share.
            Exit codes: 0 success, 1 runtime failure, 2 bad usage or bad input.
            """,
        version: "0.1.0",
        subcommands: [
            TeacherCommand.self,
            TeachCommand.self,
            SubmitCommand.self,
            JobsCommand.self,
            ShowCommand.self,
            CancelCommand.self,
            LogsCommand.self,
            ResultsCommand.self,
            BenchCommand.self,
            CostCommand.self,
            FetchCommand.self,
            ImagesCommand.self,
            DatasetCommand.self,
            RunCommand.self,
            PrepareCommand.self,
            DaemonCommand.self,
            RetryCommand.self,
            PriorityCommand.self,
            ReportCommand.self,
            ExportCommand.self,
            ServeCommand.self,
            DatabaseCommand.self,
        ]
    )

    /// Runs the parsed command and maps every failure to the documented exit codes.
    static func main() async {
        let command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exitForParse(error)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                var syncCommand = command
                try syncCommand.run()
            }
        } catch {
            exitForRun(error)
        }
    }

    static func exitForParse(_ error: any Error) -> Never {
        if exitCode(for: error) == .success { exit(withError: error) }
        FileHandle.standardError.write(Data((TerminalText.printable(fullMessage(for: error)) + "\n").utf8))
        Foundation.exit(ExitStatus.badInput)
    }

    static func exitForRun(_ error: any Error) -> Never {
        if let error = error as? any UserFacingError {
            FileHandle.standardError.write(Data("error: \(TerminalText.printable(error.message))\n".utf8))
            Foundation.exit(error.isUsersToFix ? ExitStatus.badInput : ExitStatus.failure)
        }
        // Help requests and usage errors raised while running (e.g. a command group run without a
        // subcommand) come from ArgumentParser itself.
        if String(reflecting: type(of: error)).hasPrefix("ArgumentParser.") { exitForParse(error) }
        FileHandle.standardError.write(Data("error: \(TerminalText.printable("\(error)"))\n".utf8))
        Foundation.exit(ExitStatus.failure)
    }
}

/// The documented exit statuses.
enum ExitStatus {
    static let failure: Int32 = 1
    static let badInput: Int32 = 2
}
