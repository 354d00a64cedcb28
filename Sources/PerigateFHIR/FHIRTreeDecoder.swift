/// How FHIR values are read.
public struct FHIRDecodingOptions: Sendable {
    /// Turns a relative test date (`${DATE, T, D, -13}`, optionally followed by a time) into a
    /// date; `nil`, or `nil` returned: such a value is an issue.
    public var resolveRelativeDate: (@Sendable (String) -> String?)?

    public init(resolveRelativeDate: (@Sendable (String) -> String?)? = nil) {
        self.resolveRelativeDate = resolveRelativeDate
    }
}

/// Decodes the typed model from a ``FHIRElement`` tree. Every problem becomes a ``FHIRIssue``
/// with its location and decoding goes on, so one pass reports all of them: a bad value is left
/// out, a second occurrence of a single element is reported, and every element no type asked
/// for is reported as unknown after the pass (element `id`s, which carry no data, excepted).
public struct FHIRTreeDecoder: Decoder {
    let element: FHIRElement
    let path: String
    /// The items of a repeating element, when this decoder decodes an array.
    let items: [(FHIRElement, String)]?
    let state: State

    final class State {
        var issues: [FHIRIssue] = []
        var consumed = Set<String>()
        let format: FHIRFormat
        let options: FHIRDecodingOptions

        init(format: FHIRFormat, options: FHIRDecodingOptions) {
            self.format = format
            self.options = options
        }

        func issue(_ code: String, _ message: String, at path: String, line: Int?) {
            issues.append(FHIRIssue(code: code, message: message, location: path, line: line))
        }
    }

    public var codingPath: [any CodingKey] { [] }
    public var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// Decodes `type` from `element`, which was read from `format`; the value (when the tree
    /// held one at all) and every issue found.
    public static func decode<T: Decodable>(_ type: T.Type, from element: FHIRElement, format: FHIRFormat,
                                            options: FHIRDecodingOptions = .init()) -> (T?, [FHIRIssue]) {
        let state = State(format: format, options: options)
        let path = element.resourceType ?? "Resource"
        let decoder = FHIRTreeDecoder(element: element, path: path, items: nil, state: state)
        let value: T?
        do {
            value = try T(from: decoder)
        } catch {
            state.issue("fhir.malformed", "the resource could not be read", at: path, line: element.line)
            value = nil
        }
        unconsumed(element, path: path, state: state)
        return (value, state.issues)
    }

    private static func unconsumed(_ element: FHIRElement, path: String, state: State) {
        if element.primitive != nil, !state.consumed.contains(path + "@value") {
            state.issue("fhir.unknown-element", "a value is not allowed here", at: path, line: element.line)
        }
        for (child, childPath) in element.locatedChildren(under: path) {
            guard state.consumed.contains(childPath) else {
                if child.name == "id", element.resourceType == nil { continue }
                state.issue("fhir.unknown-element", "'\(child.name)' is not an element here (FHIR STU3)", at: childPath, line: child.element.line)
                continue
            }
            unconsumed(child.element, path: childPath, state: state)
        }
    }

    /// The primitive value as `Kind` allows it; `nil` (with an issue) when it does not.
    func primitive<Kind: FHIRPrimitiveKind>(_ kind: Kind.Type) -> String? {
        guard var text = element.primitive else { return nil }
        state.consumed.insert(path + "@value")
        if state.format == .json, element.kind != Kind.json {
            state.issue("fhir.invalid-value", "a \(Kind.name) is written as a JSON \(Kind.json)", at: path, line: element.line)
            return nil
        }
        if Kind.isDate, text.hasPrefix("${") {
            guard let resolved = state.options.resolveRelativeDate?(text) else {
                state.issue("mapping.relative-date", "the value is a relative test date; read it with a reference date (mapping.referenceDate)",
                            at: path, line: element.line)
                return nil
            }
            text = resolved
        }
        guard Kind.isValid(text) else {
            let hint = text.first?.isWhitespace == true || text.last?.isWhitespace == true ? " (it has leading or trailing spaces)" : ""
            state.issue("fhir.invalid-value", "the value is not a valid \(Kind.name)\(hint)", at: path, line: element.line)
            return nil
        }
        return text
    }

