// Copyright 2026 The Distill authors.

import DistillStore
import Foundation
import Testing

@Suite("Store copy (db migrate)")
struct StoreCopyTests {
    @Test(
        "a copy read a few rows at a time carries every row, single and composite keys alike, in both directions",
        arguments: TestBackend.allCases)
    func pagedCopyKeepsEveryRow(source backend: TestBackend) throws {
        let source = try temporaryStore(backend)
        let outputs = (0..<23).map { ("file:///img/\($0).png", [Float($0), -Float($0) / 4]) }
        try source.importTeacher(
            name: "t", kind: .logits, table: table(outputs), sourceFile: nil, replace: false)
        let job = try submitJob(source, runs: 7)
        var metrics: [Int64: [RunMetricsRow]] = [:]
        for index in 0..<3 {
            let claim = try #require(try source.claimRun(owner: "w@h:1:t", leaseSeconds: 60))
            for epoch in 1...(2 + index) {
                let row = RunMetricsRow(
                    runID: claim.run.id, epoch: epoch, step: epoch * 10, trainLoss: 1 / Double(epoch + index))
                try source.recordMetrics(row, lease: claim.lease)
                metrics[claim.run.id, default: []].append(row)
            }
        }
        let destination = try temporaryStore(backend == .sqlite ? .postgres : .sqlite)
        // Three rows a page: the 23 outputs take eight pages, the nine metrics rows (keyed by run and epoch) four.
        let summary = try source.copyEverything(to: destination, checkpointFile: { _ in nil }, rowsPerPage: 3)
        #expect(summary.rows["teacher_outputs"] == 23)
        #expect(summary.rows["runs"] == 7)
        #expect(summary.rows["metrics"] == 9)

        let teacher = try destination.teacher(named: "t")
        let copied = try destination.teacherOutputs(teacherID: teacher.id)
        #expect(copied.map(\.url).sorted() == outputs.map(\.0).sorted())
        for output in copied {
            #expect(output.vector == outputs.first { $0.0 == output.url }?.1)
        }
        #expect(try destination.runs(jobID: job.id) == source.runs(jobID: job.id))
        for (runID, rows) in metrics {
            #expect(try destination.metrics(runID: runID) == rows)
        }
    }
}
