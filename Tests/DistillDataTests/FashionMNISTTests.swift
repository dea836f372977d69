// Copyright 2026 The Distill authors.

import DistillData
import DistillTestSupport
import Foundation
import Testing

@Suite("Fashion-MNIST export")
struct FashionMNISTTests {
    /// Writes a tiny data set (3 training images, 2 test images, 2x3 pixels) in Debian's layout.
    private func makeSource(_ directory: String) throws -> (train: [UInt8], test: [UInt8]) {
        var random = TestRandom(seed: 21)
        let train = random.bytes(3 * 6)
        let test = random.bytes(2 * 6)
        try GzipFile.write(
            IDXFile.encode(dimensions: [3, 2, 3], bytes: train), to: directory + "/train-images-idx3-ubyte.gz")
        try GzipFile.write(
            IDXFile.encode(dimensions: [3], bytes: [9, 0, 8]), to: directory + "/train-labels-idx1-ubyte.gz")
        try GzipFile.write(
            IDXFile.encode(dimensions: [2, 2, 3], bytes: test), to: directory + "/t10k-images-idx3-ubyte.gz")
        try GzipFile.write(
            IDXFile.encode(dimensions: [2], bytes: [3, 5]), to: directory + "/t10k-labels-idx1-ubyte.gz")
        return (train, test)
    }

    @Test("attributes are the one-vs-rest indicators plus top, footwear, full_body and carry")
    func attributes() {
        #expect(FashionMNIST.attributeNames.count == 14)
        #expect(FashionMNIST.attributes(ofClass: 0) == [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0])
        #expect(FashionMNIST.attributes(ofClass: 3) == [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0])
        #expect(FashionMNIST.attributes(ofClass: 8) == [0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1])
        #expect(FashionMNIST.attributes(ofClass: 9) == [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0])
        #expect(FashionMNIST.attributes(ofClass: 1).suffix(4) == [0, 0, 0, 0])
    }

    @Test("export writes pixel-exact PNGs, labels.csv and urls.txt")
    func exportAll() throws {
        let source = try TemporaryDirectory()
        let output = try TemporaryDirectory()
        let pixels = try makeSource(source.path)
        let summary = try FashionMNIST.export(from: source.path, to: output.path, split: .all)
        #expect(summary.counts == ["train": 3, "test": 2])
        let labels = try String(contentsOfFile: summary.labelsPath, encoding: .utf8).split(separator: "\n")
        #expect(labels.count == 6)
        #expect(
            labels[0]
                == "url,split,class,class_name,t_shirt_top,trouser,pullover,dress,coat,sandal,shirt,sneaker,bag,ankle_boot,"
                + "top,footwear,full_body,carry")
        #expect(labels[1] == "file://\(output.path)/train/00000.png,train,9,Ankle boot,0,0,0,0,0,0,0,0,0,1,0,1,0,0")
        #expect(labels[4] == "file://\(output.path)/test/00000.png,test,3,Dress,0,0,0,1,0,0,0,0,0,0,0,0,1,0")
        let urls = try String(contentsOfFile: summary.urlsPath, encoding: .utf8).split(separator: "\n")
        #expect(urls.count == 5)
        #expect(urls[2] == "file://\(output.path)/train/00002.png")
        let decoded = try TestImages.decode(
            Array(try Data(contentsOf: URL(fileURLWithPath: output.path + "/test/00001.png"))))
        #expect(decoded.width == 3 && decoded.height == 2)
        #expect(decoded.pixels == pixels.test[6..<12].flatMap { [$0, $0, $0] })
    }

    @Test("--limit and --split restrict the export")
    func limitAndSplit() throws {
        let source = try TemporaryDirectory()
        let output = try TemporaryDirectory()
        _ = try makeSource(source.path)
        let summary = try FashionMNIST.export(from: source.path, to: output.path, split: .train, limit: 2)
        #expect(summary.counts == ["train": 2])
        #expect(!FileManager.default.fileExists(atPath: output.path + "/test"))
        #expect(!FileManager.default.fileExists(atPath: output.path + "/train/00002.png"))
    }

    @Test("a missing file is named with the package to install")
    func missing() throws {
        let source = try TemporaryDirectory()
        let output = try TemporaryDirectory()
        let error = #expect(throws: DataError.self) {
            _ = try FashionMNIST.export(from: source.path, to: output.path, split: .test)
        }
        #expect(error?.code == .missingInput)
        #expect(
            error?.message
                == "Fashion-MNIST file \(source.path)/t10k-images-idx3-ubyte.gz is missing; "
                + "install it with `sudo apt-get install dataset-fashion-mnist`.")
    }

    @Test("an IDX file whose header disagrees with its length is refused")
    func badIDX() {
        #expect(throws: DataError.self) { _ = try IDXFile([0, 0, 8, 1, 0, 0, 0, 5, 1, 2], name: "x") }
        #expect(throws: DataError.self) { _ = try IDXFile([1, 2, 3], name: "x") }
        #expect(throws: DataError.self) { _ = try IDXFile([0, 0, 0x0D, 1, 0, 0, 0, 1, 1], name: "x") }
    }

    @Test("Debian's real Fashion-MNIST exports its first test images with their real labels")
    func realData() throws {
        guard FileManager.default.fileExists(atPath: FashionMNIST.debianDirectory + "/t10k-labels-idx1-ubyte.gz") else {
            Issue.record("dataset-fashion-mnist is not installed; `make deps` installs it.")
            return
        }
        let output = try TemporaryDirectory()
        let summary = try FashionMNIST.export(to: output.path, split: .test, limit: 4)
        #expect(summary.counts == ["test": 4])
        let labels = try IDXFile(
            try GzipFile.read(FashionMNIST.debianDirectory + "/t10k-labels-idx1-ubyte.gz"), name: "labels")
        let images = try IDXFile(
            try GzipFile.read(FashionMNIST.debianDirectory + "/t10k-images-idx3-ubyte.gz"), name: "images")
        #expect(labels.dimensions == [10_000] && images.dimensions == [10_000, 28, 28])
        let rows = try String(contentsOfFile: summary.labelsPath, encoding: .utf8).split(separator: "\n").dropFirst()
        for (index, row) in rows.enumerated() {
            #expect(row.split(separator: ",")[2] == Substring(String(labels.bytes[index])))
        }
        let decoded = try TestImages.decode(
            Array(try Data(contentsOf: URL(fileURLWithPath: output.path + "/test/00003.png"))))
        #expect(decoded.pixels == images.bytes[(3 * 784)..<(4 * 784)].flatMap { [$0, $0, $0] })
    }
}
