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
        let digitsOnly = !trimmed.isEmpty && trimmed.allSatisfy(\.isASCIIDigit)
        switch self {
        case .agb:
            return digitsOnly && trimmed.count == 8 ? nil : "must have exactly 8 digits"
        case .ura:
            return digitsOnly && trimmed.count <= 8 ? nil : "must have 1 to 8 digits"
        case .uzi:
            return digitsOnly && trimmed.count == 9 ? nil : "must have exactly 9 digits"
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension String {
    var trimmingWhitespace: String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}
