// Copyright 2026 The Distill authors.
// Teacher files that declare absurd sizes: the real binary refuses them with exit 2, the file and the
// line, before reserving memory for them, and the database stays empty.

import Foundation
import Testing

@Suite("distill teacher import refuses oversized teacher files")
struct TeacherImportLimitTests {
    let sandbox: Sandbox

    init() throws {
        sandbox = try Sandbox()
    }

    /// A .npy file whose header declares `shape` and holds no data.
    func writeNumpyHeader(shape: String, to name: String) throws {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var data = Data([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        data.append(contentsOf: [UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        data.append(contentsOf: Array(header.utf8))
        try data.write(to: sandbox.directory.appendingPathComponent(name))
    }

    func expectNothingStored() throws {
        let list = try sandbox.run(["teacher", "list", "--json"])
        #expect(list.status == 0)
        let teachers = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [Any]
        #expect(teachers?.isEmpty == true)
    }

    @Test("a .npy shape whose byte count overflows Int exits 2 naming the file's header line")
    func numpyShapeOverflow() throws {
        try writeNumpyHeader(shape: "(9223372036854775807, 2)", to: "huge.npy")
        try sandbox.write("u1\n", to: "urls.txt")
        let result = try sandbox.run(
            ["teacher", "import", "t", "--kind", "logits", "--file", "huge.npy", "--urls", "urls.txt"])
        #expect(result.status == 2)
        #expect(
            result.stderr
                == "error: huge.npy header line: shape (9223372036854775807, 2) describes more bytes than any file "
                + "can hold; the header is corrupt — export the array again with numpy.save.\n")
        try expectNothingStored()
    }

    @Test("a .npy row of a trillion values exits 2 before anything is reserved")
    func numpyHugeDimension() throws {
        try writeNumpyHeader(shape: "(1, 1000000000000)", to: "wide.npy")
        try sandbox.write("u1\n", to: "urls.txt")
        let result = try sandbox.run(
            ["teacher", "import", "t", "--kind", "logits", "--file", "wide.npy", "--urls", "urls.txt"])
        #expect(result.status == 2)
        #expect(
            result.stderr
                == "error: wide.npy header line: shape (1, 1000000000000) has 1000000000000 values per row; a teacher "
                + "vector holds at most 65,536 values — check that rows are images (transpose the array if not).\n")
        try expectNothingStored()
    }

    @Test("a CSV row of 100,000 values exits 2 naming the file and the line; earlier rows are not kept")
    func csvHugeDimension() throws {
        let wide = (0..<100_000).map { _ in "0.5" }.joined(separator: ",")
        try sandbox.write("url,a,b\nhttp://h/1.jpg,1,2\nhttp://h/2.jpg,\(wide)\n", to: "wide.csv")
        let result = try sandbox.run(["teacher", "import", "t", "--kind", "logits", "--file", "wide.csv"])
        #expect(result.status == 2)
        #expect(
            result.stderr
                == "error: wide.csv line 3 has more than 65,536 values; a teacher vector holds at most 65,536 values "
                + "— check the delimiter and the exporter, or split the outputs into several teachers.\n")
        try expectNothingStored()
    }

    @Test("a 9 MiB line without a line break exits 2 naming the file and the line")
    func csvEndlessLine() throws {
        let endless = "http://h/1.jpg," + String(repeating: "1", count: 9 << 20)
        try sandbox.write("url,a\n\(endless)", to: "endless.csv")
        let result = try sandbox.run(["teacher", "import", "t", "--kind", "logits", "--file", "endless.csv"])
        #expect(result.status == 2)
        #expect(
            result.stderr
                == "error: endless.csv line 2 is longer than 8 MiB without a line break; each row must be one line of "
                + "at most 8 MiB — check that the file is a CSV file with one row per line.\n")
        try expectNothingStored()
    }
}
