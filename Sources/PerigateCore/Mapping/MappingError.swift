/// A message that cannot be mapped: not valid, or no mapper for its kind/version.
public struct MappingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, e.g. ``Code/noMapper``; its ``Code/rawValue`` is the stable string
    /// shown in reports (`mapping.no-mapper`).
    public var code: Code
    /// Human-readable explanation.
    public var message: String

    /// An error with `code` (a ``Code`` constant or its string) and `message`.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// `message [code]`.
    public var description: String { "\(message) [\(code)]" }
}
