/// A FHIR primitive element: its value (checked against the primitive type's lexical rule) and
/// its extensions (`<given value="Kim"><extension …/></given>`, JSON `_given`).
public struct FHIRPrimitive<Kind: FHIRPrimitiveKind>: Sendable, Hashable, Codable {
    public var value: String?
    public var extensions: [FHIR.Extension]?

    public init(_ value: String?, extensions: [FHIR.Extension]? = nil) {
        self.value = value
        self.extensions = extensions
    }

    private enum CodingKeys: String, CodingKey {
        case extensions = "extension"
    }

    public init(from decoder: any Decoder) throws {
        guard let tree = decoder as? FHIRTreeDecoder else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "FHIR primitives decode from FHIR trees only"))
        }
        value = tree.primitive(Kind.self)
        extensions = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent([FHIR.Extension].self, forKey: .extensions)
    }

    public func encode(to encoder: any Encoder) throws {
        guard let tree = encoder as? FHIRTreeEncoder else {
            throw EncodingError.invalidValue(self, .init(codingPath: encoder.codingPath, debugDescription: "FHIR primitives encode to FHIR trees only"))
        }
        tree.setPrimitive(value, kind: Kind.json)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(extensions, forKey: .extensions)
    }
}

extension FHIRPrimitive: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self.init(value) }
}

/// A FHIR primitive type: its name and lexical rule (https://hl7.org/fhir/STU3/datatypes.html).
public protocol FHIRPrimitiveKind: Sendable, Hashable {
    static var name: String { get }
    /// How JSON writes it.
    static var json: FHIRElement.Kind { get }
    /// Whether `text` is a lexically valid value.
    static func isValid(_ text: String) -> Bool
    /// Whether the value may be a relative test date (`${DATE, T, D, -13}`).
    static var isDate: Bool { get }
}

extension FHIRPrimitiveKind {
    public static var json: FHIRElement.Kind { .string }
    public static var isDate: Bool { false }
}

public enum StringKind: FHIRPrimitiveKind {
    public static let name = "string"
    public static func isValid(_ text: String) -> Bool { FHIRLexical.isString(text) }
}

public enum MarkdownKind: FHIRPrimitiveKind {
    public static let name = "markdown"
    public static func isValid(_ text: String) -> Bool { FHIRLexical.isString(text) }
}

public enum CodeKind: FHIRPrimitiveKind {
    public static let name = "code"
    public static func isValid(_ text: String) -> Bool { FHIRLexical.isCode(text) }
}

public enum URIKind: FHIRPrimitiveKind {
    public static let name = "uri"
    public static func isValid(_ text: String) -> Bool { !text.isEmpty && !text.unicodeScalars.contains { $0.properties.isWhitespace } }
}

public enum IDKind: FHIRPrimitiveKind {
    public static let name = "id"
    public static func isValid(_ text: String) -> Bool { FHIRLexical.isId(text) }
}

public enum BooleanKind: FHIRPrimitiveKind {
    public static let name = "boolean"
    public static let json = FHIRElement.Kind.boolean
    public static func isValid(_ text: String) -> Bool { text == "true" || text == "false" }
}

public enum IntegerKind: FHIRPrimitiveKind {
    public static let name = "integer"
    public static let json = FHIRElement.Kind.number
    public static func isValid(_ text: String) -> Bool { FHIRLexical.isInteger(text) && Int32(text) != nil }
}

public enum UnsignedIntKind: FHIRPrimitiveKind {
    public static let name = "unsignedInt"
    public static let json = FHIRElement.Kind.number
    public static func isValid(_ text: String) -> Bool { FHIRLexical.isInteger(text) && !text.hasPrefix("-") && Int32(text) != nil }
}

public enum PositiveIntKind: FHIRPrimitiveKind {
    public static let name = "positiveInt"
    public static let json = FHIRElement.Kind.number
    public static func isValid(_ text: String) -> Bool { FHIRLexical.isInteger(text) && (Int32(text) ?? 0) > 0 }
}

public enum DecimalKind: FHIRPrimitiveKind {
    public static let name = "decimal"
    public static let json = FHIRElement.Kind.number
    public static func isValid(_ text: String) -> Bool { FHIRLexical.isDecimal(text) }
}

public enum DateKind: FHIRPrimitiveKind {
    public static let name = "date"
    public static let isDate = true
    public static func isValid(_ text: String) -> Bool { FHIRLexical.isDateTime(text, time: .never) }
}

public enum DateTimeKind: FHIRPrimitiveKind {
    public static let name = "dateTime"
    public static let isDate = true
    public static func isValid(_ text: String) -> Bool { FHIRLexical.isDateTime(text, time: .optional) }
}

public enum InstantKind: FHIRPrimitiveKind {
    public static let name = "instant"
    public static let isDate = true
    public static func isValid(_ text: String) -> Bool { FHIRLexical.isDateTime(text, time: .required) }
}

public enum TimeKind: FHIRPrimitiveKind {
    public static let name = "time"
    public static func isValid(_ text: String) -> Bool { FHIRLexical.isTime(Array(text.utf8)[...]) }
}

public enum Base64Kind: FHIRPrimitiveKind {
    public static let name = "base64Binary"
    public static func isValid(_ text: String) -> Bool {
        let compact = text.utf8.filter { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }
        return compact.count % 4 == 0 && compact.allSatisfy { FHIRLexical.isAlphanumeric($0) || $0 == UInt8(ascii: "+")
            || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "=") }
    }
}

