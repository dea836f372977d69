// Copyright 2026 The Distill authors.

import DistillService
import DistillStore
import DistillTestSupport
import Foundation
import Testing

/// A fresh temporary directory, removed when the test process exits.
func temporaryDirectory() throws -> URL {
    URL(fileURLWithPath: try TemporaryDirectory.untilExit(prefix: "distill-svc-"))
}

/// Writes `contents` to `name` in `directory` and returns the path.
@discardableResult
func write(_ contents: Data, _ name: String, in directory: URL) throws -> String {
    let url = directory.appendingPathComponent(name)
    try contents.write(to: url)
    return url.path
}

/// A NumPy .npy file (format 1.0) built byte by byte.
func npy(_ values: [Double], rows: Int, columns: Int, descr: String = "<f4", fortran: Bool = false, truncateBy: Int = 0)
    -> Data
{
    var header =
        "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': (\(rows), \(columns)), }"
    while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    var data = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
    data.append(UInt8(header.utf8.count & 0xFF))
    data.append(UInt8(header.utf8.count >> 8))
    data.append(contentsOf: Array(header.utf8))
    var ordered = values
    if fortran {
        ordered = (0..<columns).flatMap { column in (0..<rows).map { values[$0 * columns + column] } }
    }
    for value in ordered {
        switch descr {
        case "<f4": withUnsafeBytes(of: Float(value).bitPattern.littleEndian) { data.append(contentsOf: $0) }
        case ">f4": withUnsafeBytes(of: Float(value).bitPattern.bigEndian) { data.append(contentsOf: $0) }
        case "<f8": withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
        default: withUnsafeBytes(of: Int32(value).littleEndian) { data.append(contentsOf: $0) }
        }
    }
    return data.dropLast(truncateBy)
}

@Suite("Teacher import")
struct TeacherImportTests {
    let directory: URL
    let store: Store

    init() throws {
        directory = try temporaryDirectory()
        store = try Store(path: directory.appendingPathComponent("t.db").path)
    }

    func importFile(_ text: String, _ name: String, kind: TeacherKind = .logits, urls: String? = nil) throws -> Teacher
    {
        let path = try write(Data(text.utf8), name, in: directory)
        return try TeacherImporter(store: store).importTeacher(
            .init(name: "teacher", kind: kind, file: path, urlsFile: urls))
    }

