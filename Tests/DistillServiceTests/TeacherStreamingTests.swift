// Copyright 2026 The Distill authors.
// The streamed teacher readers at their edges: read-buffer boundaries, CRLF, quotes, missing final
// line breaks, caps, and DecimalFloat against the C library's strtof.

import DistillStore
import Foundation
import Testing

@testable import DistillService

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Teacher import streaming")
struct TeacherStreamingTests {
    let directory: URL

    init() throws {
        directory = try temporaryDirectory()
    }

    /// Reads `text` as a `format` file through a reader whose buffer starts at `chunk` bytes.
    func table(_ text: String, _ format: TeacherFileFormat, chunk: Int, maxLine: Int = TeacherImportLimits.maxLineBytes)
        throws -> TeacherTable
    {
        let path = try write(Data(text.utf8), "t.\(format.rawValue)", in: directory)
        let reader = try ByteLineReader(path: path, what: "teacher file", chunk: chunk, maxLine: maxLine)
        var urls: [String] = []
        var values: [Float] = []
        let emit: (TeacherRowBatch) throws -> Void = { batch in
            urls += batch.urls
            values += batch.values
        }
        let dimension =
            format == .csv
            ? try CSVTeacherReader.read(reader, emit: emit) : try JSONLTeacherReader.read(reader, emit: emit)
        return TeacherTable(urls: urls, values: values, dimension: dimension)
    }

    static let chunks = [1, 2, 3, 5, 8, 13, 64, 4096]

    @Test(
        "CSV reads the same for any buffer size: CRLF, quotes across boundaries, long rows, no final newline",
        arguments: chunks)
    func csvAcrossBoundaries(chunk: Int) throws {
        let long = (0..<300).map { "\($0).5" }.joined(separator: ",")
        let shortRow = (0..<300).map { _ in "-1e-3" }.joined(separator: ",")
        let text =
            "url,a\r\n\"http://h/a,\"\"quoted\"\",b.jpg\",\(long)\r\n  \r\nhttp://h/c.jpg, \(shortRow)\n"
            + "\"http://h/d.jpg\",\(long)"
        let table = try table(text, .csv, chunk: chunk)
        #expect(table.urls == ["http://h/a,\"quoted\",b.jpg", "http://h/c.jpg", "http://h/d.jpg"])
        #expect(table.dimension == 300)
        let longValues = (0..<300).map { Float(Double($0) + 0.5) }
        #expect(table.values == longValues + [Float](repeating: -1e-3, count: 300) + longValues)
    }

    @Test(
        "JSONL reads the same for any buffer size, with escapes and odd spacing left to JSONDecoder",
        arguments: chunks)
    func jsonlAcrossBoundaries(chunk: Int) throws {
        let values = (0..<200).map { "\(Double($0) / 8)" }.joined(separator: ", ")
        let text =
            "{\"url\": \"http://h/1.jpg\", \"vector\": [\(values)]}\r\n\n"
            + "{ \"vector\" :[\(values)] , \"url\":\"http:\\/\\/h\\/2.jpg\" }\n"
            + "{\"url\": \"http://h/3.jpg\", \"vector\": [\(values)], \"extra\": 1}"
        let table = try table(text, .jsonl, chunk: chunk)
        #expect(table.urls == ["http://h/1.jpg", "http://h/2.jpg", "http://h/3.jpg"])
        let row = (0..<200).map { Float(Double($0) / 8) }
        #expect(table.values == row + row + row)
    }

    @Test("a CR, VT or FF inside a CSV line ends the line, as the String path always did")
    func csvOtherLineBreaks() throws {
        let table = try table("a,1,2\rb,3,4\u{0B}c,5,6\r\r\nd,7,8\n", .csv, chunk: 4096)
        #expect(table.urls == ["a", "b", "c", "d"])
        let error = #expect(throws: ServiceError.self) { try self.table("a,1,2\rb,x\n", .csv, chunk: 4096) }
        #expect(error?.message.hasSuffix("t.csv line 2: value 1 'x' is not a number.") == true)
    }

