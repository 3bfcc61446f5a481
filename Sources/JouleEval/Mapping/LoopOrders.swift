/// The loop orders the mapper tries at each level, and how an order is written down.
///
/// A level's loop order changes the counts only through, for each operand with a loop it
/// depends on there, which loops run inside its innermost such loop (they keep its tile
/// resident) and, for a sliding window, which dimension that innermost loop steps (it decides
/// the overlap reused): the operand's *signature* at the level (`ReuseAnalysis`). So the
/// orders worth trying are one per distinct set of signatures, and of those only the ones no
/// other order beats for every operand at once (more loops inside and the same innermost
/// dimension never cost more): a GEMM's three (M, N or K innermost), a convolution's up to
/// a dozen of the 5,040 orders of seven looping dimensions.
///
/// An order is written as an `Int` code (`code(_:)`): the dimensions running innermost,
/// innermost first, each loop of the level that is not listed outside them in dimension
/// order, as a constraints file's `permutation` reads. So a level with a constrained
/// permutation has exactly one order, its own.
final class LoopOrders {
    /// The dimensions whose order is searched (`Problem.orderDimensions`: a GEMM's M, N, K),
    /// the others running outermost in dimension order.
    let dimensions: [Int]
    /// Each operand's dimensions as a bit mask, and whether it is a projection.
    private let relevance: [UInt32]
    private let projection: [Bool]
    /// Each level's constrained permutation (as its one choice), and the dimensions its
    /// `innermost` allows.
    private let permutations: [[Int]?]
    private let innermost: [Set<Int>?]
    /// The one choice of a level where the order cannot matter: the first searched dimension
    /// innermost.
    private let plain: [Int]
    private let levels: Int
    /// The choices found so far, by level (-1: the bound's unconstrained ones) and looping mask.
    private var memo: [Int: [Int]] = [:]

    /// Most dimensions a code lists, and the base it writes them in (dimension + 1 per digit).
    static let longest = 10
    private static let base = 64

    /// The orders of a problem under constraints on a hierarchy of `levels` levels.
    init(problem: Problem, constraints: MapspaceConstraints, levels: Int) {
        dimensions = problem.orderDimensions
        relevance = problem.operands.map(\.relevance)
        projection = problem.operands.map(\.isProjection)
        permutations = constraints.permutations(levels: levels).map { $0.map { [Self.code($0)] } }
        innermost = (0..<levels).map { constraints.levels[$0]?.innermost }
        plain = [Self.code([problem.orderDimensions.first ?? 0])]
        self.levels = levels
    }

    /// The code of an order that runs `innermostFirst` innermost, innermost first (at most
    /// `longest` of them).
    static func code(_ innermostFirst: [Int]) -> Int {
        var code = 0
        for d in innermostFirst.prefix(longest).reversed() { code = code * base + d + 1 }
        return code
    }

    /// The dimension a code runs innermost, or nil for dimension order.
    static func innermostDimension(_ code: Int) -> Int? { code > 0 ? code % base - 1 : nil }

    /// A level's temporal loops in nest order (outermost first) under an order code: each
    /// dimension whose bound there exceeds 1 and that the code does not list, in dimension
    /// order, then the listed ones from the last listed to the first (`bounds[i * dims + d]`).
    @inline(__always)
    static func loops(
        _ bounds: UnsafeBufferPointer<Int>, level i: Int, dims: Int, order code: Int, _ body: (Loop) -> Void
    ) {
        var listed: UInt64 = 0
        var rest = code
        while rest > 0 {
            listed |= 1 << UInt64(rest % base - 1)
            rest /= base
        }
        for d in 0..<dims where listed & (1 << UInt64(d)) == 0 && bounds[i * dims + d] > 1 {
            body(Loop(d, bounds[i * dims + d]))
        }
        // The listed dimensions, outermost (the code's highest digit) first.
        var digits = 0
        rest = code
        while rest > 0 {
            digits += 1
            rest /= base
        }
        var scale = 1
        for _ in 1..<max(1, digits) { scale *= base }
        while scale > 0 && digits > 0 {
            let d = (code / scale) % base - 1
            if bounds[i * dims + d] > 1 { body(Loop(d, bounds[i * dims + d])) }
            scale /= base
        }
    }

    /// Steps `orders` to the next combination of the levels' `choices`, as an odometer whose
    /// digit at each level (`digits`) indexes that level's choices; false once every
    /// combination has been given (the orders are then back at the first).
    @inline(__always)
    static func advance(
        _ orders: UnsafeMutableBufferPointer<Int>, digits: UnsafeMutableBufferPointer<Int>, choices: [[Int]]
    ) -> Bool {
        for level in choices.indices {
            digits[level] += 1
            if digits[level] < choices[level].count {
                orders[level] = choices[level][digits[level]]
                return true
            }
            digits[level] = 0
            orders[level] = choices[level][0]
        }
        return false
    }