    @Test("CSV with a header, quoted URLs and CRLF line ends")
    func csvWithHeader() throws {
        let teacher = try importFile(
            "url,c0,c1,c2\r\n\"http://h/a,b.jpg\",1,2,3\r\nhttp://h/c.jpg, -1.5e2 ,0,4\r\n\r\n", "t.csv")
        #expect(teacher.outputCount == 2 && teacher.dimension == 3)
        let rows = try store.teacherOutputs(teacherID: teacher.id)
        #expect(
            rows == [
                TeacherOutput(url: "http://h/a,b.jpg", vector: [1, 2, 3]),
                TeacherOutput(url: "http://h/c.jpg", vector: [-150, 0, 4]),
            ])
    }

    @Test("CSV without a header")
    func csvWithoutHeader() throws {
        let teacher = try importFile("file:///x/1.png,0.5,0.25\nfile:///x/2.png,1,1\n", "t.csv", kind: .attributes)
        #expect(teacher.outputCount == 2 && teacher.kind == .attributes)
    }

    @Test("JSONL lines")
    func jsonl() throws {
        let teacher = try importFile(
            "{\"url\": \"http://h/1.jpg\", \"vector\": [0.1, 0.2]}\n{\"vector\": [3, 4], \"url\": \"http://h/2.jpg\"}\n",
            "t.jsonl", kind: .embedding)
        let rows = try store.teacherOutputs(teacherID: teacher.id)
        #expect(rows.map(\.vector) == [[0.1, 0.2], [3, 4]])
    }

    @Test(
        ".npy float32 C order, float64 Fortran order and big-endian float32 give the same table",
        arguments: [("<f4", false), ("<f8", true), (">f4", false), ("<f4", true)])
    func npyVariants(descr: String, fortran: Bool) throws {
        let values: [Double] = [1, 2, 3, -4, 5.5, 6, 7, 8, 9.25]
        let file = try write(npy(values, rows: 3, columns: 3, descr: descr, fortran: fortran), "t.npy", in: directory)
        let urls = try write(Data("u1\nu2\nu3\n".utf8), "urls.txt", in: directory)
        let table = try TeacherImporter.read(.init(name: "n", kind: .logits, file: file, urlsFile: urls))
        #expect(table.urls == ["u1", "u2", "u3"])
        #expect(table.values == values.map(Float.init))
    }

    /// Each bad input and the exact message users see.
    static let badCSV: [(String, String)] = [
        (
            "a,1,2\nb,1\n",
            "bad.csv line 2: expected 2 values (as on line 1), found 1; every vector of a teacher must have the same length."
        ),
        (
            "a,1,2\nb,1,nan\n",
            "bad.csv line 2: value 2 is NaN; teacher outputs must be finite numbers — fix the exporter or drop the row."
        ),
        (
            "a,1,inf\n",
            "bad.csv line 1: value 2 is inf; teacher outputs must be finite numbers — fix the exporter or drop the row."
        ),
        (
            "a,1,1e40\n",
            "bad.csv line 1: value 2 is 1e+40, which overflows float32,; teacher outputs must be finite numbers — fix the exporter or drop the row."
        ),
        ("a,1,x2\n", "bad.csv line 1: value 2 'x2' is not a number."),
        ("a,1,\n", "bad.csv line 1: value 2 is empty; expected a number."),
        (",1,2\n", "bad.csv line 1: the URL is empty; every row needs the image URL it belongs to."),
        (
            "a,1,2\nb,3,4\na,5,6\n",
            "bad.csv line 3: URL a already appeared on line 1; each image needs exactly one vector."
        ),
        ("a\n", "bad.csv line 1: no values after the URL; expected a vector of numbers."),
        ("url,c0\n", "bad.csv holds no teacher outputs; expected lines of the form url,v1,...,vn."),
        ("a,1,2\n\"b,3", "bad.csv line 2: a quoted field is not closed; the file may be truncated."),
        ("", "bad.csv is empty; expected teacher outputs."),
    ]

    @Test("bad CSV files are refused with the line and the reason", arguments: badCSV)
    func badCSVRefused(text: String, message: String) throws {
        let error = #expect(throws: ServiceError.self) { try importFile(text, "bad.csv") }
        #expect(error?.message.replacingOccurrences(of: directory.path + "/", with: "") == message)
        #expect(error?.code == .invalidArgument)
        #expect(try store.teachers().isEmpty)
    }

    static let badJSONL: [(String, String)] = [
        (
            "{\"url\": \"a\", \"vector\": [1, 2]}\n{\"url\": \"b\", \"vector\": [1, 2",
            "bad.jsonl line 2 is not valid JSON (truncated line, NaN or a stray character?); expected one JSON object per line, {\"url\": \"...\", \"vector\": [...]}."
        ),
        (
            "{\"url\": \"a\", \"vector\": [1, NaN]}\n",
            "bad.jsonl line 1 is not valid JSON (truncated line, NaN or a stray character?); expected one JSON object per line, {\"url\": \"...\", \"vector\": [...]}."
        ),
        (
            "{\"url\": \"a\", \"vector\": [1, \"2\"]}\n",
            "bad.jsonl line 1: 'vector' has the wrong type; expected one JSON object per line, {\"url\": \"...\", \"vector\": [...]} with numbers only."
        ),
        ("{\"vector\": [1, 2]}\n", "bad.jsonl line 1: the object has no \"url\" key."),
        ("{\"url\": \"a\"}\n", "bad.jsonl line 1: the object has no \"vector\" key."),
        (
            "{\"url\": \"a\", \"vector\": [1, 2]}\n{\"url\": \"b\", \"vector\": [1, 2, 3]}\n",
            "bad.jsonl line 2: expected 2 values (as on line 1), found 3; every vector of a teacher must have the same length."
        ),
    ]

    @Test("bad JSONL files are refused with the line and the reason", arguments: badJSONL)
    func badJSONLRefused(text: String, message: String) throws {
        let error = #expect(throws: ServiceError.self) { try importFile(text, "bad.jsonl") }
        #expect(error?.message.replacingOccurrences(of: directory.path + "/", with: "") == message)
    }

    @Test("bad .npy files and URL lists are refused with the reason")
    func badNumpyRefused() throws {
        let urls3 = try write(Data("u1\nu2\nu3\n".utf8), "urls3.txt", in: directory)
        let urls2 = try write(Data("u1\nu2\n".utf8), "urls2.txt", in: directory)
        let gap = try write(Data("u1\n\nu3\n".utf8), "gap.txt", in: directory)
        let dup = try write(Data("u1\nu2\nu1\n".utf8), "dup.txt", in: directory)
        let cases: [(Data, String, String)] = [
            (
                npy([1, 2, 3, 4, 5, 6], rows: 3, columns: 2, truncateBy: 3), urls3,
                "bad.npy is truncated: its header promises 3x2 values (152 bytes) but the file has 149 bytes; export it again."
            ),
            (
                npy([1, 2, 3, 4, 5, 6], rows: 3, columns: 2), urls2,
                "urls2.txt lists 2 URLs but bad.npy has 3 rows; the URL list needs exactly one URL per row, in row order."
            ),
            (
                npy([1, 2, 3, 4, 5, 6], rows: 3, columns: 2), gap,
                "gap.txt line 2 is empty; list exactly one URL per line."
            ),
            (
                npy([1, 2, 3, 4, 5, 6], rows: 3, columns: 2), dup,
                "bad.npy row 3 (dup.txt line 3): URL u1 already appeared on row 1 (dup.txt line 1); each image needs exactly one vector."
            ),
            (
                npy([1, 2, .nan, 4, 5, 6], rows: 3, columns: 2), urls3,
                "bad.npy row 2 (urls3.txt line 2): value 1 is NaN; teacher outputs must be finite numbers — fix the exporter or drop the row."
            ),
            (
                // 3 rows of 20: the largest float32, subnormals and -0 are finite;
                // the infinity at value 17 of row 3 is reported, not the NaN after it.
                npy(
                    Array(repeating: 1, count: 20)
                        + [Double(Float.greatestFiniteMagnitude), -Double(Float.greatestFiniteMagnitude)]
                        + [Double(Float.leastNonzeroMagnitude), -0.0] + Array(repeating: 2, count: 16)
                        + Array(repeating: 3, count: 16) + [-.infinity, 4, .nan, 5],
                    rows: 3, columns: 20),
                urls3,
                "bad.npy row 3 (urls3.txt line 3): value 17 is -inf; teacher outputs must be finite numbers — fix the exporter or drop the row."
            ),
            (
                npy([1, 2, 3, 4, 5, 6], rows: 3, columns: 2, descr: "<i4"), urls3,
                "bad.npy holds dtype <i4; Distill reads float32 or float64 arrays — convert with .astype('float32')."
            ),
            (
                Data("hello".utf8), urls3,
                "bad.npy is not a NumPy .npy file (no \\x93NUMPY magic); save it with numpy.save."
            ),
        ]
        for (data, urls, message) in cases {
            let file = try write(data, "bad.npy", in: directory)
            let error = #expect(throws: ServiceError.self) {
                try TeacherImporter(store: store).importTeacher(
                    .init(name: "n", kind: .logits, file: file, urlsFile: urls))
            }
            #expect(error?.message.replacingOccurrences(of: directory.path + "/", with: "") == message)
        }
        let file = try write(npy([1, 2], rows: 1, columns: 2), "ok.npy", in: directory)
        let missing = #expect(throws: ServiceError.self) {
            try TeacherImporter(store: store).importTeacher(.init(name: "n", kind: .logits, file: file))
        }
        #expect(
            missing?.message.replacingOccurrences(of: directory.path + "/", with: "")
                == "ok.npy is a .npy array without URLs; pass --urls FILE listing one image URL per row.")
        #expect(try store.teachers().isEmpty)
    }

    @Test("a logits teacher needs at least two classes; unknown extensions need --format")
    func kindAndFormatChecks() throws {
        let error = #expect(throws: ServiceError.self) { try importFile("a,1\n", "one.csv") }
        #expect(
            error?.message.replacingOccurrences(of: directory.path + "/", with: "")
                == "one.csv has vectors of length 1; logits teachers need at least 2 classes (use --kind attributes for a single yes/no output)."
        )
        let format = #expect(throws: ServiceError.self) { try importFile("a,1,2\n", "t.txt") }
        #expect(
            format?.message.replacingOccurrences(of: directory.path + "/", with: "")
                == "Cannot tell the format of t.txt from its extension; name it .csv, .jsonl or .npy, or pass --format csv|jsonl|npy."
        )
    }
}
