// FHIR STU3 (3.0.2) data types, https://hl7.org/fhir/STU3/datatypes.html. Each property is one
// element, in the order FHIR XML requires; choice elements (`value[x]`) are one property per
// allowed type. Every element is optional here: required elements are the profile rules'
// business (``FHIRRules``), so that one pass reports every missing one.

extension FHIR {
    public struct Extension: Sendable, Hashable, Codable {
        public var extensions: [Extension]?
        public var url: String?
        public var valueBoolean: FHIRBoolean?
        public var valueInteger: FHIRInteger?
        public var valueDecimal: FHIRDecimal?
        public var valueBase64Binary: FHIRBase64?
        public var valueInstant: FHIRInstant?
        public var valueString: FHIRString?
        public var valueUri: FHIRURI?
        public var valueDate: FHIRDate?
        public var valueDateTime: FHIRDateTime?
        public var valueTime: FHIRTime?
        public var valueCode: FHIRCode?
        public var valueOid: FHIRURI?
        public var valueId: FHIRId?
        public var valueUnsignedInt: FHIRUnsignedInt?
        public var valuePositiveInt: FHIRPositiveInt?
        public var valueMarkdown: FHIRMarkdown?
        public var valueAttachment: Attachment?
        public var valueIdentifier: Identifier?
        public var valueCodeableConcept: CodeableConcept?
        public var valueCoding: Coding?
        public var valueQuantity: Quantity?
        public var valueRange: QuantityRange?
        public var valuePeriod: Period?
        public var valueRatio: Ratio?
        public var valueHumanName: HumanName?
        public var valueAddress: Address?
        public var valueContactPoint: ContactPoint?
        public var valueReference: Reference?
        public var valueDuration: Quantity?
        public var valueAge: Quantity?

        enum CodingKeys: String, CodingKey {
            case extensions = "extension", url, valueBoolean, valueInteger, valueDecimal, valueBase64Binary, valueInstant, valueString, valueUri,
                 valueDate, valueDateTime, valueTime, valueCode, valueOid, valueId, valueUnsignedInt, valuePositiveInt, valueMarkdown,
                 valueAttachment, valueIdentifier, valueCodeableConcept, valueCoding, valueQuantity, valueRange, valuePeriod, valueRatio,
                 valueHumanName, valueAddress, valueContactPoint, valueReference, valueDuration, valueAge
        }

        public init(url: String, extensions: [Extension]? = nil) {
            self.url = url
            self.extensions = extensions
        }
    }

    public struct Meta: Sendable, Hashable, Codable {
        public var extensions: [Extension]?
        public var versionId: FHIRId?
        public var lastUpdated: FHIRInstant?
        public var profile: [FHIRURI]?
        public var security: [Coding]?
        public var tag: [Coding]?

        enum CodingKeys: String, CodingKey { case extensions = "extension", versionId, lastUpdated, profile, security, tag }

        public init(profile: [FHIRURI]? = nil) { self.profile = profile }
    }

    public struct Narrative: Sendable, Hashable, Codable {
        public var extensions: [Extension]?
        public var status: FHIRCode?
        /// The XHTML `div`, as XML text.
        public var div: String?

        enum CodingKeys: String, CodingKey { case extensions = "extension", status, div }

        public init() {}
    }

    public struct Coding: Sendable, Hashable, Codable {
        public var extensions: [Extension]?
        public var system: FHIRURI?
        public var version: FHIRString?
        public var code: FHIRCode?
        public var display: FHIRString?
        public var userSelected: FHIRBoolean?

        enum CodingKeys: String, CodingKey { case extensions = "extension", system, version, code, display, userSelected }

        public init(system: String?, code: String?, display: String? = nil) {
            self.system = system.map { FHIRURI($0) }
            self.code = code.map { FHIRCode($0) }
            self.display = display.map { FHIRString($0) }
        }
    }

    public struct CodeableConcept: Sendable, Hashable, Codable {
        public var extensions: [Extension]?
        public var coding: [Coding]?
        public var text: FHIRString?

        enum CodingKeys: String, CodingKey { case extensions = "extension", coding, text }

        public init(coding: [Coding]? = nil, text: String? = nil) {
            self.coding = coding
            self.text = text.map { FHIRString($0) }
        }
    }

    public struct Identifier: Sendable, Hashable, Codable {
        public var extensions: [Extension]?
        public var use: FHIRCode?
        public var type: CodeableConcept?
        public var system: FHIRURI?
        public var value: FHIRString?
        public var period: Period?
        /// Boxed: a Reference holds an Identifier, which holds a Reference.
        public var assigner: Indirect<Reference>?

        enum CodingKeys: String, CodingKey { case extensions = "extension", use, type, system, value, period, assigner }

        public init(system: String?, value: String?) {
            self.system = system.map { FHIRURI($0) }
            self.value = value.map { FHIRString($0) }
        }
    }

    public struct Reference: Sendable, Hashable, Codable {
        public var extensions: [Extension]?
        public var reference: FHIRString?
        public var identifier: Identifier?
        public var display: FHIRString?

        enum CodingKeys: String, CodingKey { case extensions = "extension", reference, identifier, display }

