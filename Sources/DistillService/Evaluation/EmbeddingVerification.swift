// Copyright 2026 The Distill authors.
//
// Face-verification style evaluation of embeddings. Shapes: N samples, D embedding dimensions,
// row-major; identities (N).

/// Verification accuracy at a fixed false-accept rate, and distance to the teacher's embeddings.
///
/// Every unordered pair of distinct samples `(i, j)` is a *same* pair when their identities match
/// and a *different* pair otherwise. A pair is accepted ("same person") when the Euclidean distance
/// of its embeddings is below a threshold τ. Let `d₁ ≤ d₂ ≤ … ≤ d_M` be the distances of the M
/// different pairs and `k = ⌊target · M⌋` the number of false accepts the target allows. Then
/// ```
/// τ   = d_{k+1}            (no threshold when k ≥ M: every pair is accepted)
/// FAR = #{different pairs with d < τ} / M   ≤ target
/// VAL = #{same pairs with d < τ} / #same pairs
/// ```
/// τ is the largest threshold of the form "accept iff d < τ" whose false-accept rate does not
/// exceed the target (ties at τ are all rejected). The reported accuracy is VAL, the validation
/// rate (FaceNet's "VAL at FAR = 10⁻⁴", the MobileNets paper's "1e-4 accuracy"). With fewer than
/// 1/target different pairs, k is 0 and no false accept is allowed.
public enum EmbeddingVerification {
    /// The outcome of a verification evaluation.
    public struct Result: Sendable, Equatable {
        /// VAL: the fraction of same-identity pairs accepted at the threshold.
        public var validationRate: Double
        /// The false-accept rate actually reached (≤ the target).
        public var falseAcceptRate: Double
        /// The distance threshold τ (pairs closer than it are accepted); `infinity` if all are accepted.
        public var threshold: Double
        /// The number of same-identity pairs.
        public var samePairs: Int
        /// The number of different-identity pairs.
        public var differentPairs: Int
    }

    /// Evaluates verification over all pairs at a target false-accept rate.
    ///
    /// - Parameters:
    ///   - embeddings: The embeddings, `(N, D)` row-major.
    ///   - identities: An identity per sample, `(N)`.
    ///   - dimension: `D`.
    ///   - falseAcceptRate: The target FAR in [0, 1) (the paper uses 1e-4).
    /// - Returns: VAL, the FAR reached, τ and the pair counts.
    /// - Throws: ``ServiceError`` (`invalidArgument`) for mismatched sizes, non-finite values, or a set
    ///   without both same and different pairs.
    /// - Complexity: O(N²·D) time; O(N + k) memory (the k + 1 smallest different distances are kept
    ///   in a heap).
    public static func evaluate(
        embeddings: [Float], identities: [Int], dimension: Int, falseAcceptRate: Double = 1e-4
    ) throws -> Result {
        let target = falseAcceptRate
        try check(embeddings, dimension: dimension, rows: identities.count, what: "verification")
        guard target >= 0, target < 1 else {
            throw ServiceError.invalid("verification: false-accept rate \(target) must be in [0, 1), e.g. 1e-4")
        }
        let count = identities.count
        var perIdentity: [Int: Int] = [:]
        for identity in identities { perIdentity[identity, default: 0] += 1 }
        let samePairs = perIdentity.values.reduce(0) { $0 + $1 * ($1 - 1) / 2 }
        let differentPairs = count * (count - 1) / 2 - samePairs
        guard samePairs > 0, differentPairs > 0 else {
            throw ServiceError.invalid(
                "verification: the evaluation set has \(samePairs) same-identity and \(differentPairs) "
                    + "different-identity pairs; it needs at least one of each (several images per identity)")
        }
        // k allowed false accepts; the small epsilon guards against 1e-4 · M landing just below an integer.
        let allowed = Int((target * Double(differentPairs) + 1e-9).rounded(.down))
        // Squared distances are compared (same order as distances).
        var threshold = Double.infinity
        if allowed < differentPairs {
            var heap = MaxHeap(capacity: allowed + 1)
            for i in 0..<count {
                for j in (i + 1)..<count where identities[i] != identities[j] {
                    heap.offer(squaredDistance(embeddings, i, j, dimension))
                }
            }
            threshold = heap.maximum
        }
        var sameAccepted = 0, differentAccepted = 0
        for i in 0..<count {
            for j in (i + 1)..<count {
                let distance = squaredDistance(embeddings, i, j, dimension)
                guard distance < threshold else { continue }
                if identities[i] == identities[j] { sameAccepted += 1 } else { differentAccepted += 1 }
            }
        }
        return Result(
            validationRate: Double(sameAccepted) / Double(samePairs),
            falseAcceptRate: Double(differentAccepted) / Double(differentPairs),
            threshold: threshold.squareRoot(), samePairs: samePairs, differentPairs: differentPairs)
    }

