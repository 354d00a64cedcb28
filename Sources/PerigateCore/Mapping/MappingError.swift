/// A message that cannot be mapped: not valid, or no mapper for its kind/version.
public struct MappingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `mapping.not-valid`, `mapping.no-mapper`, `mapping.missing-field`.
    public var code: String
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(message) [\(code)]" }
}