        public init(reference: String?, display: String? = nil) {
            self.reference = reference.map { FHIRString($0) }
            self.display = display.map { FHIRString($0) }
        }
    }

    public struct Period: Sendable, Hashable, Codable {
        public var extensions: [Extension]?
        public var start: FHIRDateTime?
        public var end: FHIRDateTime?

        enum CodingKeys: String, CodingKey { case extensions = "extension", start, end }

        public init(start: String? = nil, end: String? = nil) {
            self.start = start.map { FHIRDateTime($0) }
            self.end = end.map { FHIRDateTime($0) }
        }
    }

    /// Quantity, and its profiles Duration, Age, SimpleQuantity, Distance, Count.
    public struct Quantity: Sendable, Hashable, Codable {
        public var extensions: [Extension]?
        public var value: FHIRDecimal?
        public var comparator: FHIRCode?
        public var unit: FHIRString?
        public var system: FHIRURI?
        public var code: FHIRCode?

        enum CodingKeys: String, CodingKey { case extensions = "extension", value, comparator, unit, system, code }

        public init(value: String?, unit: String?, system: String?, code: String?) {
            self.value = value.map { FHIRDecimal($0) }
            self.unit = unit.map { FHIRString($0) }
            self.system = system.map { FHIRURI($0) }
            self.code = code.map { FHIRCode($0) }
        }
    }

    public struct QuantityRange: Sendable, Hashable, Codable {
        public var extensions: [Extension]?
        public var low: Quantity?
        public var high: Quantity?

        enum CodingKeys: String, CodingKey { case extensions = "extension", low, high }

        public init() {}
    }

    public struct Ratio: Sendable, Hashable, Codable {
        public var extensions: [Extension]?
        public var numerator: Quantity?
        public var denominator: Quantity?

        enum CodingKeys: String, CodingKey { case extensions = "extension", numerator, denominator }

        public init() {}
    }

    public struct HumanName: Sendable, Hashable, Codable {
        public var extensions: [Extension]?
        public var use: FHIRCode?
        public var text: FHIRString?
        public var family: FHIRString?
        public var given: [FHIRString]?
        public var prefix: [FHIRString]?
        public var suffix: [FHIRString]?
        public var period: Period?

        enum CodingKeys: String, CodingKey { case extensions = "extension", use, text, family, given, prefix, suffix, period }

        public init() {}
    }

    public struct Address: Sendable, Hashable, Codable {
        public var extensions: [Extension]?
        public var use: FHIRCode?
        public var type: FHIRCode?
        public var text: FHIRString?
        public var line: [FHIRString]?
        public var city: FHIRString?
        public var district: FHIRString?
        public var state: FHIRString?
        public var postalCode: FHIRString?
        public var country: FHIRString?
        public var period: Period?

        enum CodingKeys: String, CodingKey { case extensions = "extension", use, type, text, line, city, district, state, postalCode, country, period }

        public init() {}
    }

    public struct ContactPoint: Sendable, Hashable, Codable {
        public var extensions: [Extension]?
        public var system: FHIRCode?
        public var value: FHIRString?
        public var use: FHIRCode?
        public var rank: FHIRPositiveInt?
        public var period: Period?

        enum CodingKeys: String, CodingKey { case extensions = "extension", system, value, use, rank, period }

        public init(system: String, value: String, use: String? = nil) {
            self.system = FHIRCode(system)
            self.value = FHIRString(value)
            self.use = use.map { FHIRCode($0) }
        }
    }

    public struct Attachment: Sendable, Hashable, Codable {
        public var extensions: [Extension]?
        public var contentType: FHIRCode?
        public var language: FHIRCode?
        public var data: FHIRBase64?
        public var url: FHIRURI?
        public var size: FHIRUnsignedInt?
        public var hash: FHIRBase64?
        public var title: FHIRString?
        public var creation: FHIRDateTime?

        enum CodingKeys: String, CodingKey { case extensions = "extension", contentType, language, data, url, size, hash, title, creation }

        public init() {}
    }

    public struct Annotation: Sendable, Hashable, Codable {
        public var extensions: [Extension]?
        public var authorReference: Reference?
        public var authorString: FHIRString?
        public var time: FHIRDateTime?
        public var text: FHIRString?

        enum CodingKeys: String, CodingKey { case extensions = "extension", authorReference, authorString, time, text }

        public init(text: String) { self.text = FHIRString(text) }
    }

    public struct Timing: Sendable, Hashable, Codable {
        public var extensions: [Extension]?
        public var event: [FHIRDateTime]?
        public var code: CodeableConcept?

        enum CodingKeys: String, CodingKey { case extensions = "extension", event, code }

        public init() {}
    }
}

/// A value held by reference, for the data types that contain each other (Identifier.assigner is
/// a Reference, Reference.identifier an Identifier). Encoded as the value itself.
public indirect enum Indirect<Value: Sendable & Hashable & Codable>: Sendable, Hashable, Codable {
    case value(Value)

    public var value: Value { switch self { case .value(let value): value } }

    public init(from decoder: any Decoder) throws { self = .value(try Value(from: decoder)) }
    public func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
}
