import Foundation
import Testing
@testable import PerigateCore
import PerigateTestSupport

/// The published JSON Schema (Schemas/canonical/canonical-record.schema.json) describes exactly
/// what the code emits: every golden and a merged record validate against it, with no field the
/// schema does not know. A small validator for the subset the schema uses ($ref, type,
/// properties, required, additionalProperties, items, oneOf).
@Suite("Canonical JSON Schema")
struct CanonicalSchemaTests {
    static let schema: [String: JSONValue] = {
        let url = TestSupport.root.appendingPathComponent("Schemas/canonical/canonical-record.schema.json")
        guard let data = try? Data(contentsOf: url), case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: data) else { return [:] }
        return object
    }()

    static func errors(_ value: JSONValue, _ schema: [String: JSONValue], at path: String = "$") -> [String] {
        if case .string(let reference)? = schema["$ref"] {
            let name = reference.replacingOccurrences(of: "#/$defs/", with: "")
            guard case .object(let definitions)? = Self.schema["$defs"], case .object(let definition)? = definitions[name] else {
                return ["\(path): unknown \(reference)"]
            }
            return errors(value, definition, at: path)
        }
        if case .array(let options)? = schema["oneOf"] {
            let matching = options.filter { option in
                guard case .object(let optionSchema) = option else { return false }
                return errors(value, optionSchema, at: path).isEmpty
            }.count
            return matching == 1 ? [] : ["\(path): matches \(matching) of oneOf"]
        }
        guard case .string(let type)? = schema["type"] else { return [] }
        switch (type, value) {
        case ("string", .string), ("boolean", .bool):
            return []
        case ("integer", .number(let number)) where number.rounded() == number:
            return []
        case ("array", .array(let items)):
            guard case .object(let itemSchema)? = schema["items"] else { return [] }
            return items.enumerated().flatMap { errors($1, itemSchema, at: "\(path)[\($0)]") }
        case ("object", .object(let object)):
            var found: [String] = []
            if case .array(let required)? = schema["required"] {
                for case .string(let key) in required where object[key] == nil { found.append("\(path): missing \(key)") }
            }
            var properties: [String: JSONValue] = [:]
            if case .object(let declared)? = schema["properties"] { properties = declared }
            for (key, field) in object.sorted(by: { $0.key < $1.key }) {
                if case .object(let property)? = properties[key] {
                    found += errors(field, property, at: "\(path).\(key)")
                } else if case .object(let additional)? = schema["additionalProperties"] {
                    found += errors(field, additional, at: "\(path).\(key)")
                } else if case .bool(false)? = schema["additionalProperties"] {
                    found.append("\(path): unknown field \(key)")
                }
            }
            return found
        default:
            return ["\(path): not of type \(type)"]
        }
    }

    @Test("every golden canonical JSON conforms", arguments: TestSupport.files(in: TestSupport.samples.appendingPathComponent("valid"), extension: "json"))
    func goldens(_ file: URL) throws {
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: file))
        #expect(Self.errors(value, Self.schema) == [])
        #expect(Self.errors(value, ["$ref": .string("#/$defs/MessageFacts")]) == [])
    }

    @Test("a merged record conforms, and the validator does catch an unknown field")
    func record() throws {
        let record = try ClientRecord.build(from: ClientRecordTests.allFacts())
        guard case .object(var value) = try JSONValue.from(record) else { Issue.record("not an object"); return }
        #expect(Self.errors(.object(value), ["$ref": .string("#/$defs/ClientRecord")]) == [])
        value["surprise"] = .number(1)
        value["bsn"] = .number(999990044)
        #expect(Self.errors(.object(value), ["$ref": .string("#/$defs/ClientRecord")]) == ["$.bsn: not of type string", "$: unknown field surprise"])
    }
}
