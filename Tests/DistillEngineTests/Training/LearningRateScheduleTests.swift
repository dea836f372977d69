// Copyright 2026 The Distill authors.

import Testing

@testable import DistillEngine

@Suite("Learning-rate schedules")
struct LearningRateScheduleTests {
    @Test("constant schedule returns its rate at every step")
    func constant() {
        let schedule = LearningRateSchedule.constant(0.045)
        #expect([1, 2, 1000].map { schedule.rate(at: $0) } == [0.045, 0.045, 0.045])
    }

    @Test("step schedule multiplies by the factor every N steps")
    func step() {
        let schedule = LearningRateSchedule.step(initial: 1, every: 3, factor: 0.5)
        #expect((1...7).map { schedule.rate(at: $0) } == [1, 1, 1, 0.5, 0.5, 0.5, 0.25])
    }

    @Test("cosine schedule starts at the initial rate, passes the midpoint and ends at the floor")
    func cosine() {
        let schedule = LearningRateSchedule.cosine(initial: 1, floor: 0.1, totalSteps: 5)
        // progress (step − 1)/4: 0, ¼, ½, ¾, 1 → 0.1 + 0.9·½(1 + cos πp)
        let expected: [Float] = [1, 0.868_198, 0.55, 0.231_802, 0.1, 0.1]
        for (step, value) in zip(1...6, expected) {
            #expect(abs(schedule.rate(at: step) - value) < 1e-5, "step \(step)")
        }
    }

    @Test("linear warm-up ramps to the wrapped schedule's first rate, then hands over")
    func warmup() {
        let schedule = LearningRateSchedule.warmup(steps: 4, then: .step(initial: 0.8, every: 2, factor: 0.5))
        #expect((1...8).map { schedule.rate(at: $0) } == [0.2, 0.4, 0.6, 0.8, 0.8, 0.8, 0.4, 0.4])
        let cosine = LearningRateSchedule.warmup(steps: 2, then: .cosine(initial: 1, floor: 0, totalSteps: 3))
        #expect((1...6).map { cosine.rate(at: $0) } == [0.5, 1, 1, 0.5, 0, 0])
    }

    @Test("bad schedule settings are rejected with a message naming the value")
    func validation() throws {
        try LearningRateSchedule.warmup(steps: 5, then: .cosine(initial: 0.1, floor: 0, totalSteps: 100)).validate()
        #expect(throws: EngineError.self) { try LearningRateSchedule.constant(-1).validate() }
        #expect(throws: EngineError.self) {
            try LearningRateSchedule.cosine(initial: 1, floor: 0, totalSteps: 0).validate()
        }
        #expect(throws: EngineError.self) { try LearningRateSchedule.warmup(steps: 0, then: .constant(1)).validate() }
        do {
            try LearningRateSchedule.step(initial: 0.1, every: 10, factor: 2).validate()
            Issue.record("factor 2 accepted")
        } catch let error as EngineError {
            #expect(error.message == "learning-rate schedule: decay factor 2.0 must be in (0, 1], e.g. 0.1")
        }
    }
}