    @Test("the one-pass CSV line reads what the field split reads, and hands every odd line back to it")
    func csvOnePassAgreesWithSplit() throws {
        // Lines the one pass takes: values with spaces and tabs around them, signs, exponents, "1." and ".5".
        let plain = "h/a, 1.5 ,\t-2e-3\t,+7,1.,.5,-0\nh/b,0.000001,1e10,3.4e38,-1.25E+2,12345678901234567,0\n"
        let table = try table(plain, .csv, chunk: 4096)
        #expect(table.urls == ["h/a", "h/b"])
        let texts = [
            "1.5", "-2e-3", "+7", "1.", ".5", "-0", "0.000001", "1e10", "3.4e38", "-1.25E+2", "12345678901234567", "0",
        ]
        let expected = texts.map { strtof($0, nil) }
        #expect(table.values.map(\.bitPattern) == expected.map(\.bitPattern))
        // Lines it hands back to the split, which then reads them (quotes, "" inside) or says what is wrong,
        // word for word as before.
        let quoted = try self.table("url,v\nh/x,1\n\"h/a,b\",2\nh/\"q\",3\n", .csv, chunk: 4096)
        #expect(quoted.urls == ["h/x", "h/a,b", "h/\"q\""])
        #expect(quoted.values == [1, 2, 3])
        let cases: [(String, String)] = [
            ("h/a,1,2\nh/b,1,\n", "line 2: value 2 is empty; expected a number."),
            ("h/a,1,2\nh/b,1,2x\n", "line 2: value 2 '2x' is not a number."),
            ("h/a,1,2\nh/b,1 2,3\n", "line 2: value 1 '1 2' is not a number."),
            ("h/a,1,2\nh/b,1,1e\n", "line 2: value 2 '1e' is not a number."),
            (
                "h/a,1,2\nh/b,1,nan\n",
                "line 2: value 2 is NaN; teacher outputs must be finite numbers — fix the "
                    + "exporter or drop the row."
            ),
            (
                "h/a,1,2\nh/b,1,1e39\n",
                "line 2: value 2 is 1e+39, which overflows float32,; teacher outputs must be "
                    + "finite numbers — fix the exporter or drop the row."
            ),
            ("h/a,1,2\nh/b\n", "line 2: no values after the URL; expected a vector of numbers."),
        ]
        for (text, message) in cases {
            let error = #expect(throws: ServiceError.self) { try self.table(text, .csv, chunk: 4096) }
            #expect(error?.message.replacingOccurrences(of: directory.path + "/", with: "") == "t.csv " + message)
        }
    }

    @Test("JSONL numbers read in place: JSON's numbers exactly, and what JSON refuses decided by JSONDecoder")
    func jsonlNumbersInPlace() throws {
        let valid = ["-0", "0", "0.5", "10", "1E5", "-1.25e-3", "3.4e38", "123456.789"]
        let line = "{\"url\": \"h/a\", \"vector\": [\(valid.joined(separator: ", "))]}\n"
        let read = try table(line, .jsonl, chunk: 4096)
        #expect(read.values.map(\.bitPattern) == valid.map { strtof($0, nil).bitPattern })
        // Numbers DecimalFloat reads but JSON's grammar does not allow: the line goes to JSONDecoder, whose
        // verdict (an error, or its value) the reader must give.
        struct Row: Decodable { var url: String, vector: [Float] }
        for text in ["+1", ".5", "1.", "01", "-01", "1.e5", "-.5", "00.5"] {
            let line = "{\"url\": \"h/a\", \"vector\": [1, \(text)]}\n"
            if let decoded = try? JSONDecoder().decode(Row.self, from: Data(line.utf8)) {
                #expect(try self.table(line, .jsonl, chunk: 4096).values == decoded.vector, "\(text)")
            } else {
                let error = #expect(throws: ServiceError.self, "\(text)") { try self.table(line, .jsonl, chunk: 4096) }
                #expect(error?.message.contains("line 1 is not valid JSON") == true, "\(text)")
            }
        }
    }

    @Test("non-ASCII URLs take the String path and keep their text")
    func csvNonASCII() throws {
        let table = try table("https://例え.jp/猫.jpg,1,2\n\u{A0}https://h/ü.jpg\u{A0},3,4\n", .csv, chunk: 5)
        #expect(table.urls == ["https://例え.jp/猫.jpg", "https://h/ü.jpg"])
        #expect(table.values == [1, 2, 3, 4])
    }