public typealias FHIRString = FHIRPrimitive<StringKind>
public typealias FHIRMarkdown = FHIRPrimitive<MarkdownKind>
public typealias FHIRCode = FHIRPrimitive<CodeKind>
public typealias FHIRURI = FHIRPrimitive<URIKind>
public typealias FHIRId = FHIRPrimitive<IDKind>
public typealias FHIRBoolean = FHIRPrimitive<BooleanKind>
public typealias FHIRInteger = FHIRPrimitive<IntegerKind>
public typealias FHIRUnsignedInt = FHIRPrimitive<UnsignedIntKind>
public typealias FHIRPositiveInt = FHIRPrimitive<PositiveIntKind>
public typealias FHIRDecimal = FHIRPrimitive<DecimalKind>
public typealias FHIRDate = FHIRPrimitive<DateKind>
public typealias FHIRDateTime = FHIRPrimitive<DateTimeKind>
public typealias FHIRInstant = FHIRPrimitive<InstantKind>
public typealias FHIRTime = FHIRPrimitive<TimeKind>
public typealias FHIRBase64 = FHIRPrimitive<Base64Kind>

/// The lexical rules of FHIR STU3's primitive types, on ASCII bytes (no regular expressions:
/// they run for every value of every message).
enum FHIRLexical {
    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    /// string: not empty, no control characters other than tab, CR, LF.
    static func isString(_ text: String) -> Bool {
        !text.isEmpty && !text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\t" && $0 != "\n" && $0 != "\r" }
    }

    /// code: `[^\s]+(\s[^\s]+)*`.
    static func isCode(_ text: String) -> Bool {
        guard isString(text), let first = text.unicodeScalars.first, let last = text.unicodeScalars.last,
              !first.properties.isWhitespace, !last.properties.isWhitespace else { return false }
        var previousSpace = false
        for scalar in text.unicodeScalars {
            let space = scalar.properties.isWhitespace
            if space && previousSpace { return false }
            previousSpace = space
        }
        return true
    }

    /// id: `[A-Za-z0-9\-\.]{1,64}`.
    static func isId(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return (1...64).contains(bytes.count) && bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }
    }

    /// integer: `-?([0]|([1-9][0-9]*))`.
    static func isInteger(_ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        if bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        guard let first = bytes.first, bytes.allSatisfy(isDigit) else { return false }
        return first != UInt8(ascii: "0") || bytes.count == 1
    }

    /// decimal: `-?([0]|([1-9][0-9]*))(\.[0-9]+)?` (JSON's exponent is not allowed in STU3).
    static func isDecimal(_ text: String) -> Bool {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard isInteger(String(parts[0])) || parts[0] == "-0" else { return false }
        guard parts.count == 2 else { return true }
        return !parts[1].isEmpty && parts[1].utf8.allSatisfy(isDigit)
    }

    enum TimePart { case never, optional, required }

    /// date, dateTime and instant: `YYYY(-MM(-DD(Thh:mm:ss(.s+)?(Z|±hh:mm))?)?)?`, with the time
    /// part as `time` allows; a time always has its zone.
    static func isDateTime(_ text: String, time: TimePart) -> Bool {
        let bytes = Array(text.utf8)
        func digits(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count, bytes[range].allSatisfy(isDigit) else { return nil }
            return bytes[range].reduce(0) { $0 * 10 + Int($1 - 0x30) }
        }
        guard digits(0..<4) != nil else { return false }
        if bytes.count == 4 { return time != .required }
        guard bytes.count >= 7, bytes[4] == UInt8(ascii: "-"), let month = digits(5..<7), (1...12).contains(month) else { return false }
        if bytes.count == 7 { return time != .required }
        guard bytes.count >= 10, bytes[7] == UInt8(ascii: "-"), let day = digits(8..<10), (1...31).contains(day) else { return false }
        if bytes.count == 10 { return time != .required }
        guard time != .never, bytes[10] == UInt8(ascii: "T") else { return false }
        var rest = bytes[11...]
        // The zone: Z or ±hh:mm at the end.
        if rest.last == UInt8(ascii: "Z") {
            rest = rest.dropLast()
        } else {
            guard rest.count >= 6 else { return false }
            let zone = Array(rest.suffix(6))
            guard zone[0] == UInt8(ascii: "+") || zone[0] == UInt8(ascii: "-"), zone[3] == UInt8(ascii: ":"),
                  zone[1...2].allSatisfy(isDigit), zone[4...5].allSatisfy(isDigit) else { return false }
            rest = rest.dropLast(6)
        }
        return isTime(rest)
    }

    /// time: `hh:mm:ss(.s+)?`.
    static func isTime(_ bytes: ArraySlice<UInt8>) -> Bool {
        let b = Array(bytes)
        guard b.count >= 8, b[2] == UInt8(ascii: ":"), b[5] == UInt8(ascii: ":"),
              [0, 1, 3, 4, 6, 7].allSatisfy({ isDigit(b[$0]) }) else { return false }
        let hour = Int(b[0] - 0x30) * 10 + Int(b[1] - 0x30), minute = Int(b[3] - 0x30) * 10 + Int(b[4] - 0x30)
        let second = Int(b[6] - 0x30) * 10 + Int(b[7] - 0x30)
        guard hour < 24, minute < 60, second <= 60 else { return false }
        if b.count == 8 { return true }
        return b.count > 9 && b[8] == UInt8(ascii: ".") && b[9...].allSatisfy(isDigit)
    }
}