    /// The mean over samples of the squared Euclidean distance between student and teacher embeddings.
    ///
    /// - Parameters:
    ///   - student: Student embeddings, `(N, D)` row-major.
    ///   - teacher: Teacher embeddings, `(N, D)` row-major.
    ///   - dimension: `D`.
    /// - Returns: `(1/N) Σ ‖s − t‖²` (0 for an empty set).
    /// - Throws: ``ServiceError`` (`invalidArgument`) for mismatched sizes or non-finite values.
    public static func meanSquaredDistance(student: [Float], teacher: [Float], dimension: Int) throws -> Double {
        guard dimension > 0 else {
            throw ServiceError.invalid("mean squared distance: dimension \(dimension) must be ≥ 1")
        }
        let rows = teacher.count / dimension
        try check(student, dimension: dimension, rows: rows, what: "mean squared distance (student)")
        try check(teacher, dimension: dimension, rows: rows, what: "mean squared distance (teacher)")
        guard rows > 0 else { return 0 }
        var total = 0.0
        for (s, t) in zip(student, teacher) {
            let difference = Double(s) - Double(t)
            total += difference * difference
        }
        return total / Double(rows)
    }

    // MARK: - Helpers

    private static func check(_ values: [Float], dimension: Int, rows: Int, what: String) throws {
        guard dimension > 0, values.count == rows * dimension else {
            throw ServiceError.invalid(
                "\(what): \(values.count) values do not form \(rows) embeddings of dimension \(dimension); "
                    + "pass (samples × dimension) values")
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw ServiceError.invalid(
                "\(what): value \(bad % dimension) of sample \(bad / dimension) is \(values[bad]); "
                    + "embeddings must be finite (did training diverge?)")
        }
    }

    private static func squaredDistance(_ values: [Float], _ i: Int, _ j: Int, _ dimension: Int) -> Double {
        var sum: Float = 0
        let a = i * dimension, b = j * dimension
        for index in 0..<dimension {
            let difference = values[a + index] - values[b + index]
            sum += difference * difference
        }
        return Double(sum)
    }

    /// Keeps the `capacity` smallest values offered; `maximum` is the largest of them.
    private struct MaxHeap {
        private var items: [Double] = []
        private let capacity: Int

        init(capacity: Int) {
            self.capacity = capacity
            items.reserveCapacity(capacity)
        }

        var maximum: Double { items.first ?? .infinity }

        mutating func offer(_ value: Double) {
            if items.count < capacity {
                items.append(value)
                var child = items.count - 1
                while child > 0 {
                    let parent = (child - 1) / 2
                    guard items[parent] < items[child] else { break }
                    items.swapAt(parent, child)
                    child = parent
                }
            } else if let top = items.first, value < top {
                items[0] = value
                var parent = 0
                while true {
                    let left = 2 * parent + 1, right = left + 1
                    var largest = parent
                    if left < items.count, items[left] > items[largest] { largest = left }
                    if right < items.count, items[right] > items[largest] { largest = right }
                    if largest == parent { break }
                    items.swapAt(parent, largest)
                    parent = largest
                }
            }
        }
    }
}
