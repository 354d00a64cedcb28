/// Encodes the typed model into a ``FHIRElement`` tree, in the order the types declare their
/// elements (the order FHIR XML requires). Empty elements and empty arrays are left out, as FHIR
/// requires.
public final class FHIRTreeEncoder: Encoder {
    var element = FHIRElement()
    public var codingPath: [any CodingKey] { [] }
    public var userInfo: [CodingUserInfoKey: Any] { [:] }

    init() {}

    /// The tree of `value`.
    public static func encode<T: Encodable>(_ value: T) throws -> FHIRElement {
        let encoder = FHIRTreeEncoder()
        try value.encode(to: encoder)
        return encoder.element
    }

    func setPrimitive(_ text: String?, kind: FHIRElement.Kind) {
        element.primitive = text
        element.kind = kind
        element.isPrimitiveType = true
    }

    var isEmpty: Bool { element.primitive == nil && element.children.isEmpty && element.resourceType == nil }

    func append<T: Encodable>(_ value: T, name: String) throws {
        if T.self is any FHIRRepeating.Type {
            let group = GroupEncoder(parent: self, name: name)
            try value.encode(to: group)
            return
        }
        let child = FHIRTreeEncoder()
        try value.encode(to: child)
        if !child.isEmpty { element.children.append(.init(name: name, element: child.element, repeats: false)) }
    }

    public func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(KeyedContainer<Key>(encoder: self))
    }

    public func unkeyedContainer() -> any UnkeyedEncodingContainer {
        GroupEncoder(parent: self, name: "item").unkeyedContainer()
    }

    public func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleContainer(encoder: self)
    }

    private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let encoder: FHIRTreeEncoder
        var codingPath: [any CodingKey] { [] }

        mutating func encodeNil(forKey key: Key) throws {}

        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            if key.stringValue == "resourceType", let type = value as? String {
                encoder.element.resourceType = type
                return
            }
            try encoder.append(value, name: key.stringValue)
        }

        mutating func encode(_ value: String, forKey key: Key) throws {
            if key.stringValue == "resourceType" {
                encoder.element.resourceType = value
            } else {
                try encoder.append(Plain(value: value), name: key.stringValue)
            }
        }
        mutating func encode(_ value: Bool, forKey key: Key) throws { throw FHIRTreeEncoder.plainOnly }
        mutating func encode(_ value: Double, forKey key: Key) throws { throw FHIRTreeEncoder.plainOnly }
        mutating func encode(_ value: Float, forKey key: Key) throws { throw FHIRTreeEncoder.plainOnly }
        mutating func encode(_ value: Int, forKey key: Key) throws { throw FHIRTreeEncoder.plainOnly }
        mutating func encode(_ value: Int8, forKey key: Key) throws { throw FHIRTreeEncoder.plainOnly }
        mutating func encode(_ value: Int16, forKey key: Key) throws { throw FHIRTreeEncoder.plainOnly }
        mutating func encode(_ value: Int32, forKey key: Key) throws { throw FHIRTreeEncoder.plainOnly }
        mutating func encode(_ value: Int64, forKey key: Key) throws { throw FHIRTreeEncoder.plainOnly }
        mutating func encode(_ value: UInt, forKey key: Key) throws { throw FHIRTreeEncoder.plainOnly }
        mutating func encode(_ value: UInt8, forKey key: Key) throws { throw FHIRTreeEncoder.plainOnly }
        mutating func encode(_ value: UInt16, forKey key: Key) throws { throw FHIRTreeEncoder.plainOnly }
        mutating func encode(_ value: UInt32, forKey key: Key) throws { throw FHIRTreeEncoder.plainOnly }
        mutating func encode(_ value: UInt64, forKey key: Key) throws { throw FHIRTreeEncoder.plainOnly }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            encoder.container(keyedBy: keyType)
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            GroupEncoder(parent: encoder, name: key.stringValue).unkeyedContainer()
        }

        mutating func superEncoder() -> any Encoder { encoder }
        mutating func superEncoder(forKey key: Key) -> any Encoder { encoder }
    }

    /// Plain `String`s: a resource's `id`, an extension's `url`, narrative XHTML.
    private struct SingleContainer: SingleValueEncodingContainer {
        let encoder: FHIRTreeEncoder
        var codingPath: [any CodingKey] { [] }

        mutating func encodeNil() throws {}
        mutating func encode(_ value: String) throws { encoder.setPrimitive(value, kind: .string); encoder.element.isPrimitiveType = false }
        mutating func encode<T: Encodable>(_ value: T) throws {
            guard let text = value as? String else { throw FHIRTreeEncoder.plainOnly }
            try encode(text)
        }
        mutating func encode(_ value: Bool) throws { throw FHIRTreeEncoder.plainOnly }
        mutating func encode(_ value: Double) throws { throw FHIRTreeEncoder.plainOnly }
        mutating func encode(_ value: Float) throws { throw FHIRTreeEncoder.plainOnly }
        mutating func encode(_ value: Int) throws { throw FHIRTreeEncoder.plainOnly }
        mutating func encode(_ value: Int8) throws { throw FHIRTreeEncoder.plainOnly }
        mutating func encode(_ value: Int16) throws { throw FHIRTreeEncoder.plainOnly }
        mutating func encode(_ value: Int32) throws { throw FHIRTreeEncoder.plainOnly }
        mutating func encode(_ value: Int64) throws { throw FHIRTreeEncoder.plainOnly }
        mutating func encode(_ value: UInt) throws { throw FHIRTreeEncoder.plainOnly }
        mutating func encode(_ value: UInt8) throws { throw FHIRTreeEncoder.plainOnly }
        mutating func encode(_ value: UInt16) throws { throw FHIRTreeEncoder.plainOnly }
        mutating func encode(_ value: UInt32) throws { throw FHIRTreeEncoder.plainOnly }
        mutating func encode(_ value: UInt64) throws { throw FHIRTreeEncoder.plainOnly }
    }

    static let plainOnly = EncodingError.invalidValue(0, .init(codingPath: [], debugDescription: "FHIR values are FHIRPrimitive or String"))
}

/// Encodes an array as repeated children of one name on its parent.
private struct GroupEncoder: Encoder {
    let parent: FHIRTreeEncoder
    let name: String
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> { parent.container(keyedBy: type) }
    func singleValueContainer() -> any SingleValueEncodingContainer { parent.singleValueContainer() }
    func unkeyedContainer() -> any UnkeyedEncodingContainer { Items(parent: parent, name: name) }

    struct Items: UnkeyedEncodingContainer {
        let parent: FHIRTreeEncoder
        let name: String
        var codingPath: [any CodingKey] { [] }
        var count = 0

        mutating func encodeNil() throws {}

        mutating func encode<T: Encodable>(_ value: T) throws {
            let child = FHIRTreeEncoder()
            try value.encode(to: child)
            count += 1
            if !child.isEmpty { parent.element.children.append(.init(name: name, element: child.element, repeats: true)) }
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            parent.container(keyedBy: keyType)
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer { self }
        mutating func superEncoder() -> any Encoder { parent }
    }
}

private struct Plain: Encodable {
    var value: String
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
