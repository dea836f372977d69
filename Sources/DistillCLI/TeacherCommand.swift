// Copyright 2026 The Distill authors.

import ArgumentParser
import DistillService
import DistillStore
import Foundation

extension TeacherKind: ExpressibleByArgument {}
extension TeacherFileFormat: ExpressibleByArgument {}

/// `distill teacher …`: import, list and inspect teachers.
struct TeacherCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "teacher",
        abstract: "Import, list, inspect and delete teachers (teacher outputs keyed by image URL).",
        subcommands: [
            TeacherImportCommand.self, TeacherListCommand.self, TeacherShowCommand.self, TeacherDeleteCommand.self,
        ]
    )
}

struct TeacherImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a teacher's outputs from CSV, JSONL or NumPy .npy (all rows or none).",
        discussion: """
            CSV:   url,v1,...,vn per line (an optional first line starting with 'url' is a header).
            JSONL: {"url": "...", "vector": [v1, ..., vn]} per line.
            NPY:   a 2-D float32/float64 array (C or Fortran order) plus --urls, one URL per row.
            Every row needs a unique, non-empty URL and the same number of finite values.
            Example: distill teacher import face-attr-v3 --kind attributes --file outputs.npy --urls urls.txt
            """
    )

    @Argument(help: "The teacher's name (unique in the database).")
    var name: String

    @Option(help: "What the vectors are: logits (softmax classes), attributes (per-attribute logits) or embedding.")
    var kind: TeacherKind

    @Option(help: "The outputs file: .csv, .jsonl or .npy.")
    var file: String

    @Option(help: "URL list for a .npy file: one URL per line, line i for row i.")
    var urls: String?

    @Option(help: "The file format, when the extension does not tell: csv, jsonl or npy.")
    var format: TeacherFileFormat?

    @Flag(help: "Replace an existing teacher of the same name (refused while jobs use it).")
    var replace = false

    @Flag(help: "Print the stored teacher as JSON.")
    var json = false

    @Flag(help: "No progress line (it appears on standard error for imports longer than a second).")
    var quiet = false

    @OptionGroup var store: StoreOptions

    func validate() throws {
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ValidationError("The teacher name is empty; give a name such as face-attr-v3.")
        }
    }

    func run() throws {
        let importer = TeacherImporter(store: try store.open())
        let progress = ProgressLine(enabled: !quiet)
        defer { progress.finish() }
        let teacher = try importer.importTeacher(
            .init(name: name, kind: kind, file: file, urlsFile: urls, format: format, replace: replace),
            progress: progress.show)
        if json {
            print(try Output.json(teacher))
        } else {
            print(
                "Imported teacher '\(teacher.name)': \(teacher.outputCount) \(teacher.kind.rawValue) vectors "
                    + "of dimension \(teacher.dimension).")
        }
    }
}

struct TeacherListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the teachers in the database.")

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var store: StoreOptions

    func run() throws {
        let teachers = try store.open().teachers()
        if json {
            print(try Output.json(teachers))
        } else if teachers.isEmpty {
            print("No teachers yet; import one with `distill teacher import NAME --kind KIND --file FILE`.")
        } else {
            print(
                Output.table(
                    ["NAME", "KIND", "DIMENSION", "OUTPUTS", "STATUS", "HELD_OUT", "CREATED"],
                    teachers.map {
                        [
                            $0.name, $0.kind.rawValue, "\($0.dimension)", "\($0.outputCount)",
                            $0.status == .training ? "training (job \($0.trainedByJob ?? 0))" : $0.status.rawValue,
                            TeacherShowCommand.figure($0) ?? "-", $0.createdAt,
                        ]
                    }))
        }
    }
}

