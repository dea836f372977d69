// Copyright 2026 The Distill authors.
// `distill serve`: a read-only web dashboard over the database with Hummingbird. Pages: the job list at `/`, a
// job's page at `/jobs/ID` (runs with live progress, plots, results, events), the job's report at
// `/jobs/ID/report`; JSON at `/api/jobs`, `/api/jobs/ID`, `/api/jobs/ID/events`; Prometheus text at `/metrics`.
// No route writes: every handler only reads.

import DistillService
import DistillStore
import Foundation
import Hummingbird
import Logging

/// The dashboard server.
public enum Dashboard {
    /// Serves until SIGTERM/SIGINT (Hummingbird's graceful shutdown).
    /// - Parameters:
    ///   - store: The database (read only).
    ///   - host: The address to bind (127.0.0.1 by default: not reachable from other machines).
    ///   - port: The port (0: any free port).
    ///   - onRunning: Called with the bound port once the server listens.
    /// - Throws: When the address cannot be bound.
    public static func serve(
        store: Store, host: String, port: Int, onRunning: @escaping @Sendable (Int) -> Void
    ) async throws {
        var logger = Logger(label: "distill.serve")
        logger.logLevel = .warning
        let app = Application(
            router: router(store: store),
            configuration: .init(address: .hostname(host, port: port), serverName: "distill"),
            onServerRunning: { channel in onRunning(channel.localAddress?.port ?? port) }, logger: logger)
        try await app.runService()
    }

    /// The routes.
    static func router(store: Store) -> Router<BasicRequestContext> {
        let router = Router()
        let pages = DashboardPages(store: store)
        router.get("/") { _, _ in try HTMLPage(pages.jobList()) }
        router.get("/jobs/:id") { _, context in
            guard let id = context.parameters.get("id", as: Int64.self), let page = try pages.job(id: id) else {
                return HTMLPage(pages.notFound("No job \(context.parameters.get("id") ?? "")."), status: .notFound)
            }
            return HTMLPage(page)
        }
        router.get("/jobs/:id/report") { _, context in
            guard let id = context.parameters.get("id", as: Int64.self), (try? store.job(id: id)) != nil else {
                return HTMLPage(pages.notFound("No job \(context.parameters.get("id") ?? "")."), status: .notFound)
            }
            return HTMLPage(try SweepReport.load(jobID: id, store: store).html())
        }
        router.get("/api/jobs") { _, _ in try JSONBody(store.jobs()) }
        router.get("/api/jobs/:id") { _, context in
            guard let id = context.parameters.get("id", as: Int64.self), let job = try? store.job(id: id) else {
                return try JSONBody(["error": "no such job"], status: .notFound)
            }
            return try JSONBody(try JobSnapshot(store: store, job: job))
        }
        router.get("/api/jobs/:id/events") { _, context in
            guard let id = context.parameters.get("id", as: Int64.self), (try? store.job(id: id)) != nil else {
                return try JSONBody(["error": "no such job"], status: .notFound)
            }
            return try JSONBody(try store.events(jobID: id))
        }
        router.get("/metrics") { _, _ in
            PlainText(try PrometheusMetrics.render(store: store), contentType: "text/plain; version=0.0.4")
        }
        return router
    }
}

/// A job with its runs, their live progress and results: what `/api/jobs/ID` returns and the job page polls.
struct JobSnapshot: Encodable {
    struct RunState: Encodable {
        var run: Run
        var imagesPerSecond: Double?
        var trainLoss: Double?
        var etaSeconds: Double?
        var result: RunResultRow?
    }

    var job: Job
    var runs: [RunState]

    init(store: Store, job: Job) throws {
        self.job = job
        let batch = (try? RunExecutor.decodeSpec(try store.jobSpecJSON(id: job.id), jobID: job.id))?.training.batchSize
        runs = try store.runs(jobID: job.id).map { run in
            let last = try store.metrics(runID: run.id).last
            var eta: Double?
            // Steps left × images per step / the last epoch's images per second.
            if run.state == .running, let speed = last?.imagesPerSecond, speed > 0, let total = run.totalSteps,
                let batch
            {
                eta = Double(max(0, total - run.step) * batch) / speed
            }
            return RunState(
                run: run, imagesPerSecond: last?.imagesPerSecond, trainLoss: last?.trainLoss, etaSeconds: eta,
                result: try store.result(runID: run.id))
        }
    }
}

/// An HTML response.
struct HTMLPage: ResponseGenerator {
    let html: String
    let status: HTTPResponse.Status

    init(_ html: String, status: HTTPResponse.Status = .ok) {
        self.html = html
        self.status = status
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

/// A plain-text response.
struct PlainText: ResponseGenerator {
    let text: String
    let contentType: String

    init(_ text: String, contentType: String) {
        self.text = text
        self.contentType = contentType
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: .ok, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// A JSON response (snake_case keys, like the CLI's `--json`).
struct JSONBody: ResponseGenerator {
    let data: Data
    let status: HTTPResponse.Status

    init(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        data = try encoder.encode(value)
        self.status = status
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
