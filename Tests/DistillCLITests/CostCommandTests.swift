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
                "Error: alpha 1.5 is outside (0, 1] for mobilenet_v1; use a width multiplier such as 1.0, 0.75, 0.5 or 0.25."
            ))
    }

    @Test("--architecture counts V2 and V3 (the papers' networks at 1.0-224), and bench train times them")
    func laterArchitectures() throws {
        let sandbox = try Sandbox()
        let small = try sandbox.run([
            "cost", "--architecture", "mobilenet_v3_small", "--alpha", "1", "--resolution", "224", "--format", "json",
        ])
        #expect(small.status == 0, "\(small.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(small.stdout.utf8)) as? [String: Any]
        #expect(object?["architecture"] as? String == "mobilenet_v3_small")
        #expect((object?["total"] as? [String: Any])?["multiplyAdds"] as? Int == 56_510_400)
        let v2 = try sandbox.run(["cost", "--architecture", "mobilenet_v2", "--alpha", "1", "--resolution", "224"])
        #expect(v2.status == 0, "\(v2.stderr)")
        #expect(v2.stdout.hasPrefix("MobileNet V2, alpha 1.0, resolution 224, 1000 outputs"))
        #expect(v2.stdout.contains("block17.project"))
        let unknown = try sandbox.run(["cost", "--architecture", "resnet", "--alpha", "1", "--resolution", "224"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("--architecture resnet is unknown; use one of mobilenet_v1, mobilenet_v2"))

        let bench = try sandbox.run([
            "bench", "train", "--architecture", "mobilenet_v3_large", "--alpha", "0.35", "--resolution", "32",
            "--batch", "4", "--outputs", "10", "--steps", "1", "--threads", "1",
        ])
        #expect(bench.status == 0, "\(bench.stderr)")
        #expect(bench.stdout.hasPrefix("MobileNet V3-Large α0.35/32, batch 4"))
        #expect(bench.stdout.contains("\"architecture\":\"mobilenet_v3_large\""))
    }
}
