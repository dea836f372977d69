// Copyright 2026 The Distill authors.

import Foundation
import Testing

@Suite("distill cost through the binary")
struct CostCommandTests {
    @Test("--measure adds engine-measured latency to the JSON report")
    func measureAddsLatency() throws {
        let sandbox = try Sandbox()
        let result = try sandbox.run([
            "cost", "--alpha", "0.25", "--resolution", "32", "--classes", "10", "--measure", "--batch", "4",
            "--threads", "1", "--repeats", "3", "--format", "json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let measured = object?["measured"] as? [String: Any]
        #expect(measured?["batch"] as? Int == 4)
        #expect(measured?["threads"] as? Int == 1)
        #expect((measured?["batch_one_milliseconds"] as? Double ?? 0) > 0)
        #expect((measured?["images_per_second"] as? Double ?? 0) > 0)
        let total = object?["total"] as? [String: Any]
        #expect(total != nil)
    }

    @Test("a width multiplier outside (0, 1] is a usage error naming the value")
    func badAlphaIsUsageError() throws {
        let result = try Sandbox().run(["cost", "--alpha", "1.5", "--resolution", "224"])
        #expect(result.status == 2)
        #expect(
            result.stderr.hasPrefix(
                "Error: alpha 1.5 is outside (0, 1]; use a width multiplier such as 1.0, 0.75, 0.5 or 0.25."))
    }
}
