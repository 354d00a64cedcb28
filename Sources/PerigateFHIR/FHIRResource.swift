import Foundation
import PerigateXML

/// A resource type of the model: its `resourceType`.
public protocol FHIRResourceType: Sendable, Hashable, Codable {
    static var resourceType: String { get }
}

extension FHIRResource: Codable {
    private enum TypeKey: String, CodingKey { case resourceType }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: TypeKey.self)
        guard let type = try container.decodeIfPresent(String.self, forKey: .resourceType) else {
            throw DecodingError.keyNotFound(TypeKey.resourceType, .init(codingPath: [], debugDescription: "a resource is expected here"))
        }
        guard let resource = try Self.decode(type, from: decoder) else {
            if let tree = decoder as? FHIRTreeDecoder {
                tree.state.issue("fhir.unsupported-resource", "resource type '\(type)' is not supported by Perigate", at: tree.path,
                                 line: tree.element.line)
                tree.consumeAll()
            }
            throw FHIRTreeDecoder.reported
        }
        self = resource
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: TypeKey.self)
        try container.encode(resourceType, forKey: .resourceType)
        try encodeBody(to: encoder)
    }
}

/// Reading and writing FHIR resources in either format.
public enum FHIRCodec {
    /// The resource in `data`, read as `format`, and every issue found; the resource is `nil`
    /// when the message could not be read at all.
    public static func read(_ data: Data, format: FHIRFormat, parser: SafeXMLParser = SafeXMLParser(),
                            options: FHIRDecodingOptions = .init()) -> (resource: FHIRResource?, issues: [FHIRIssue]) {
        if data.count > parser.maximumBytes {
            return (nil, [FHIRIssue(code: "message.too-large", message: "message is \(data.count) bytes; the maximum is \(parser.maximumBytes) bytes")])
        }
        let tree = format == .json ? FHIRElement.parseJSON(data) : FHIRElement.parseXML(data, parser: parser)
        switch tree {
        case .failure(let failure):
            return (nil, failure.issues)
        case .success(let element):
            return read(element, format: format, options: options)
        }
    }

    /// The resource of an already read tree.
    public static func read(_ element: FHIRElement, format: FHIRFormat, options: FHIRDecodingOptions = .init())
        -> (resource: FHIRResource?, issues: [FHIRIssue]) {
        let (resource, issues) = FHIRTreeDecoder.decode(FHIRResource.self, from: element, format: format, options: options)
        return (resource, issues)
    }

    /// `resource` in `format`.
    public static func write(_ resource: FHIRResource, format: FHIRFormat) throws -> Data {
        let element = try FHIRTreeEncoder.encode(resource)
        return format == .json ? element.jsonData() : element.xmlData()
    }
}