    /// The orders the mapper tries at level i given a tiling's loop bounds there
    /// (`bounds[i * dims + d]`): the constrained permutation's; else one where fewer than two
    /// searched dimensions loop, or at the innermost level (its order changes no count: a
    /// level's loops only decide how often the levels below it refill); else the orders no
    /// other beats (see the type), those whose innermost dimension the level's `innermost`
    /// allows when any are.
    func choices(level i: Int, bounds: UnsafeBufferPointer<Int>, dims: Int) -> [Int] {
        if let permutation = permutations[i] { return permutation }
        var looping: UInt32 = 0
        for d in dimensions where bounds[i * dims + d] > 1 { looping |= 1 << UInt32(d) }
        guard i + 1 < levels, looping.nonzeroBitCount > 1 else {
            // One order does: the first searched dimension innermost, or, where the constraints
            // narrow the innermost level, the first allowed one that loops.
            guard i + 1 == levels, let allowed = innermost[i],
                let first = dimensions.first(where: { allowed.contains($0) && looping & (1 << UInt32($0)) != 0 })
            else { return plain }
            return [Self.code([first])]
        }
        return undominated(looping, key: i, allowed: innermost[i])
    }

    /// The orders the lower bound takes the least over at a level whose loops over `sure`
    /// dimensions (a mask) are known to run, whatever else runs: the constrained permutation,
    /// or the undominated orders of those dimensions, not narrowed by `innermost` (the
    /// mapper's order there, whatever it is, runs them in an order one of these matches or
    /// beats).
    func relaxedChoices(level i: Int, sure: UInt32) -> [Int] {
        if let permutation = permutations[i] { return permutation }
        let looping = dimensions.reduce(UInt32(0)) { sure & (1 << UInt32($1)) != 0 ? $0 | 1 << UInt32($1) : $0 }
        guard looping.nonzeroBitCount > 1 else { return plain }
        return undominated(looping, key: -1, allowed: nil)
    }

    /// The undominated orders of the `looping` dimensions (memoized under `key` and the mask),
    /// those with an allowed innermost dimension when any are.
    private func undominated(_ looping: UInt32, key: Int, allowed: Set<Int>?) -> [Int] {
        let memoKey = (key + 1) << 32 | Int(looping)
        if let known = memo[memoKey] { return known }
        let members = dimensions.filter { looping & (1 << UInt32($0)) != 0 }
        // Orders by how many dimensions they list innermost, shortest first, so each set of
        // signatures keeps its plainest order (one dimension innermost, the rest in order).
        // Listing more dimensions changes a signature only while some operand has none of its
        // own among them: once each has, the rest of the order keeps everything outside.
        let live = relevance.filter { $0 & looping != 0 }
        var found: [(code: Int, signature: [Signature])] = []
        var frontier: [(dimensions: [Int], mask: UInt32)] = [([], 0)]
        while !frontier.isEmpty {
            var next: [(dimensions: [Int], mask: UInt32)] = []
            for suffix in frontier {
                for d in members where suffix.mask & (1 << UInt32(d)) == 0 {
                    let listed = suffix.dimensions + [d]
                    let mask = suffix.mask | 1 << UInt32(d)
                    let signature = signatures(listed, members: members)
                    if !found.contains(where: { $0.signature == signature }) {
                        found.append((Self.code(listed), signature))
                    }
                    let open = live.contains { $0 & mask == 0 }
                    if open && listed.count + 1 < members.count && listed.count < Self.longest {
                        next.append((listed, mask))
                    }
                }
            }
            frontier = next
        }
        var kept = found
        if let allowed {
            let narrowed = kept.filter { entry in Self.innermostDimension(entry.code).map(allowed.contains) ?? false }
            if !narrowed.isEmpty { kept = narrowed }
        }
        let result = kept.filter { entry in
            !kept.contains { other in other.signature != entry.signature && Self.beats(other.signature, entry.signature)
            }
        }.map(\.code)
        memo[memoKey] = result
        return result
    }

    /// What an order keeps of one operand at a level: the dimensions looping inside its
    /// innermost relevant loop, and, for a sliding window, that loop's dimension; nil where no
    /// loop of the level is relevant to it.
    private struct Signature: Equatable {
        var inside: UInt32
        var first: Int
    }

    /// Each operand's signature under the order that runs `innermostFirst` innermost, the
    /// other `members` outside in dimension order.
    private func signatures(_ innermostFirst: [Int], members: [Int]) -> [Signature] {
        let outerFirst = members.filter { !innermostFirst.contains($0) } + innermostFirst.reversed()
        return relevance.indices.map { o in
            var inside: UInt32 = 0
            for d in outerFirst.reversed() {
                if relevance[o] & (1 << UInt32(d)) != 0 {
                    return Signature(inside: inside, first: projection[o] ? -1 : d)
                }
                inside |= 1 << UInt32(d)
            }
            return Signature(inside: 0, first: -2)
        }
    }

    /// Whether signatures `a` keep at least what `b` keep for every operand: the same
    /// innermost relevant dimension (for a sliding window) and at least the same loops inside.
    private static func beats(_ a: [Signature], _ b: [Signature]) -> Bool {
        zip(a, b).allSatisfy { x, y in x.first == y.first && x.inside & y.inside == y.inside }
    }
}
