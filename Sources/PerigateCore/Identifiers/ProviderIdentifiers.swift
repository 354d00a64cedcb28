/// Format checks for care-provider identifiers (AGB, URA, UZI), as used by semantic rules.
public enum ProviderIdentifier: String, Sendable, CaseIterable {
    /// AGB code (Algemeen GegevensBeheer), exactly 8 digits. OID 2.16.840.1.113883.2.4.6.1.
    case agb
    /// URA (UZI-register abonneenummer) of an organisation, 1 to 8 digits. OID 2.16.528.1.1007.3.3.
    case ura
    /// UZI number of a person, exactly 9 digits. OID 2.16.528.1.1007.3.1.
    case uzi

    /// Why `text` is not a well-formed identifier of this type, or `nil` when it is.
    public func problem(with text: String) -> String? {
        let trimmed = text.trimmingWhitespace
        let count = trimmed.utf8.count
        let digitsOnly = count > 0 && trimmed.utf8.allSatisfy { $0 >= 48 && $0 <= 57 }
        switch self {
        case .agb:
            return digitsOnly && count == 8 ? nil : "must have exactly 8 digits"
        case .ura:
            return digitsOnly && count <= 8 ? nil : "must have 1 to 8 digits"
        case .uzi:
            return digitsOnly && count == 9 ? nil : "must have exactly 9 digits"
        }
    }
}

extension String {
    /// Without leading and trailing ASCII white space (fast path: unchanged when there is none).
    var trimmingWhitespace: String {
        func isSpace(_ byte: UInt8) -> Bool { byte == 32 || byte == 9 || byte == 10 || byte == 13 }
        guard let first = utf8.first, let last = utf8.last, isSpace(first) || isSpace(last) else { return self }
        let bytes = utf8.drop(while: isSpace)
        let end = bytes.lastIndex { !isSpace($0) }.map { bytes.index(after: $0) } ?? bytes.startIndex
        return String(decoding: bytes[bytes.startIndex..<end], as: UTF8.self)
    }
}