    public func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(KeyedContainer<Key>(decoder: self))
    }

    public func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        UnkeyedContainer(items: items ?? [(element, path)], state: state)
    }

    public func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleContainer(decoder: self)
    }

    private struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let decoder: FHIRTreeDecoder
        var codingPath: [any CodingKey] { [] }
        var allKeys: [Key] { decoder.element.childNames.compactMap { Key(stringValue: $0) } }

        func contains(_ key: Key) -> Bool {
            key.stringValue == "resourceType" ? decoder.element.resourceType != nil
                : decoder.element.children.contains { $0.name == key.stringValue }
        }

        func decodeNil(forKey key: Key) throws -> Bool { !contains(key) }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            guard let value = try read(type, forKey: key) else {
                throw DecodingError.keyNotFound(key, .init(codingPath: [], debugDescription: "\(key.stringValue) is missing"))
            }
            return value
        }

        func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? { try read(type, forKey: key) }
        func decode(_ type: String.Type, forKey key: Key) throws -> String {
            if key.stringValue == "resourceType", let type = decoder.element.resourceType { return type }
            return try decode(Plain<String>.self, forKey: key).value
        }
        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { throw FHIRTreeDecoder.plainOnly }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { throw FHIRTreeDecoder.plainOnly }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { throw FHIRTreeDecoder.plainOnly }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { throw FHIRTreeDecoder.plainOnly }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { throw FHIRTreeDecoder.plainOnly }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { throw FHIRTreeDecoder.plainOnly }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { throw FHIRTreeDecoder.plainOnly }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { throw FHIRTreeDecoder.plainOnly }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { throw FHIRTreeDecoder.plainOnly }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { throw FHIRTreeDecoder.plainOnly }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { throw FHIRTreeDecoder.plainOnly }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { throw FHIRTreeDecoder.plainOnly }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { throw FHIRTreeDecoder.plainOnly }

        private func read<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
            let name = key.stringValue
            if name == "resourceType" { return decoder.element.resourceType as? T }
            let matches = decoder.element.children.filter { $0.name == name }
            guard !matches.isEmpty else { return nil }
            let paths = matches.indices.map { FHIRElement.childPath(decoder.path, name, index: $0, count: matches.count) }
            let state = decoder.state
            if T.self is any FHIRRepeating.Type {
                paths.forEach { state.consumed.insert($0) }
                let group = FHIRTreeDecoder(element: FHIRElement(), path: decoder.path + "." + name,
                                            items: Array(zip(matches.map(\.element), paths)), state: state)
                return try? T(from: group)
            }
            state.consumed.insert(paths[0])
            if matches.count > 1 {
                state.issue("fhir.cardinality", "'\(name)' may occur only once here", at: paths[1], line: matches[1].element.line)
                for (extra, path) in zip(matches.dropFirst(), paths.dropFirst()) {
                    state.consumed.insert(path)
                    FHIRTreeDecoder(element: extra.element, path: path, items: nil, state: state).consumeAll()
                }
            }
            do {
                return try T(from: FHIRTreeDecoder(element: matches[0].element, path: paths[0], items: nil, state: state))
            } catch is Reported {
                return nil
            } catch {
                state.issue("fhir.invalid-value", "the element could not be read", at: paths[0], line: matches[0].element.line)
                return nil
            }
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "nested containers are not used for FHIR"))
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "nested containers are not used for FHIR"))
        }

        func superDecoder() throws -> any Decoder { decoder }
        func superDecoder(forKey key: Key) throws -> any Decoder { decoder }
    }

    private struct UnkeyedContainer: UnkeyedDecodingContainer {
        let items: [(FHIRElement, String)]
        let state: State
        var codingPath: [any CodingKey] { [] }
        var count: Int? { items.count }
        var isAtEnd: Bool { currentIndex >= items.count }
        var currentIndex = 0

        init(items: [(FHIRElement, String)], state: State) {
            self.items = items
            self.state = state
        }

        mutating func decodeNil() throws -> Bool { false }

        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
            let (element, path) = items[currentIndex]
            currentIndex += 1
            state.consumed.insert(path)
            return try T(from: FHIRTreeDecoder(element: element, path: path, items: nil, state: state))
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "nested containers are not used for FHIR"))
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "nested containers are not used for FHIR"))
        }

        mutating func superDecoder() throws -> any Decoder {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "nested containers are not used for FHIR"))
        }
    }

    /// Plain `String`s: a resource's `id`, an extension's `url`, narrative XHTML.
    private struct SingleContainer: SingleValueDecodingContainer {
        let decoder: FHIRTreeDecoder
        var codingPath: [any CodingKey] { [] }

        func decodeNil() -> Bool { decoder.element.primitive == nil }

        func decode(_ type: Bool.Type) throws -> Bool { throw FHIRTreeDecoder.plainOnly }
        func decode(_ type: Double.Type) throws -> Double { throw FHIRTreeDecoder.plainOnly }
        func decode(_ type: Float.Type) throws -> Float { throw FHIRTreeDecoder.plainOnly }
        func decode(_ type: Int.Type) throws -> Int { throw FHIRTreeDecoder.plainOnly }
        func decode(_ type: Int8.Type) throws -> Int8 { throw FHIRTreeDecoder.plainOnly }
        func decode(_ type: Int16.Type) throws -> Int16 { throw FHIRTreeDecoder.plainOnly }
        func decode(_ type: Int32.Type) throws -> Int32 { throw FHIRTreeDecoder.plainOnly }
        func decode(_ type: Int64.Type) throws -> Int64 { throw FHIRTreeDecoder.plainOnly }
        func decode(_ type: UInt.Type) throws -> UInt { throw FHIRTreeDecoder.plainOnly }
        func decode(_ type: UInt8.Type) throws -> UInt8 { throw FHIRTreeDecoder.plainOnly }
        func decode(_ type: UInt16.Type) throws -> UInt16 { throw FHIRTreeDecoder.plainOnly }
        func decode(_ type: UInt32.Type) throws -> UInt32 { throw FHIRTreeDecoder.plainOnly }
        func decode(_ type: UInt64.Type) throws -> UInt64 { throw FHIRTreeDecoder.plainOnly }

        func decode(_ type: String.Type) throws -> String {
            guard let text = decoder.primitive(StringKind.self) else {
                throw DecodingError.valueNotFound(String.self, .init(codingPath: [], debugDescription: "no value"))
            }
            return text
        }

        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            guard T.self == String.self, let text = try decode(String.self) as? T else {
                throw DecodingError.typeMismatch(T.self, .init(codingPath: [], debugDescription: "FHIR values are FHIRPrimitive or String"))
            }
            return text
        }
    }
}

extension FHIRTreeDecoder {
    /// Thrown after the problem was recorded as an issue.
    static let reported = Reported()
    struct Reported: Error {}

    /// Marks this element and everything in it as read (after one issue said why it is not).
    func consumeAll() {
        func mark(_ element: FHIRElement, _ path: String) {
            state.consumed.insert(path + "@value")
            for (child, childPath) in element.locatedChildren(under: path) {
                state.consumed.insert(childPath)
                mark(child.element, childPath)
            }
        }
        mark(element, path)
    }

    static let plainOnly = DecodingError.typeMismatch(Int.self, .init(codingPath: [], debugDescription: "FHIR values are FHIRPrimitive or String"))
}

/// A plain `String` read through the generic path (so that cardinality is checked too).
private struct Plain<Value: Decodable>: Decodable {
    var value: Value
    init(from decoder: any Decoder) throws { value = try decoder.singleValueContainer().decode(Value.self) }
}

/// Arrays, which decode from and encode to every occurrence of one element name.
protocol FHIRRepeating {}
extension Array: FHIRRepeating {}
