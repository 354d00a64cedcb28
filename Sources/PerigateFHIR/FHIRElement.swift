/// One FHIR element as both FHIR formats carry it, before it is a typed resource: its primitive
/// value (`<birthDate value="…"/>`, `"birthDate": "…"`), its children in order (a JSON array
/// becomes repeated children of one name, `_birthDate` becomes the children of `birthDate`) and,
/// for a resource, its type. The typed model (``FHIRResource``) is decoded from and encoded to this
/// tree (``FHIRTreeDecoder``, ``FHIRTreeEncoder``); the two formats only read and write it.
public struct FHIRElement: Sendable, Hashable {
    /// The resource type of a resource (`Patient`), `nil` for other elements.
    public var resourceType: String?
    /// The primitive value as written (`1994-07-18`, `6.5`, `true`).
    public var primitive: String?
    /// How JSON wrote it (XML writes every value as a string).
    public var kind: Kind = .string
    /// Child elements in order; repeated names are one repeating element.
    public var children: [Child] = []
    /// Where it started in an XML message.
    public var line: Int?
    /// Set by the encoder for a primitive element, so that one with only extensions is written
    /// as JSON `_name` (XML cannot tell it from a complex element).
    public var isPrimitiveType = false

    public enum Kind: Sendable, Hashable {
        case string, number, boolean
    }

    public struct Child: Sendable, Hashable {
        public var name: String
        public var element: FHIRElement
        /// Written as a JSON array (a repeating element), even with one item.
        public var repeats: Bool

        public init(name: String, element: FHIRElement, repeats: Bool) {
            self.name = name
            self.element = element
            self.repeats = repeats
        }
    }

    public init(resourceType: String? = nil, primitive: String? = nil, kind: Kind = .string, children: [Child] = [], line: Int? = nil) {
        self.resourceType = resourceType
        self.primitive = primitive
        self.kind = kind
        self.children = children
        self.line = line
    }

    /// The children named `name`, in order.
    public func children(named name: String) -> [FHIRElement] {
        children.filter { $0.name == name }.map(\.element)
    }

    /// The FHIRPath location of a child: `path.name`, with `[index]` when the name repeats.
    public static func childPath(_ path: String, _ name: String, index: Int, count: Int) -> String {
        path + "." + name + (count > 1 ? "[\(index)]" : "")
    }

    /// Each location of `names` (one per child, in order) under `path`, as ``childPath(_:_:index:count:)`` writes it.
    static func locations(of names: [String], under path: String) -> [String] {
        let counts = Dictionary(names.map { ($0, 1) }, uniquingKeysWith: +)
        var seen: [String: Int] = [:]
        return names.map { name in
            let index = seen[name, default: 0]
            seen[name] = index + 1
            return childPath(path, name, index: index, count: counts[name]!)
        }
    }

    /// Each child with its FHIRPath location under `path`.
    public func locatedChildren(under path: String) -> [(child: Child, path: String)] {
        Array(zip(children, Self.locations(of: children.map(\.name), under: path)))
    }

    /// Child names in first-appearance order, each once.
    var childNames: [String] {
        var seen = Set<String>()
        return children.compactMap { seen.insert($0.name).inserted ? $0.name : nil }
    }
}

/// The two wire formats of FHIR.
public enum FHIRFormat: String, Sendable, Hashable, CaseIterable {
    case json, xml

    /// The FHIR media type: `application/fhir+json`, `application/fhir+xml`.
    public var mediaType: String { "application/fhir+\(rawValue)" }

    /// The format a media type names (`application/fhir+json`, `application/json`, `json`,
    /// `text/xml`, …; parameters such as `charset` ignored); `nil` for anything else.
    public init?(mediaType: String) {
        let type = mediaType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        switch type {
        case "application/fhir+json", "application/json+fhir", "application/json", "json": self = .json
        case "application/fhir+xml", "application/xml+fhir", "application/xml", "text/xml", "xml": self = .xml
        default: return nil
        }
    }
}

/// A problem with a FHIR message, named by its FHIRPath-style location
/// (`Bundle.entry[2].resource.valueQuantity.value`), like an XSD issue.
public struct FHIRIssue: Sendable, Hashable, Error {
    /// A stable code: `fhir.malformed`, `fhir.unknown-element`, `fhir.invalid-value`,
    /// `fhir.cardinality`, `fhir.unsupported-resource`, `fhir.required`, `fhir.code-system`,
    /// `fhir.reference`, `fhir.profile`.
    public var code: String
    public var message: String
    /// Where in the message, FHIRPath-style; `nil` for the message as a whole.
    public var location: String?
    /// The XML source line, when the message was XML.
    public var line: Int?

    public init(code: String, message: String, location: String? = nil, line: Int? = nil) {
        self.code = code
        self.message = message
        self.location = location
        self.line = line
    }
}

import Foundation

/// The FHIR STU3 model: data types and resources (``FHIRResource``).
public enum FHIR {}
