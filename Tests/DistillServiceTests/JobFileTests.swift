// Copyright 2026 The Distill authors.

import DistillService
import DistillStore
import Foundation
import Testing

@Suite("Job files")
struct JobFileTests {
    static let minimal = """
        name: sweep
        teacher: t
        students:
          alpha: [1.0, 0.5]
          resolution: 128

        """

    func parse(_ text: String) throws -> JobSpec {
        try JobFileParser.parse(text, file: "job.yaml", baseDirectory: "/jobs")
    }

    @Test("a minimal file gets every default and a grid of one run per (alpha, resolution)")
    func minimalFile() throws {
        let spec = try parse(Self.minimal)
        #expect(spec.students.alpha == [1.0, 0.5] && spec.students.resolution == [128])
        var defaults = JobSpec.Training()
        // Students do not augment (their targets are the teacher's outputs for the whole image).
        (defaults.augmentCrop, defaults.augmentFlip, defaults.cropScale) = (false, false, 0.5)
        #expect(spec.training == defaults)
        #expect(spec.runPoints.map(\.name) == ["alpha1.0-res128", "alpha0.5-res128"])
        #expect(spec.images.urls == nil && spec.schedule.priority == 0)
    }

    @Test("an architecture list makes one run per (architecture, α, resolution); specs stored with one string decode")
    func architectures() throws {
        let spec = try parse(
            "name: s\nteacher: t\nstudents:\n  architecture: [mobilenet_v1, mobilenet_v2, mobilenet_v3_small, "
                + "mobilenet_v3_large]\n  alpha: [1.0, 0.5]\n  resolution: 128\n")
        #expect(
            spec.students.architectures == ["mobilenet_v1", "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large"])
        #expect(
            spec.runPoints.map(\.name) == [
                "alpha1.0-res128", "alpha0.5-res128", "v2-alpha1.0-res128", "v2-alpha0.5-res128",
                "v3-small-alpha1.0-res128", "v3-small-alpha0.5-res128", "v3-large-alpha1.0-res128",
                "v3-large-alpha0.5-res128",
            ])
        #expect(spec.runPoints.map(\.architecture).filter { $0 == "mobilenet_v2" }.count == 2)
        let encoded = try JSONEncoder().encode(spec)
        #expect(try JSONDecoder().decode(JobSpec.self, from: encoded) == spec)
        // A spec stored before V2 and V3 holds one string.
        let old = try #require(String(data: encoded, encoding: .utf8)).replacingOccurrences(
            of: "[\"mobilenet_v1\",\"mobilenet_v2\",\"mobilenet_v3_small\",\"mobilenet_v3_large\"]",
            with: "\"mobilenet_v1\"")
        #expect(old != String(data: encoded, encoding: .utf8))
        let decoded = try JSONDecoder().decode(JobSpec.self, from: Data(old.utf8))
        #expect(decoded.students.architectures == ["mobilenet_v1"])
        #expect(try parse(Self.minimal).students.architectures == ["mobilenet_v1"])
    }

    @Test("relative paths are resolved against the job file's directory")
    func relativePaths() throws {
        let spec = try parse(Self.minimal + "images:\n  urls: lists/u.txt\n  allow_file_roots: [/data, imgs]\n")
        #expect(spec.images.urls == "/jobs/lists/u.txt")
        #expect(spec.images.allowFileRoots == ["/data", "/jobs/imgs"])
    }

    static let invalid: [(String, String)] = [
        (
            minimal + "training:\n  epoch: 3\n",
            "job.yaml line 7: unknown key `training.epoch` (did you mean `training.epochs`?); allowed keys in `training`: epochs, batch_size, optimizer, learning_rate, momentum, weight_decay, schedule, step_epochs, step_gamma, warmup_epochs, temperature, soft_weight, hard_weight, seed, threads, checkpoint_every_steps, augment_crop, augment_flip, crop_scale."
        ),
        (
            minimal + "colour: blue\n",
            "job.yaml line 6: unknown key `colour`; allowed top-level keys: name, teacher, teach, description, images, evaluation, students, training, schedule, export_int8."
        ),
        (
            "name: s\nteacher: t\nstudents:\n  alpha: [1.0, 1.5]\n  resolution: 128\n",
            "job.yaml line 4: `students.alpha[1]` is 1.5; allowed: a width multiplier in (0, 1] for mobilenet_v1 students, e.g. 1.0, 0.75, 0.5, 0.25."
        ),
        (
            "name: s\nteacher: t\nstudents:\n  alpha: 0\n  resolution: 128\n",
            "job.yaml line 4: `students.alpha` is 0.0; allowed: a width multiplier in (0, 1] for mobilenet_v1 students, e.g. 1.0, 0.75, 0.5, 0.25."
        ),
        (
            "name: s\nteacher: t\nstudents:\n  alpha: 1\n  resolution: [224, -5]\n",
            "job.yaml line 5: `students.resolution[1]` is -5; allowed: an input size from 32 to 1024 pixels, e.g. 224, 192, 160, 128."
        ),
        (
            "name: s\nteacher: t\nstudents:\n  alpha: 1\n  resolution: big\n",
            "job.yaml line 5: `students.resolution` must be an integer (an input size from 32 to 1024 pixels, e.g. 224, 192, 160, 128), found 'big'."
        ),
        (
            minimal + "training:\n  epochs: 0\n",
            "job.yaml line 7: `training.epochs` is 0; allowed: an integer from 1 to 10000."
        ),
        (
            minimal + "training:\n  batch_size: 1\n",
            "job.yaml line 7: `training.batch_size` is 1; allowed: an integer from 2 to 4096 (batch-norm statistics need at least 2 images)."
        ),
        (
            minimal + "training:\n  epochs: ten\n",
            "job.yaml line 7: `training.epochs` must be an integer (an integer from 1 to 10000), found 'ten'."
        ),
        (
            minimal + "training:\n  optimizer: lamb\n",
            "job.yaml line 7: `training.optimizer` is 'lamb'; allowed values: rmsprop, sgd, adam."
        ),
        (
            minimal + "training:\n  learning_rate: -1\n",
            "job.yaml line 7: `training.learning_rate` is -1.0; allowed: more than 0 and at most 10."
        ),
        (minimal + "training: 5\n", "job.yaml line 6: `training` must be a mapping of keys to values, found '5'."),
        (
            minimal + "schedule:\n  window: 22:00-25:00\n",
            "job.yaml line 7: `schedule.window` '22:00-25:00' is not a window; use HH:MM-HH:MM in local time, e.g. 22:00-06:00."
        ),
        ("teacher: t\nstudents:\n  alpha: 1\n  resolution: 128\n", "job.yaml: required key `name` is missing."),
        (
            "name: s\nteacher: t\n",
            "job.yaml: required key `students` is missing; give at least `students.alpha` and `students.resolution`."
        ),
        (
            "name: s\nteacher: t\nstudents:\n  resolution: 128\n",
            "job.yaml: required key `students.alpha` is missing; e.g. `alpha: [1.0, 0.75, 0.5, 0.25]`."
        ),
        (
            "name: s\nteacher: t\nstudents:\n  alpha: [0.5, 0.5]\n  resolution: 128\n",
            "job.yaml: `students.alpha` lists 0.5 twice; each grid value once."
        ),
        (
            "name: s\nteacher: t\nstudents:\n  architecture: [mobilenet_v2, resnet50]\n  alpha: 1\n  resolution: 128\n",
            "job.yaml line 4: `students.architecture[1]` must be one of mobilenet_v1, mobilenet_v2, mobilenet_v3_large, mobilenet_v3_small, found 'resnet50'."
        ),
        (
            "name: s\nteacher: t\nstudents:\n  architecture: [mobilenet_v1, mobilenet_v2]\n  alpha: 1.4\n  resolution: 128\n",
            "job.yaml line 5: `students.alpha` is 1.4; allowed: a width multiplier in (0, 1] for mobilenet_v1 students, e.g. 1.0, 0.75, 0.5, 0.25."
        ),
        (
            "name: s\nteacher: t\nstudents:\n  architecture: mobilenet_v3_small\n  alpha: 2.5\n  resolution: 128\n",
            "job.yaml line 5: `students.alpha` is 2.5; allowed: a width multiplier in (0, 2] for V2 and V3 students, e.g. 1.0, 0.75, 0.5, 0.35."
        ),
        (
            "name: s\nteacher: t\nstudents:\n  architecture: [mobilenet_v2, mobilenet_v2]\n  alpha: 1\n  resolution: 128\n",
            "job.yaml: `students.architecture` lists mobilenet_v2 twice; each grid value once."
        ),
        ("- a\n- b\n", "job.yaml line 1: the file must be a mapping of keys to values, found a list."),
        (
            "name: [unclosed\n",
            "job.yaml line 2, column 1 is not valid YAML: did not find expected ',' or ']' (while parsing a flow sequence in line 1, column 7)."
        ),
    ]

    @Test("invalid job files are refused with the key path and the allowed values", arguments: invalid)
    func invalidRefused(text: String, message: String) {
        let error = #expect(throws: ServiceError.self) { try parse(text) }
        #expect(error?.message == message)
        #expect(error?.code == .invalidArgument)
    }

    @Test("every example in Jobs/ is a valid job file")
    func examplesParse() throws {
        let jobs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Jobs")
        let files = try FileManager.default.contentsOfDirectory(atPath: jobs.path).filter { $0.hasSuffix(".yaml") }
        #expect(files.count >= 2)
        for file in files {
            let spec = try JobFileParser.parse(file: jobs.appendingPathComponent(file).path)
            #expect(!spec.runPoints.isEmpty, "\(file)")
        }
    }

    @Test("submit checks the spec against its teacher")
    func submitChecksTeacher() throws {
        let directory = try temporaryDirectory()
        let store = try Store(path: directory.appendingPathComponent("t.db").path)
        try store.importTeacher(
            name: "t", kind: .attributes, table: TeacherTable(urls: ["a", "b"], values: [1, 2, 3, 4], dimension: 2),
            sourceFile: nil, replace: false)
        let file = try write(
            Data((Self.minimal + "training:\n  hard_weight: 1\n  batch_size: 2\n").utf8), "j.yaml", in: directory)
        let error = #expect(throws: ServiceError.self) { try JobSubmitter(store: store).submit(file: file) }
        #expect(
            error?.message
                == "\(file): `training.hard_weight` is 1.0 but teacher 't' is attributes; hard labels apply to logits teachers only — set it to 0."
        )
        let big = try write(Data((Self.minimal + "training:\n  batch_size: 64\n").utf8), "big.yaml", in: directory)
        let batch = #expect(throws: ServiceError.self) { try JobSubmitter(store: store).submit(file: big) }
        #expect(
            batch?.message
                == "\(big): `training.batch_size` is 64 but teacher 't' has only 2 images; use a batch size of at most 2."
        )
        let ok = try write(Data((Self.minimal + "training:\n  batch_size: 2\n").utf8), "ok.yaml", in: directory)
        let job = try JobSubmitter(store: store).submit(file: ok, overrides: .init(window: "22:00-06:00", priority: 5))
        #expect(job.runCount == 2 && job.priority == 5 && job.windowStart == "22:00" && job.windowEnd == "06:00")
        let json = try store.jobSpecJSON(id: job.id)
        #expect(json.contains("\"batch_size\":2") && json.contains("\"window\":\"22:00-06:00\""))
        // An attribute teacher's runs default to T = 1; a temperature the file gives is kept.
        #expect(json.contains("\"temperature\":1"))
        let hot = try write(
            Data((Self.minimal + "training:\n  batch_size: 2\n  temperature: 3\n").utf8), "hot.yaml", in: directory)
        let kept = try JobSubmitter(store: store).submit(file: hot)
        #expect(try store.jobSpecJSON(id: kept.id).contains("\"temperature\":3"))
    }

    @Test("schedule times: HH:MM is the next occurrence, ISO-8601 is kept, nonsense is refused")
    func scheduleTimes() throws {
        let now = ISO8601DateFormatter().date(from: "2026-11-26T23:30:00Z") ?? Date()
        let utc = TimeZone(identifier: "UTC") ?? .current
        #expect(try ScheduleParser.parseTime("22:00", now: now, timeZone: utc) == "2026-11-27T22:00:00.000Z")
        #expect(try ScheduleParser.parseTime("23:45", now: now, timeZone: utc) == "2026-11-26T23:45:00.000Z")
        #expect(try ScheduleParser.parseTime("2026-12-01T06:00:00Z", now: now) == "2026-12-01T06:00:00.000Z")
        #expect(try ScheduleParser.parseTime("2026-12-01 06:00", now: now, timeZone: utc) == "2026-12-01T06:00:00.000Z")
        let error = #expect(throws: ServiceError.self) { try ScheduleParser.parseTime("tonight") }
        #expect(
            error?.message
                == "'tonight' is not a time Distill understands; use HH:MM (next occurrence), 'YYYY-MM-DD HH:MM' (local) or ISO-8601 such as 2026-11-27T22:00:00Z."
        )
        #expect(try ScheduleParser.parseWindow("22:00-6:00") == ("22:00", "06:00"))
    }
}
