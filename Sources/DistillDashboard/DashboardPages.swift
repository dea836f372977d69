// Copyright 2026 The Distill authors.
// The dashboard's HTML pages. Styles are inline; the one script (on a job page) only reads /api/jobs/ID every two
// seconds to refresh the progress cells, so the page stays live without reloading.

import DistillService
import DistillStore
import Foundation

/// Renders the dashboard's pages from the database.
struct DashboardPages: Sendable {
    let store: Store

    private static let style = """
        <style>
        body { font-family: sans-serif; margin: 1.5em 2em; color: #222; }
        a { color: #1f5fa8; }
        table { border-collapse: collapse; font-size: 13px; margin-bottom: 1em; }
        th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; white-space: nowrap; }
        .bar { width: 140px; height: 10px; background: #eee; display: inline-block; vertical-align: middle; }
        .bar span { display: block; height: 100%; background: #2ca02c; }
        .state-failed { color: #b00; } .state-running { color: #1f5fa8; font-weight: bold; }
        .plots svg { margin: 0.5em 1em 1em 0; border: 1px solid #ddd; }
        pre { background: #f6f6f6; padding: 0.6em; font-size: 12px; max-height: 24em; overflow: auto; }
        </style>
        """

    func page(_ title: String, _ body: String, script: String = "") -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(markupEscaped(title))</title>
        \(Self.style)</head><body>
        <p><a href="/">Distill dashboard</a> · <a href="/metrics">metrics</a> · <a href="/api/jobs">API</a></p>
        \(body)\(script)
        </body></html>

