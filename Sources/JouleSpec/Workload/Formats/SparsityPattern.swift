/// N:M structured weight sparsity: in every M consecutive weights along the reduction
/// dimension at most N are non-zero (2:4 on NVIDIA Ampere and Hopper sparse tensor cores).
///
/// A compressed N:M matrix stores the N kept values of each group of M and, per kept value,
/// its position in the group as a `ceil(log2 M)`-bit index. For 2:4 that is NVIDIA's layout:
/// "2-bit metadata per non-zero" (Mishra et al., "Accelerating Sparse Deep Neural Networks",
/// arXiv:2104.08378, 2021, §2 and Fig. 2; NVIDIA A100 Tensor Core GPU Architecture whitepaper,
/// 2020, "Fine-Grained Structured Sparsity"). For other N:M the same positional index is
/// assumed (an assumption: no shipped hardware defines their metadata).
public struct SparsityPattern: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Kept values per group.
    public var n: Int
    /// Group size along the reduction dimension.
    public var m: Int

    /// A pattern; `1 <= n < m` (checked by `init(parsing:)`).
    public init(n: Int, m: Int) {
        self.n = n
        self.m = m
    }

    /// NVIDIA's fine-grained structured sparsity.
    public static let twoFour = SparsityPattern(n: 2, m: 4)

    /// The fraction of weights kept, N/M.
    public var density: Double { Double(n) / Double(m) }

    /// Metadata bits stored per kept value: the index of its position in the group,
    /// `ceil(log2 M)` (2 for 2:4).
    public var indexBits: Int {
        var bits = 0
        while 1 << bits < m { bits += 1 }
        return bits
    }

    /// `2:4`.
    public var description: String { "\(n):\(m)" }

    public static func < (a: SparsityPattern, b: SparsityPattern) -> Bool { (a.m, a.n) < (b.m, b.n) }

    /// Why a pattern text could not be read.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Reads `N:M` (`2:4`, `1:4`, `4:8`) with whole numbers `1 <= N < M <= 256`.
    public init(parsing text: String) throws(ParseError) {
        let parts = text.trimmingWhitespace().split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let n = Int(parts[0]), let m = Int(parts[1]) else {
            throw ParseError(message: "expected a sparsity pattern N:M such as 2:4, found '\(text)'")
        }
        guard n >= 1, n < m, m <= 256 else {
            throw ParseError(message: "a sparsity pattern N:M needs 1 <= N < M <= 256, such as 2:4, found '\(text)'")
        }
        self.init(n: n, m: m)
    }
}