    @Test("a line longer than the cap is refused with its number")
    func lineCap() throws {
        let error = #expect(throws: ServiceError.self) {
            try self.table("a,1,2\nb," + String(repeating: "1,", count: 40) + "1\n", .csv, chunk: 8, maxLine: 64)
        }
        #expect(
            error?.message.replacingOccurrences(of: directory.path + "/", with: "")
                == "t.csv line 2 is longer than 8 MiB without a line break; each row must be one line of at most 8 MiB "
                + "— check that the file is a CSV file with one row per line.")
    }

    @Test("rows with more than 65,536 values are refused", arguments: [TeacherFileFormat.csv, .jsonl])
    func dimensionCap(format: TeacherFileFormat) throws {
        let values = [String](repeating: "0", count: 65_537)
        let text =
            format == .csv
            ? "a," + values.joined(separator: ",") + "\n"
            : "{\"url\": \"a\", \"vector\": [" + values.joined(separator: ",") + "]}\n"
        let error = #expect(throws: ServiceError.self) { try self.table(text, format, chunk: 4096) }
        #expect(
            error?.message.replacingOccurrences(of: directory.path + "/", with: "")
                == "t.\(format.rawValue) line 1 has more than 65,536 values; a teacher vector holds at most 65,536 "
                + "values — check the delimiter and the exporter, or split the outputs into several teachers.")
        let fits = try table(
            format == .csv
                ? "a," + values.dropLast().joined(separator: ",") : text.replacingOccurrences(of: "[0,", with: "["),
            format, chunk: 4096)
        #expect(fits.dimension == 65_536)
    }

    @Test(".npy in Fortran order across several row blocks gives the C-order table")
    func npyFortranBlocks() throws {
        let rows = 1000
        let columns = 300
        let values = (0..<(rows * columns)).map { Double($0 % 977) - 488.25 }
        let urls = try write(Data((0..<rows).map { "u\($0)\n" }.joined().utf8), "urls.txt", in: directory)
        for fortran in [false, true] {
            let file = try write(
                npy(values, rows: rows, columns: columns, descr: "<f8", fortran: fortran), "t.npy", in: directory)
            let table = try TeacherImporter.read(.init(name: "n", kind: .logits, file: file, urlsFile: urls))
            #expect(table.values == values.map(Float.init))
            #expect(table.urls.count == rows)
        }
    }

    @Test(".npy headers that promise too much are refused before anything is reserved")
    func npyHeaderCaps() throws {
        let urls = try write(Data("u1\n".utf8), "urls.txt", in: directory)
        let store = try Store(path: directory.appendingPathComponent("t.db").path)
        let cases: [(Int, Int, String)] = [
            (
                Int.max, 2,
                "bad.npy header line: shape (9223372036854775807, 2) describes more bytes than any file can hold; "
                    + "the header is corrupt — export the array again with numpy.save."
            ),
            (
                1, 100_000,
                "bad.npy header line: shape (1, 100000) has 100000 values per row; a teacher vector holds at most "
                    + "65,536 values — check that rows are images (transpose the array if not)."
            ),
        ]
        for (rows, columns, message) in cases {
            var data = npy([], rows: 0, columns: 0)
            let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), \(columns)), }\n"
            data =
                data.prefix(8) + Data([UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
                + Data(header.utf8)
            let file = try write(data, "bad.npy", in: directory)
            let error = #expect(throws: ServiceError.self) {
                try TeacherImporter(store: store).importTeacher(
                    .init(name: "n", kind: .logits, file: file, urlsFile: urls))
            }
            #expect(error?.message.replacingOccurrences(of: directory.path + "/", with: "") == message)
        }
        #expect(try store.teachers().isEmpty)
    }

    @Test("a teacher file over 64 GiB is refused before it is read")
    func fileSizeCap() throws {
        let path = directory.appendingPathComponent("huge.csv").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data("a,1\n".utf8)))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: UInt64(TeacherImportLimits.maxFileBytes) + 1)  // sparse: no disk used
        try handle.close()
        let error = #expect(throws: ServiceError.self) {
            try TeacherImporter.read(.init(name: "n", kind: .logits, file: path))
        }
        #expect(
            error?.message.replacingOccurrences(of: directory.path + "/", with: "")
                == "huge.csv is 68719476737 bytes; teacher files may be at most 64 GiB (68719476736 bytes) — split "
                + "the outputs into several teachers or export them as float32 .npy (4 bytes a value).")
    }

    @Test("URL lists: CRLF, a lone CR, spaces and tabs, non-ASCII URLs, blank lines at the end")
    func urlListLines() throws {
        let path = try write(
            Data("  u1\t\r\nu2\ru3\r\n\u{A0}https://h/ü.jpg\u{2028}u5\n\n  \r\n".utf8), "urls.txt", in: directory)
        #expect(try TeacherImporter.readURLList(path) == ["u1", "u2", "u3", "https://h/ü.jpg", "u5"])
        let bad = try write(Data([0x75, 0x31, 0x0A, 0xFF, 0x0A]), "bad.txt", in: directory)
        let error = #expect(throws: ServiceError.self) { try TeacherImporter.readURLList(bad) }
        #expect(
            error?.message.replacingOccurrences(of: directory.path + "/", with: "")
                == "bad.txt is not UTF-8 text; expected one URL per line.")
    }

    // MARK: - DecimalFloat

    static func strtofOf(_ text: String) -> Float {
        text.withCString { strtof($0, nil) }
    }

    static func parse(_ text: String) -> Float? {
        Array(text.utf8).withUnsafeBufferPointer { bytes in
            bytes.baseAddress.flatMap { DecimalFloat.parse($0, count: bytes.count) }
        }
    }

    @Test("DecimalFloat agrees with strtof bit for bit on edge cases")
    func decimalFloatEdges() {
        let cases = [
            "0", "-0", "+0.000", "1", "-1", ".5", "5.", "+.5e1", "1e0", "1E+2", "00012.50", "0.1", "0.2", "0.3",
            "16777216", "16777217", "16777219", "33554431", "1e10", "1e11", "1e-10", "1.17549435e-38",
            "1.1754942e-38", "1.4e-45", "1.401298464324817e-45", "7.006492321624085e-46", "7.1e-46", "1e-45",
            "3.4028234663852886e38", "3.4028235e38", "3.40282346e38", "9999999999999999999", "0.9999999999999999999",
            "123456789012345678e-20", "4.7019774e-38", "8.589973e9", "8.589974e9", "1.00000005960464477539",
            "2.2250738585072014e-308", "1e-80", "9e-81",
        ]
        for text in cases {
            if let value = Self.parse(text) {
                #expect(value.bitPattern == Self.strtofOf(text).bitPattern, "\(text)")
            }
        }
        for rejected in [
            "", "-", ".", "e5", "1e", "1e+", "1.2.3", "1,5", "nan", "inf", "0x1p3", " 1", "1 ", "1e400",
            "3.5e38", "1234567890123456789012", "1e1000000",
        ] {
            #expect(Self.parse(rejected) == nil, "\(rejected)")
        }
        // Plain short decimals never need the slow path.
        #expect(Self.parse("-2.345678") == -2.345678)
        #expect(Self.parse("0.000001") == 1e-6)
    }

    @Test("DecimalFloat agrees with strtof bit for bit on 200,000 random decimals, near-ties included")
    func decimalFloatRandom() {
        var generator = SystemRandomNumberGenerator()
        var fallbacks = 0
        let total = 200_000
        for index in 0..<total {
            let text: String
            switch index % 4 {
            case 0:
                // Random digits with a random point and exponent.
                let digits = (0..<Int.random(in: 1...19, using: &generator)).map { _ in
                    String(Int.random(in: 0...9, using: &generator))
                }.joined()
                let point = Int.random(in: 0...digits.count, using: &generator)
                let mantissa = String(digits.prefix(point)) + "." + String(digits.dropFirst(point))
                text =
                    (Bool.random(using: &generator) ? "-" : "") + mantissa
                    + "e\(Int.random(in: -60...40, using: &generator))"
            case 1:
                // The shortest text of a random float, and of its neighbours' midpoints.
                let float = Float(bitPattern: UInt32.random(in: 0..<0x7F80_0000, using: &generator))
                text = "\(float)"
            case 2:
                let float = Float(bitPattern: UInt32.random(in: 0..<0x7F7F_FFFF, using: &generator))
                let midpoint = (Double(float) + Double(float.nextUp)) / 2
                text = String(format: "%.17g", midpoint)
            default:
                // Six-decimal logits, the common export.
                text = String(format: "%.6f", Double.random(in: -20...20, using: &generator))
            }
            guard let value = Self.parse(text) else {
                // Near-ties (case 2) fall back by design; the common shapes must not.
                if index % 2 == 1 { fallbacks += 1 }
                continue
            }
            #expect(value.bitPattern == Self.strtofOf(text).bitPattern, "\(text)")
        }
        // Shortest float texts and six-decimal logits almost never need the slow path.
        #expect(fallbacks < total / 1000, "\(fallbacks) fallbacks")
    }
}
