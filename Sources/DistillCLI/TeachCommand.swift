// Copyright 2026 The Distill authors.

import ArgumentParser
import DistillService
import DistillStore
import Foundation

/// `distill teach NAME --labels CSV --kind KIND`: trains a MobileNet teacher on labelled images as a job, then stores
/// its outputs as teacher NAME.
///
/// The command writes a teach job file (the `teach:` section of the job format) and submits it like `distill
/// submit`, so checkpoints, resume, logs, cancel and the daemon all apply. Exit codes as `distill run`.
struct TeachCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "teach",
        abstract: "Train a teacher on labelled images (as a job), then store its outputs as a named teacher.",
        discussion: """
            The labels file is the evaluation-labels format: `url,class` or `distill dataset`'s \
            `url,split,class,class_name,<attribute columns…>`; `label` and `identity` name the class column too. \
            Rows whose split is `train` train the teacher; the others are held out for its evaluation (without \
            a split column, --holdout of the rows are held out). A logits teacher learns the classes \
            (cross-entropy), an attributes teacher the 0/1 attribute columns (per-attribute sigmoid), an \
            embedding teacher an L2-normalised --embedding-size vector with a triplet loss on the class or \
            identity. Training images get random resized crops and flips (flips off for attributes); \
            --no-crop and --no-flip turn them off.
            When training ends, the teacher's outputs for --outputs-for (default: every URL of the labels file) \
            are stored as teacher NAME with its held-out figure (top-1, mean AP or verification at FAR 1e-4); \
            `distill teacher show NAME` shows them. Until then the teacher is `training` and jobs cannot use it.
            Without --submit the job trains now, in the foreground (as `distill run`: Ctrl-C checkpoints and \
            pauses; `distill run JOB` continues). With --submit it is queued for `distill daemon`.
            Examples:
              distill teach fmnist-logits --labels fmnist/labels.csv --kind logits --alpha 1.0 --resolution 32 \\
                  --epochs 10 --allow-file-root fmnist
              distill teach faces --labels ids.csv --kind embedding --embedding-size 128 --submit
            """)

    @Argument(help: "The new teacher's name (unique in the database).")
    var name: String

    @Option(help: "The labels CSV (see the discussion).")
    var labels: String

    @Option(help: "logits (classes), attributes (0/1 attribute columns) or embedding (metric learning on identities).")
    var kind: TeacherKind

    @Option(help: "Width multiplier of the teacher MobileNet, in (0, 1].")
    var alpha = 1.0

    @Option(help: "Input resolution, 32…1024.")
    var resolution = 224

    @Option(help: "Training epochs.")
    var epochs = 10

    @Option(help: "Images per batch (at least 2).")
    var batch = 32

    @Option(help: "rmsprop, sgd or adam.")
    var optimizer = "adam"

    @Option(help: "Initial learning rate (cosine schedule).")
    var learningRate = 0.002

    @Option(help: "Embedding width (embedding teachers).")
    var embeddingSize: Int?

    @Option(help: "A URL list whose outputs become the teacher (default: every URL of the labels file).")
    var outputsFor: String?

    @Option(help: "Directory file:// URLs may read from (repeatable).")
    var allowFileRoot: [String] = []

    @Option(help: "Fraction of the rows held out for evaluation when the labels file has no split column.")
    var holdout = 0.1

    @Option(help: "Random seed (initialisation, data order, augmentation).")
    var seed = 1

    @Flag(help: "No random resized crops.")
    var noCrop = false

    @Flag(help: "No horizontal flips.")
    var noFlip = false

    @Flag(help: "Queue the job for `distill daemon` instead of training now.")
    var submit = false

    @Option(help: "OpenMP and decoding threads (default: all cores).")
    var threads: Int?

    @Flag(help: "Print the result as JSON.")
    var json = false

    @Flag(help: "No progress lines.")
    var quiet = false

    @OptionGroup var store: StoreOptions

    func validate() throws {
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ValidationError("The teacher name is empty; give a name such as fmnist-teacher.")
        }
        if let threads, !(1...1024).contains(threads) {
            throw ValidationError("--threads \(threads) is outside 1…1024.")
        }
        if embeddingSize != nil, kind != .embedding {
            throw ValidationError("--embedding-size applies to --kind embedding only.")
        }
    }

    func run() async throws {
        let database = try store.open(transientRetrySeconds: StoreOptions.workerRetrySeconds)
        let job = try JobSubmitter(store: database).submit(yaml: jobFile(), file: "distill teach")
        if !quiet {
            FileHandle.standardError.write(
                Data("Submitted job \(job.id) (\(job.name)) to train teacher '\(name)'.\n".utf8))
        }
        if submit {
            print(json ? try Output.json(job) : "Job \(job.id) queued; `distill daemon` trains teacher '\(name)'.")
            return
        }
        let summary = try RunCommand.execute(
            database: database, jobID: job.id, threads: threads, maxSteps: nil, quiet: quiet)
        let teacher = try database.teacher(named: name)
        if json {
            struct Taught: Encodable {
                var job: RunExecutionSummary
                var teacher: Teacher
            }
            print(try Output.json(Taught(job: summary, teacher: teacher)))
            return
        }
        print(RunCommand.describe(summary))
        if teacher.status == .ready {
            print(TeacherShowCommand.describe(teacher))
        }
    }

    /// The teach job file this command submits: every setting written out, paths absolute.
    func jobFile() throws -> String {
        func quoted(_ text: String) -> String {
            // A JSON string is a YAML double-quoted scalar.
            let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
            return String(decoding: data, as: UTF8.self)
        }
        func absolute(_ path: String) -> String { StoreLocation.absolute(path) }
        var lines = [
            "name: \(quoted("teach-" + name))",
            "teacher: \(quoted(name))",
            "description: \(quoted("distill teach \(name) --kind \(kind.rawValue)"))",
            "teach:",
            "  kind: \(kind.rawValue)",
            "  labels: \(quoted(absolute(labels)))",
        ]
        if let outputsFor { lines.append("  outputs_for: \(quoted(absolute(outputsFor)))") }
        if let embeddingSize { lines.append("  embedding_size: \(embeddingSize)") }
        if !allowFileRoot.isEmpty {
            lines.append("images:")
            lines.append(
                "  allow_file_roots: [" + allowFileRoot.map { quoted(absolute($0)) }.joined(separator: ", ") + "]")
        }
        lines += [
            "evaluation:",
            "  holdout_fraction: \(holdout)",
            "students:",
            "  alpha: [\(alpha)]",
            "  resolution: [\(resolution)]",
            "training:",
            "  epochs: \(epochs)",
            "  batch_size: \(batch)",
            "  optimizer: \(quoted(optimizer))",
            "  learning_rate: \(learningRate)",
            "  seed: \(seed)",
        ]
        if noCrop { lines.append("  augment_crop: false") }
        if noFlip { lines.append("  augment_flip: false") }
        if let threads { lines.append("  threads: \(threads)") }
        return lines.joined(separator: "\n") + "\n"
    }
}
