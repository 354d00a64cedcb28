/// A typed error or issue code: a struct around the stable string that reports, problem bodies
/// and audit lines show (so codes can be added without breaking callers). Control flow compares
/// the constants; a code can be written as its string literal.
public protocol StableCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral
    where RawValue == String {
    init(rawValue: String)
}

extension StableCode {
    /// A code written as its stable string (`"mapping.no-mapper"`).
    public init(stringLiteral value: String) {
        self.init(rawValue: value)
    }

    /// The stable string.
    public var description: String { rawValue }
}
