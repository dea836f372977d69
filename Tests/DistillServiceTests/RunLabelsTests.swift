// Copyright 2026 The Distill authors.

import DistillService
import Testing

@Suite("distill run: evaluation labels files")
struct RunLabelsTests {
    @Test("the distill dataset format gives split, class and attribute columns")
    func datasetFormat() throws {
        let labels = try EvaluationLabels.parse(
            "url,split,class,class_name,top,carry\nfile:///a.png,test,2,Pullover,1,0\r\nfile:///b.png,train,8,Bag,0,1\n",
            file: "labels.csv")
        #expect(labels.attributeNames == ["top", "carry"])
        #expect(labels.entries.map(\.url) == ["file:///a.png", "file:///b.png"])
        #expect(labels.entries.map(\.classIndex) == [2, 8])
        #expect(labels.entries.map(\.attributes) == [[1, 0], [0, 1]])
        #expect(labels.entries.filter(EvaluationLabels.isEvaluation).map(\.url) == ["file:///a.png"])
    }

    @Test("plain url,class lines, with or without a header; quoted URLs may hold commas")
    func plainFormat() throws {
        for text in [
            "url,class\nhttp://x/1.jpg,3\n\"http://x/a,b.jpg\",0\n", "http://x/1.jpg,3\n\"http://x/a,b.jpg\",0\n",
        ] {
            let labels = try EvaluationLabels.parse(text, file: "l.csv")
            #expect(labels.entries.map(\.url) == ["http://x/1.jpg", "http://x/a,b.jpg"])
            #expect(labels.entries.map(\.classIndex) == [3, 0])
            #expect(labels.attributeNames.isEmpty && labels.entries.allSatisfy { $0.split == nil })
        }
    }

    @Test("`label` and `identity` are synonyms of `class`; identities may be names, numbered by first appearance")
    func classSynonyms() throws {
        let labelled = try EvaluationLabels.parse("url,label,top\nhttp://x/1.jpg,4,1\nhttp://x/2.jpg,0,0\n", file: "l.csv")
        #expect(labelled.entries.map(\.classIndex) == [4, 0])
        #expect(labelled.attributeNames == ["top"])
        let people = try EvaluationLabels.parse(
            "url,identity\nhttp://x/a.jpg,ada\nhttp://x/b.jpg,alan\nhttp://x/c.jpg,ada\nhttp://x/d.jpg,17\n",
            file: "faces.csv")
        #expect(people.entries.map(\.classIndex) == [0, 1, 0, 2])
        #expect(people.attributeNames.isEmpty)
        // With several, `class` wins, then `label`; the other is not read (and is no attribute).
        let both = try EvaluationLabels.parse("url,class,label\nhttp://x/1.jpg,3,1\n", file: "l.csv")
        #expect(both.entries.map(\.classIndex) == [3] && both.attributeNames.isEmpty)
    }

    @Test(
        "bad labels are refused with the file, the line and the value",
        arguments: [
            (
                "url,class\nhttp://x/1.jpg,cat\n",
                "l.csv line 2: the class is 'cat'; give a class index ≥ 0 (`url,class`)."
            ),
            ("http://x/1.jpg\n", "l.csv line 1: the class is nothing; give a class index ≥ 0 (`url,class`)."),
            (
                "url,class,top\nhttp://x/1.jpg,1,2\n",
                "l.csv line 2: attribute column 3 'top' is '2' but attribute columns hold 0 or 1; the columns Distill "
                    + "reads are url, split, class (or label, identity), class_name and 0/1 attributes."
            ),
            ("\n", "The labels file l.csv is empty; give `url,class` lines."),
        ])
    func refused(text: String, message: String) {
        let error = #expect(throws: ServiceError.self) { try EvaluationLabels.parse(text, file: "l.csv") }
        #expect(error?.message == message)
    }
}
