/// A failure reported by GSL or LAPACKE, as a Swift error (GSL's aborting handler is off).
public struct NumericsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What failed.
    public var message: String
    public var description: String { message }

    /// An error with a message.
    public init(message: String) {
        self.message = message
    }
}
