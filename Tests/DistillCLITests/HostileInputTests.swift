// Copyright 2026 The Distill authors.
// Crafted inputs that once crashed, hung or misbehaved, through the real binary: each must exit 2 (or, for a
// fetch, record the failure) with a message naming the file, line or key, write nothing, and end in time.

import DistillStore
import Foundation
import Testing

@Suite("hostile input never crashes, hangs or leaks")
struct HostileInputTests {
    let sandbox: Sandbox

    init() throws {
        sandbox = try Sandbox()
        try sandbox.write("url,c0,c1\nfile:///a.png,1,2\nfile:///b.png,3,4\nfile:///c.png,5,6\n", to: "t.csv")
        let imported = try sandbox.run(["teacher", "import", "t", "--kind", "logits", "--file", "t.csv"])
        #expect(imported.status == 0, "\(imported.stderr)")
    }

    /// Runs a command that must be refused: exit 2, the exact message, in time.
    func expectRefused(_ arguments: [String], _ message: String, sourceLocation: SourceLocation = #_sourceLocation)
        throws
    {
        let result = try sandbox.run(arguments, timeout: 60)
        #expect(!result.timedOut, "distill \(arguments.joined(separator: " ")) hung", sourceLocation: sourceLocation)
        #expect(result.status == 2, "\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr == "error: \(message)\n", sourceLocation: sourceLocation)
    }

    func jobCount() throws -> Int {
        let listed = try sandbox.run(["jobs", "--json"])
        return (try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [Any])?.count ?? -1
    }

    func teacherNames() throws -> [String] {
        let listed = try sandbox.run(["teacher", "list", "--json"])
        let teachers = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]]
        return teachers?.compactMap { $0["name"] as? String } ?? []
    }

    static let grid = "name: x\nteacher: t\nstudents:\n  alpha: 0.5\n  resolution: 32\n"

    /// Job files `submit` must refuse: (the file, the message).
    static let refusedJobFiles: [(String, String)] = {
        var cases: [(String, String)] = []
        cases.append(
            (
                // Nested aliases ("billion laughs") used as a key made composing spin for ever.
                "name: x\nteacher: t\na: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
                    + "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                    + "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                    + "? *e\n: 1\n",
                "job.yaml line 3: the YAML anchor &a is not allowed; job files do not use anchors or aliases (they "
                    + "can expand a small file without bound) — write the value out."
            ))
        cases.append(
            (
                grid + "training:\n  warmup_epochs: 1e300\n",
                "job.yaml line 7: `training.warmup_epochs` is 1e+300; allowed: 0 to 10000."
            ))
        cases.append(
            (
                grid + "training:\n  schedule: step\n  step_epochs: 1e300\n",
                "job.yaml line 8: `training.step_epochs` is 1e+300; allowed: more than 0 and at most 10000."
            ))
        cases.append(
            (
                grid + "training:\n  soft_weight: 1e300\n",
                "job.yaml line 7: `training.soft_weight` is 1e+300; allowed: 0 to 1000."
            ))
        cases.append(
            (
                grid + "images:\n  timeout_seconds: 0.0000001\n",
                "job.yaml line 7: `images.timeout_seconds` is 1e-07; allowed: from 1 to 3600."
            ))
        cases.append(
            (
                "name: \"x\\e[2J\"\nteacher: t\nstudents:\n  alpha: 0.5\n  resolution: 32\n",
                "job.yaml line 1: `name` contains the control character U+1B; remove it (terminal escape sequences "
                    + "and NUL bytes are not allowed in job files)."
            ))
        cases.append(
            (
                "name: x\nteacher: t\nstudents:\n  alpha: " + String(repeating: "[", count: 40) + "0.5"
                    + String(repeating: "]", count: 40) + "\n",
                "job.yaml line 4: mappings and lists are nested more than 32 deep; a job file needs at most 3 "
                    + "levels — see Jobs/ for examples."
            ))
        return cases
    }()

    @Test(
        "a job file refused at submit: the message names the line and key, nothing is stored",
        arguments: refusedJobFiles)
    func refusedJobFile(yaml: String, message: String) throws {
        try sandbox.write(yaml, to: "job.yaml")
        try expectRefused(["submit", "job.yaml"], message)
        #expect(try jobCount() == 0)
    }

    @Test("a job file larger than 1 MiB is refused before it is parsed")
    func jobFileSizeCap() throws {
        try sandbox.write(Self.grid + "description: " + String(repeating: "x", count: 1 << 20) + "\n", to: "big.yaml")
        try expectRefused(
            ["submit", "big.yaml"],
            "The job file big.yaml is 1048649 bytes; the limit is 1048576 bytes — split it or check that it is the "
                + "right file.")
        #expect(try jobCount() == 0)
    }

    @Test("a FIFO as job file is refused without blocking")
    func jobFileFIFO() throws {
        let fifo = sandbox.directory.appendingPathComponent("job.yaml").path
        #expect(mkfifo(fifo, 0o600) == 0)
        try expectRefused(
            ["submit", "job.yaml"],
            "The job file job.yaml is not a regular file (a FIFO, device or socket); pass a regular file.")
    }

    /// Labels files `submit` refuses, by what the run would have tripped on: (file text, message after the path).
    static let badLabels: [(String, String)] = [
        // `label` is a synonym of `class`, so 'cat' is a class that is no index.
        ("url,label\nfile:///a.png,cat\n", " line 2: the class is 'cat'; give a class index ≥ 0 (`url,class`)."),
        (
            "url,class,smiling\nfile:///a.png,1,maybe\n",
            " line 2: attribute column 3 'smiling' is 'maybe' but attribute columns hold 0 or 1; the columns Distill "
                + "reads are url, split, class (or label, identity), class_name and 0/1 attributes."
        ),
        (
            "url,class\nfile:///a.png,7\n",
            " gives file:///a.png class 7, but teacher 't' has 2 classes (0…1); fix the labels or the teacher."
        ),
    ]

    @Test("labels the run could not use are refused at submit, naming the line and the value", arguments: badLabels)
    func labelsAtSubmit(text: String, message: String) throws {
        try sandbox.write(text, to: "labels.csv")
        try sandbox.write(Self.grid + "training:\n  batch_size: 2\nevaluation:\n  labels: labels.csv\n", to: "job.yaml")
        let labels = sandbox.directory.appendingPathComponent("labels.csv").standardized.path
        let prefix = message.hasPrefix(" gives") ? "The labels file \(labels)" : labels
        try expectRefused(["submit", "job.yaml"], prefix + message)
        #expect(try jobCount() == 0)
    }

    @Test("a URL list with a control character is refused at submit and by fetch, with its line")
    func urlListControlCharacters() throws {
        try sandbox.write("file:///a.png\nhttp://h/b\u{1B}]8;;x.png\n", to: "urls.txt")
        try sandbox.write(Self.grid + "training:\n  batch_size: 2\nimages:\n  urls: urls.txt\n", to: "job.yaml")
        let urls = sandbox.directory.appendingPathComponent("urls.txt").standardized.path
        let message =
            "line 2: the URL 'http://h/b\\u{1B}]8;;x.png' contains a control character (U+001B) at character 11; URLs "
            + "may not contain control characters, whitespace or DEL: percent-encode it or drop the line."
        try expectRefused(["submit", "job.yaml"], "\(urls) \(message)")
        #expect(try jobCount() == 0)
        try expectRefused(["fetch", "--urls", "urls.txt"], "urls.txt \(message)")
    }

    @Test(
        "teacher URLs with NUL, escape sequences, spaces or DEL are refused at import with the line",
        arguments: [
            ("file:///a\u{0}.png", "'file:///a\\u{0}.png' contains a control character (U+0000) at character 10"),
            (
                "file:///a\u{1B}[31m.png",
                "'file:///a\\u{1B}[31m.png' contains a control character (U+001B) at character 10"
            ),
            ("http://h/a b.png", "'http://h/a b.png' contains whitespace (U+0020) at character 11"),
            ("http://h/a\u{7F}.png", "'http://h/a\\u{7F}.png' contains a control character (U+007F) at character 11"),
        ])
    func teacherURLs(url: String, found: String) throws {
        try sandbox.write("url,c0,c1\nfile:///z.png,1,2\n\"\(url)\",3,4\n", to: "bad.csv")
        try expectRefused(
            ["teacher", "import", "bad", "--kind", "logits", "--file", "bad.csv"],
            "bad.csv line 3: the URL \(found); URLs may not contain control characters, whitespace or DEL: "
                + "percent-encode it or drop the line.")
        #expect(try teacherNames() == ["t"])
    }

    @Test("a .npy whose shape multiplies past Int.max is refused, not a crash")
    func npyShapeOverflow() throws {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4611686018427387904), }"
        header += String(repeating: " ", count: 127 - 10 - header.count) + "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0]
        bytes += Array(header.utf8) + [UInt8](repeating: 0, count: 16)
        try Data(bytes).write(to: sandbox.directory.appendingPathComponent("big.npy"))
        try sandbox.write("file:///a.png\n", to: "urls.txt")
        try expectRefused(
            ["teacher", "import", "big", "--kind", "logits", "--file", "big.npy", "--urls", "urls.txt"],
            "big.npy header line: shape (4611686018427387904, 4611686018427387904) has 4611686018427387904 values "
                + "per row; a teacher vector holds at most 65,536 values — check that rows are images (transpose the "
                + "array if not).")
        #expect(try teacherNames() == ["t"])
    }

    @Test(
        "fetch timeouts outside 1 ms…1 day are refused, `inf` included",
        arguments: ["inf", "nan", "0.0000001", "1e300"])
    func fetchTimeout(value: String) throws {
        try sandbox.write("http://127.0.0.1:9/a.png\n", to: "urls.txt")
        let result = try sandbox.run(["fetch", "--urls", "urls.txt", "--timeout", value], timeout: 60)
        #expect(result.status == 2)
        #expect(result.stderr.contains("--timeout"))
        #expect(result.stderr.contains("is outside 0.001…86400 seconds; give a number of seconds such as 60."))
    }

    @Test("a FIFO under an allowed file root is refused without blocking the fetch")
    func fifoUnderRoot() throws {
        let root = sandbox.directory.appendingPathComponent("root")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        #expect(mkfifo(root.appendingPathComponent("f.png").path, 0o600) == 0)
        try sandbox.write("file://\(root.path)/f.png\n", to: "urls.txt")
        let result = try sandbox.run(
            ["fetch", "--urls", "urls.txt", "--allow-file-root", "root", "--json", "--quiet"], timeout: 60)
        #expect(!result.timedOut)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\"not-a-regular-file\" : 1"))
        let failed = try sandbox.run(["images", "--failed"])
        #expect(
            failed.stdout.contains(
                "not-a-regular-file: file://\(root.path)/f.png is not a regular file (a directory, FIFO, socket or "
                    + "device); only regular files are read."))
    }

    @Test("DISTILL_FILE_ROOTS bounds the file roots fetch and submit accept; nothing is written")
    func operatorFileRoots() throws {
        let allowed = sandbox.directory.appendingPathComponent("allowed")
        let outside = sandbox.directory.appendingPathComponent("outside")
        for directory in [allowed, outside] {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        let environment = ["DISTILL_FILE_ROOTS": allowed.path + ":/nonexistent"]
        let bounds =
            "is outside DISTILL_FILE_ROOTS (\(allowed.path):/nonexistent); the operator allows file:// reads "
            + "only beneath those directories — move the images there."
        try sandbox.write("file://\(outside.path)/a.png\n", to: "urls.txt")
        let fetch = try sandbox.run(
            ["fetch", "--urls", "urls.txt", "--allow-file-root", "outside"], environment: environment, timeout: 60)
        #expect(fetch.status == 2)
        #expect(fetch.stderr.hasPrefix("error: The file root '") && fetch.stderr.hasSuffix(bounds + "\n"))
        #expect(
            try sandbox.run(["images", "--json"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[\n\n]")
        try sandbox.write(
            Self.grid + "training:\n  batch_size: 2\nimages:\n  allow_file_roots: [outside]\n", to: "job.yaml")
        let submit = try sandbox.run(["submit", "job.yaml"], environment: environment, timeout: 60)
        #expect(submit.status == 2)
        #expect(submit.stderr.hasPrefix("error: job.yaml: `images.allow_file_roots`: The file root '"))
        #expect(submit.stderr.hasSuffix(bounds + "\n"))
        #expect(try jobCount() == 0)
        let inside = try sandbox.run(
            ["fetch", "--urls", "urls.txt", "--allow-file-root", "allowed", "--quiet"], environment: environment)
        #expect(inside.status == 0, "\(inside.stderr)")
    }

    @Test(
        "DISTILL_ALLOW_NETWORKS: a link-local (metadata) address is refused without connecting; a bad range is exit 2")
    func operatorNetworks() throws {
        try sandbox.write("http://169.254.169.254/latest/meta-data/a.png\n", to: "urls.txt")
        let fetch = try sandbox.run(
            ["fetch", "--urls", "urls.txt", "--json", "--quiet", "--attempts", "1"],
            environment: ["DISTILL_ALLOW_NETWORKS": "10.0.0.0/8"], timeout: 60)
        #expect(!fetch.timedOut && fetch.status == 0, "\(fetch.stderr)")
        #expect(fetch.stdout.contains("\"disallowed-address\" : 1"))
        let bad = try sandbox.run(
            ["fetch", "--urls", "urls.txt"], environment: ["DISTILL_ALLOW_NETWORKS": "10.0.0.0/99"], timeout: 60)
        #expect(bad.status == 2)
        #expect(
            bad.stderr
                == "error: DISTILL_ALLOW_NETWORKS lists '10.0.0.0/99', which is not an address range; write CIDRs "
                + "such as 10.0.0.0/8 or fd00::/8, separated by commas.\n")
    }

    @Test("escape sequences from files never reach the terminal raw: in error messages and in stored rows")
    func terminalEscapes() throws {
        try sandbox.write("url,c0\nhttp://h/a.png,\u{1B}[2J\n", to: "v.csv")
        let value = try sandbox.run(["teacher", "import", "v", "--kind", "attributes", "--file", "v.csv"])
        #expect(value.status == 2)
        #expect(value.stderr == "error: v.csv line 2: value 1 '\\u{1B}[2J' is not a number.\n")
        // A row stored before URLs were checked at import.
        let store = try Store(path: sandbox.database)
        try store.importTeacher(
            name: "old", kind: .attributes,
            table: TeacherTable(urls: ["http://h/\u{1B}]0;owned\u{7}.png"], values: [1], dimension: 1),
            sourceFile: nil, replace: false)
        let show = try sandbox.run(["teacher", "show", "old"])
        #expect(show.status == 0)
        #expect(!show.stdout.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 })
        #expect(show.stdout.contains("http://h/\\u{1B}]0;owned\\u{7}.png"))
    }
}