struct TeacherDeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete a teacher and its outputs (with its ended teach job, if Distill trained it).",
        discussion: """
            Refused while a distillation job uses the teacher (its results refer to it) or while the teach job \
            training it is queued, running or paused (cancel it first). A teacher trained by `distill teach` \
            goes with its teach job: runs, results, logs and checkpoint files. This frees the name of a teacher \
            whose training was cancelled or failed.
            Example: distill teacher delete fashion-teacher
            """)

    @Argument(help: "The teacher's name.")
    var name: String

    @Flag(help: "Print what was deleted as JSON.")
    var json = false

    @OptionGroup var store: StoreOptions

    func run() throws {
        let database = try store.open()
        let deleted = try database.deleteTeacher(named: name)
        // The records are gone; a checkpoint file that cannot be removed is only disk space, said on stderr.
        var removed = 0
        for path in deleted.checkpointPaths {
            let file = (database.location.dataDirectory as NSString).appendingPathComponent(path)
            do {
                try FileManager.default.removeItem(atPath: file)
                removed += 1
            } catch  where !FileManager.default.fileExists(atPath: file) {
                continue
            } catch {
                FileHandle.standardError.write(Data("warning: cannot remove checkpoint \(file): \(error)\n".utf8))
            }
        }
        // The job's checkpoint directories, once empty.
        let directories = Set(deleted.checkpointPaths.map { (($0 as NSString).deletingLastPathComponent) })
        for directory in directories where !directory.isEmpty {
            let path = (database.location.dataDirectory as NSString).appendingPathComponent(directory)
            if (try? FileManager.default.contentsOfDirectory(atPath: path))?.isEmpty == true {
                try? FileManager.default.removeItem(atPath: path)
            }
        }
        if json {
            struct Deleted: Encodable {
                var teacher: String
                var outputs: Int
                var teachJob: Int64?
                var checkpointFiles: Int
            }
            print(
                try Output.json(
                    Deleted(
                        teacher: deleted.teacher.name, outputs: deleted.teacher.outputCount,
                        teachJob: deleted.teachJob, checkpointFiles: removed)))
        } else {
            print(
                "Deleted teacher '\(deleted.teacher.name)' (\(deleted.teacher.outputCount) outputs)"
                    + (deleted.teachJob.map { ", its teach job \($0) and \(removed) checkpoint file(s)" } ?? "") + ".")
        }
    }
}

struct TeacherShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a teacher: kind, dimension, count and its first rows.")

    @Argument(help: "The teacher's name.")
    var name: String

    @Option(help: "How many rows to show.")
    var rows = 5

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var store: StoreOptions

    func validate() throws {
        guard rows >= 0 else { throw ValidationError("--rows must be 0 or more, got \(rows).") }
    }

    func run() throws {
        let database = try store.open()
        let teacher = try database.teacher(named: name)
        let sample = try database.teacherOutputs(teacherID: teacher.id, limit: rows)
        if json {
            struct Shown: Encodable {
                var teacher: Teacher
                var rows: [TeacherOutput]
            }
            print(try Output.json(Shown(teacher: teacher, rows: sample)))
            return
        }
        print(Self.describe(teacher))
        if !sample.isEmpty {
            print("")
            print(
                Output.table(
                    ["URL", "VECTOR"],
                    sample.map { output in
                        let shown = output.vector.prefix(6).map { String(format: "%.4g", $0) }.joined(separator: ", ")
                        return [output.url, "[" + shown + (output.vector.count > 6 ? ", …]" : "]")]
                    }))
        }
    }

    /// The teacher's fields, one per line.
    static func describe(_ teacher: Teacher) -> String {
        var lines = [
            "Teacher:   \(teacher.name)",
            "Kind:      \(teacher.kind.rawValue)",
            "Dimension: \(teacher.dimension)",
            "Outputs:   \(teacher.outputCount)",
        ]
        if let job = teacher.trainedByJob {
            lines.append(
                "Trained:   by `distill teach` (job \(job)); "
                    + (teacher.status == .training ? "training, not usable yet" : "ready"))
            if let figure = figure(teacher) { lines.append("Held out:  \(figure)") }
        } else {
            lines.append("Source:    \(teacher.sourceFile ?? "-")")
        }
        lines.append("Created:   \(teacher.createdAt)")
        return lines.joined(separator: "\n")
    }

    /// "top-1 0.9120 on 1000 images" for a trained teacher, nil for an imported one.
    static func figure(_ teacher: Teacher) -> String? {
        guard let evaluation = teacher.evaluation else { return nil }
        let figures: [(String, Double?)] = [
            ("top-1", evaluation.top1), ("mean AP", evaluation.meanAP),
            ("verification at FAR 1e-4", evaluation.verification),
        ]
        guard let (name, value) = figures.first(where: { $0.1 != nil }), let value else {
            return "no figure (\(evaluation.images) held-out images)"
        }
        return String(format: "%@ %.4f on %d images", name, value, evaluation.images)
    }
}
