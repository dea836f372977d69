// Copyright 2026 The Distill authors.

import ArgumentParser
import DistillDashboard
import Foundation

/// `distill serve`: the read-only web dashboard.
///
/// Exit codes: 0 stopped by SIGTERM/SIGINT; 1 the address cannot be bound or the database fails; 2 bad options.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a read-only web dashboard: jobs, live run progress, plots, results, events, JSON, metrics.",
        discussion: """
            Pages: / (jobs), /jobs/ID (runs refreshed every 2 s, plots, results, events), /jobs/ID/report. \
            JSON: /api/jobs, /api/jobs/ID, /api/jobs/ID/events. Prometheus: /metrics (distill_… gauges). \
            No route changes the database. Binds 127.0.0.1 unless --bind says otherwise: the dashboard has no \
            login, so expose it to a network only behind something that has.
            Example: distill serve --port 8080
            Exit codes: 0 stopped by a signal, 1 the address cannot be bound, 2 bad options.
            """)

    @Option(help: "TCP port (0: any free port, printed at start).")
    var port = 8080

    @Option(help: "Address to listen on (default 127.0.0.1: this machine only).")
    var bind = "127.0.0.1"

    @OptionGroup var store: StoreOptions

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port \(port) is outside 0…65535.") }
        guard !bind.isEmpty, bind.count <= 255 else { throw ValidationError("--bind '\(bind)' is not an address.") }
    }

    func run() async throws {
        let database = try store.open()
        let host = bind
        try await Dashboard.serve(store: database, host: host, port: port) { bound in
            let shown = host.contains(":") ? "[\(host)]" : host
            FileHandle.standardOutput.write(
                Data("Serving the dashboard at http://\(shown):\(bound)/ (read-only; Ctrl-C stops it)\n".utf8))
        }
    }
}