        """
    }

    static func bar(_ fraction: Double) -> String {
        let percent = Int((min(1, max(0, fraction)) * 100).rounded())
        return "<span class=\"bar\"><span style=\"width: \(percent)%\"></span></span> \(percent)%"
    }

    /// `/`: every job with its state and progress.
    func jobList() throws -> String {
        let jobs = try store.jobs()
        var body = "<h1>Jobs</h1>\n"
        if jobs.isEmpty { body += "<p>No jobs yet; submit one with <code>distill submit JOBFILE</code>.</p>\n" }
        body += "<table id=\"jobs\">\n<tr><th>id</th><th>name</th><th>teacher</th><th>state</th><th>runs</th>"
        body += "<th>progress</th><th>priority</th><th>submitted</th></tr>\n"
        for job in jobs {
            let runs = try store.runs(jobID: job.id)
            let progress = runs.isEmpty ? 0 : runs.map(\.progress).reduce(0, +) / Double(runs.count)
            body += "<tr class=\"job\" data-job=\"\(job.id)\"><td>\(job.id)</td>"
            body += "<td><a href=\"/jobs/\(job.id)\">\(markupEscaped(job.name))</a></td>"
            body += "<td>\(markupEscaped(job.teacher))</td>"
            body += "<td class=\"state-\(job.state.rawValue)\">\(job.state.rawValue)</td>"
            body += "<td>\(job.runsSucceeded)/\(job.runCount)</td><td>\(Self.bar(progress))</td>"
            body += "<td>\(job.priority)</td><td>\(markupEscaped(job.submittedAt))</td></tr>\n"
        }
        body += "</table>\n"
        return page("Distill jobs", body)
    }

    /// `/jobs/ID`: the job's runs (live), plots, results and events; nil for an unknown job.
    func job(id: Int64) throws -> String? {
        guard let job = try? store.job(id: id) else { return nil }
        let snapshot = try JobSnapshot(store: store, job: job)
        let report = try SweepReport.load(jobID: id, store: store)
        var body = "<h1>Job \(job.id) '\(markupEscaped(job.name))'</h1>\n<ul>\n"
        for (name, value) in report.settings {
            body += "<li><b>\(markupEscaped(name))</b>: \(markupEscaped(value))</li>\n"
        }
        body += "<li><b>state</b>: <span id=\"job-state\">\(job.state.rawValue)</span>"
        body += job.error.map { " (\(markupEscaped($0)))" } ?? ""
        body += "</li>\n<li><a href=\"/jobs/\(id)/report\">the report</a> (the same as <code>distill report "
        body += "\(id)</code>)</li>\n</ul>\n<h2>Runs</h2>\n<table id=\"runs\">\n<tr><th>run</th><th>state</th>"
        body += "<th>step</th><th>progress</th><th>train loss</th><th>images/s</th><th>ETA</th><th>held by</th></tr>\n"
        for state in snapshot.runs {
            let run = state.run
            body += "<tr class=\"run\" data-run=\"\(markupEscaped(run.name))\"><td>\(markupEscaped(run.name))</td>"
            body += "<td data-field=\"state\" class=\"state-\(run.state.rawValue)\">\(run.state.rawValue)</td>"
            body += "<td data-field=\"step\">\(run.step)/\(run.totalSteps.map(String.init) ?? "-")</td>"
            body += "<td data-field=\"progress\">\(Self.bar(run.progress))</td>"
            body += "<td data-field=\"loss\">\(state.trainLoss.map { String(format: "%.4f", $0) } ?? "-")</td>"
            body += "<td data-field=\"speed\">\(state.imagesPerSecond.map { String(format: "%.0f", $0) } ?? "-")</td>"
            body += "<td data-field=\"eta\">\(state.etaSeconds.map { String(format: "%.0f s", $0) } ?? "-")</td>"
            body += "<td data-field=\"holder\">\(markupEscaped(run.leaseOwner ?? "-"))</td></tr>\n"
        }
        body += "</table>\n<h2>Results</h2>\n<p>\(markupEscaped(report.choose(within: .init()).reason))</p>\n"
        let (header, rows) = report.table
        body += "<table id=\"results\">\n<tr>" + header.map { "<th>\(markupEscaped($0))</th>" }.joined() + "</tr>\n"
        for row in rows { body += "<tr>" + row.map { "<td>\(markupEscaped($0))</td>" }.joined() + "</tr>\n" }
        body += "</table>\n<h2>Plots</h2>\n<div class=\"plots\">\n"
        for (_, chart) in report.charts { body += chart.render(standalone: false) }
        body += "</div>\n<h2>Events</h2>\n<pre id=\"events\">"
        for event in try store.events(jobID: id).suffix(50) {
            body += markupEscaped("\(event.at)  \(event.level.uppercased())  \(event.message)") + "\n"
        }
        body += "</pre>\n"
        return page("Job \(job.id) \(job.name)", body, script: Self.liveScript(jobID: id))
    }

    /// A 404 page.
    func notFound(_ message: String) -> String {
        page("Not found", "<h1>Not found</h1>\n<p>\(markupEscaped(message)) <a href=\"/\">All jobs</a>.</p>\n")
    }

    /// Refreshes the runs table from the JSON API every two seconds (no page reload).
    static func liveScript(jobID: Int64) -> String {
        """
        <script>
        (function () {
          function bar(f) { var p = Math.round(Math.min(1, Math.max(0, f)) * 100);
            return '<span class="bar"><span style="width: ' + p + '%"></span></span> ' + p + '%'; }
          function text(v, digits, unit) { return v === null || v === undefined ? '-' : v.toFixed(digits) + (unit || ''); }
          function refresh() {
            fetch('/api/jobs/\(jobID)').then(function (r) { return r.json(); }).then(function (s) {
              document.getElementById('job-state').textContent = s.job.state;
              s.runs.forEach(function (r) {
                var row = document.querySelector('tr.run[data-run="' + r.run.name + '"]');
                if (!row) { return; }
                function set(field, value, html) {
                  var c = row.querySelector('[data-field="' + field + '"]');
                  if (c && html) { c.innerHTML = value; } else if (c) { c.textContent = value; }
                }
                set('state', r.run.state);
                set('step', r.run.step + '/' + (r.run.total_steps === null || r.run.total_steps === undefined ? '-' : r.run.total_steps));
                set('progress', bar(r.run.progress), true);
                set('loss', text(r.train_loss, 4));
                set('speed', text(r.images_per_second, 0));
                set('eta', text(r.eta_seconds, 0, ' s'));
                set('holder', r.run.lease_owner || '-');
              });
            }).catch(function () {});
          }
          setInterval(refresh, 2000);
        })();
        </script>

        """
    }
}
