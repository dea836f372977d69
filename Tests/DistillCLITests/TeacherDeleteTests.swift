// Copyright 2026 The Distill authors.
// `distill teacher delete`: refused while jobs use the teacher or train it; frees the name otherwise, and a
// trained teacher goes with its teach job and checkpoint files.

import Foundation
import Testing

@Suite("distill teacher delete")
struct TeacherDeleteTests {
    @Test("a teacher that jobs use is kept; an unused one is deleted and its name can be imported again")
    func importedTeachers() throws {
        let sandbox = try Sandbox()
        try sandbox.importFashionTeacher(limit: 16)
        try sandbox.writeFashionJob(name: "uses-fm", epochs: 1)
        #expect(try sandbox.run(["submit", "job.yaml"]).status == 0)
        let refused = try sandbox.run(["teacher", "delete", "fm"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("is used by job(s) 1 'uses-fm'"), "\(refused.stderr)")
        #expect(try sandbox.run(["teacher", "show", "fm"]).status == 0)

        let other = try sandbox.run(["teacher", "import", "spare", "--kind", "logits", "--file", "fm-teacher.csv"])
        #expect(other.status == 0, "\(other.stderr)")
        let deleted = try sandbox.run(["teacher", "delete", "spare", "--json"])
        #expect(deleted.status == 0, "\(deleted.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(deleted.stdout.utf8)) as? [String: Any] ?? [:]
        #expect(json["teacher"] as? String == "spare" && json["outputs"] as? Int == 32, "\(deleted.stdout)")
        #expect(try sandbox.run(["teacher", "show", "spare"]).status == 2)
        #expect(!(try sandbox.run(["teacher", "list"]).stdout.contains("spare")))
        let again = try sandbox.run(["teacher", "import", "spare", "--kind", "logits", "--file", "fm-teacher.csv"])
        #expect(again.status == 0, "\(again.stderr)")
        let unknown = try sandbox.run(["teacher", "delete", "nobody"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("No teacher named 'nobody'"), "\(unknown.stderr)")
    }

    @Test("a teacher in training is kept until its job is cancelled; a trained one goes with its job and files")
    func trainedTeachers() throws {
        let sandbox = try Sandbox()
        try sandbox.importFashionTeacher(limit: 16)
        let teach = [
            "teach", "taught", "--labels", "fm/labels.csv", "--kind", "logits", "--alpha", "0.25", "--resolution",
            "32", "--epochs", "1", "--batch", "8", "--allow-file-root", "fm", "--threads", "1", "--quiet",
        ]
        let queued = try sandbox.run(teach + ["--submit"])
        #expect(queued.status == 0, "\(queued.stderr)")
        let busy = try sandbox.run(["teacher", "delete", "taught"])
        #expect(busy.status == 2)
        #expect(busy.stderr.contains("is being trained by job 1 (queued); cancel it first"), "\(busy.stderr)")
        // The name is taken while the teacher exists, whatever became of its job.
        #expect(try sandbox.run(["cancel", "1"]).status == 0)
        #expect(try sandbox.run(teach + ["--submit"]).status == 2)
        let freed = try sandbox.run(["teacher", "delete", "taught"])
        #expect(freed.status == 0, "\(freed.stderr)")
        #expect(freed.stdout.contains("its teach job 1"), "\(freed.stdout)")
        #expect(try sandbox.run(["show", "1"]).status == 2, "the cancelled teach job went with its teacher")

        // Trained in the foreground this time: the teacher, its job and its checkpoint files all go.
        let trained = try sandbox.run(teach)
        #expect(trained.status == 0, "\(trained.stderr)")
        let checkpoints = sandbox.directory.appendingPathComponent("distill.db.data/checkpoints").path
        func files() -> Int {
            let walker = FileManager.default.enumerator(atPath: checkpoints)
            return (walker?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".ckpt") }.count
        }
        #expect(files() > 0, "the teach run wrote no checkpoint under \(checkpoints)")
        let gone = try sandbox.run(["teacher", "delete", "taught"])
        #expect(gone.status == 0, "\(gone.stderr)")
        #expect(files() == 0, "checkpoint files left under \(checkpoints)")
        #expect(!FileManager.default.fileExists(atPath: checkpoints + "/job2"), "the teach job's directory is left")
        #expect(try sandbox.run(["teacher", "show", "taught"]).status == 2)
        #expect(try sandbox.run(["teacher", "show", "fm"]).status == 0)
    }
}
