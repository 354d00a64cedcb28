import Foundation

/// FHIR JSON (https://hl7.org/fhir/STU3/json.html) to and from ``FHIRElement``: `resourceType`
/// names a resource, arrays are repeating elements, `_name` holds a primitive's id and extensions.
extension FHIRElement {
    /// The resource in a FHIR JSON document, or the issues that make it unreadable. Numbers keep
    /// their text (`7.0` stays `7.0`: FHIR decimals keep their precision); a key given twice,
    /// empty arrays, `null` without a `_name` partner and a `_name` member that is not an object
    /// are refused.
    public static func parseJSON(_ bytes: Data) -> Result<FHIRElement, FHIRReadFailure> {
        let token: JSONToken
        do {
            token = try JSONReader.read(bytes)
        } catch let error as JSONReader.Failure {
            return .failure(FHIRReadFailure(issues: [FHIRIssue(code: "fhir.malformed", message: "the message is not well-formed JSON: \(error.reason)",
                                                               line: error.line)]))
        } catch {
            return .failure(FHIRReadFailure(issues: [FHIRIssue(code: "fhir.malformed", message: "the message is not well-formed JSON")]))
        }
        guard case .object(let members) = token, case .string(let type)? = members["resourceType"] else {
            return .failure(FHIRReadFailure(issues: [FHIRIssue(code: "fhir.malformed",
                                                               message: "the message is not a FHIR resource (a JSON object with resourceType)")]))
        }
        var issues: [FHIRIssue] = []
        let element = object(members, path: type, issues: &issues)
        return issues.isEmpty ? .success(element) : .failure(FHIRReadFailure(issues: issues))
    }

    private static func object(_ members: [String: JSONToken], path: String, issues: inout [FHIRIssue]) -> FHIRElement {
        var element = FHIRElement()
        if let type = members["resourceType"] {
            if case .string(let name) = type, name.first?.isUppercase == true {
                element.resourceType = name
            } else {
                issues.append(FHIRIssue(code: "fhir.malformed", message: "resourceType must name a resource", location: path))
            }
        }
        for key in members.keys.sorted() where key != "resourceType" && !key.hasPrefix("_") {
            let childPath = path + "." + key
            let extras = members["_" + key]
            switch members[key]! {
            case .array(let items):
                if items.isEmpty { issues.append(FHIRIssue(code: "fhir.malformed", message: "arrays may not be empty", location: childPath)) }
                let extraItems: [JSONToken] = if case .array(let list)? = extras { list } else { [] }
                if extras != nil, extraItems.count != items.count {
                    issues.append(FHIRIssue(code: "fhir.malformed", message: "_\(key) must have as many items as \(key)", location: childPath))
                }
                for (index, item) in items.enumerated() {
                    let itemPath = childPath + "[\(index)]"
                    let extra = index < extraItems.count ? extraItems[index] : nil
                    element.children.append(Child(name: key, element: value(item, extra: extra, path: itemPath, issues: &issues), repeats: true))
                }
            case let token:
                element.children.append(Child(name: key, element: value(token, extra: extras, path: childPath, issues: &issues), repeats: false))
            }
        }
        for key in members.keys.sorted() where key.hasPrefix("_") && members[String(key.dropFirst())] == nil {
            let name = String(key.dropFirst())
            switch members[key]! {
            case .array(let items):
                for (index, item) in items.enumerated() {
                    element.children.append(Child(name: name, element: value(.null, extra: item, path: "\(path).\(name)[\(index)]", issues: &issues),
                                                  repeats: true))
                }
            case let token:
                element.children.append(Child(name: name, element: value(.null, extra: token, path: path + "." + name, issues: &issues),
                                              repeats: false))
            }
        }
        return element
    }

    private static func value(_ token: JSONToken, extra: JSONToken?, path: String, issues: inout [FHIRIssue]) -> FHIRElement {
        var element: FHIRElement
        switch token {
        case .object(let members):
            return object(members, path: path, issues: &issues)
        case .string(let text): element = FHIRElement(primitive: text, kind: .string)
        case .number(let text): element = FHIRElement(primitive: text, kind: .number)
        case .bool(let flag): element = FHIRElement(primitive: flag ? "true" : "false", kind: .boolean)
        case .null: element = FHIRElement()
        case .array:
            issues.append(FHIRIssue(code: "fhir.malformed", message: "arrays may not contain arrays", location: path))
            return FHIRElement()
        }
        switch extra {
        case .object(let members)?:
            element.children = object(members, path: path, issues: &issues).children
        case nil, .null?:
            if element.primitive == nil {
                issues.append(FHIRIssue(code: "fhir.malformed", message: "null is only allowed beside extensions in _name", location: path))
            }
        default:
            issues.append(FHIRIssue(code: "fhir.malformed", message: "a _name member must be an object", location: path))
        }
        return element
    }

    /// This resource as FHIR JSON (UTF-8, no whitespace; `resourceType` first).
    public func jsonData() -> Data {
        var out = ""
        writeJSONObject(into: &out)
        return Data(out.utf8)
    }

    private func writeJSONObject(into out: inout String) {
        out += "{"
        var first = true
        func member(_ name: String) {
            if !first { out += "," }
            first = false
            out += Self.quoted(name) + ":"
        }
        if let resourceType {
            member("resourceType")
            out += Self.quoted(resourceType)
        }
        for name in childNames {
            let group = children.filter { $0.name == name }
            let repeats = group.count > 1 || group.first?.repeats == true
            let hasValues = group.contains { $0.element.primitive != nil }
            let hasExtras = group.contains { $0.element.primitive != nil && !$0.element.children.isEmpty }
            if hasValues || group.contains(where: { $0.element.isPrimitiveType }) {
                if repeats {
                    member(name)
                    out += "[" + group.map { $0.element.jsonScalar }.joined(separator: ",") + "]"
                } else if group[0].element.primitive != nil {
                    member(name)
                    out += group[0].element.jsonScalar
                }
                if hasExtras || group.contains(where: { $0.element.primitive == nil }) {
                    member("_" + name)
                    let extras = group.map { item -> String in
                        if item.element.children.isEmpty { return "null" }
                        var text = ""
                        FHIRElement(children: item.element.children).writeJSONObject(into: &text)
                        return text
                    }
                    out += repeats ? "[" + extras.joined(separator: ",") + "]" : extras[0]
                }
            } else {
                member(name)
                let items = group.map { item -> String in
                    var text = ""
                    item.element.writeJSONObject(into: &text)
                    return text
                }
                out += repeats ? "[" + items.joined(separator: ",") + "]" : items[0]
            }
        }
        out += "}"
    }

    private var jsonScalar: String {
        guard let primitive else { return "null" }
        switch kind {
        case .string: return Self.quoted(primitive)
        case .number, .boolean: return primitive
        }
    }

    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20 || c == "\u{2028}" || c == "\u{2029}":
                out += String(format: "\\u%04x", c.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// A JSON value; numbers keep their text.
indirect enum JSONToken: Hashable {
    case object([String: JSONToken])
    case array([JSONToken])
    case string(String)
    case number(String)
    case bool(Bool)
    case null
}

/// A strict JSON reader (RFC 8259) over UTF-8 bytes. Foundation's parser turns numbers into
/// binary values (`7.0` becomes `7`) and keeps one of two equal keys silently; FHIR needs
/// neither. Nesting is bounded (`maximumDepth`), so hostile input cannot exhaust the stack.
struct JSONReader {
    struct Failure: Error {
        var reason: String
        var line: Int
    }

    static let maximumDepth = 200

    private let bytes: [UInt8]
    private var index = 0
    private var line = 1

    static func read(_ data: Data) throws -> JSONToken {
        guard String(bytes: data, encoding: .utf8) != nil else { throw Failure(reason: "the text is not UTF-8", line: 1) }
        var reader = JSONReader(bytes: [UInt8](data))
        if reader.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { reader.index = 3 }
        let value = try reader.value(depth: 0)
        reader.skipSpace()
        guard reader.index == reader.bytes.count else { throw reader.failure("text after the end of the JSON value") }
        return value
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private func failure(_ reason: String) -> Failure { Failure(reason: reason, line: line) }

    private mutating func skipSpace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x0A: line += 1; index += 1
            case 0x20, 0x09, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func value(depth: Int) throws -> JSONToken {
        guard depth < Self.maximumDepth else { throw failure("nested deeper than \(Self.maximumDepth) levels") }
        skipSpace()
        guard index < bytes.count else { throw failure("unexpected end") }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var members: [String: JSONToken] = [:]
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
            while true {
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw failure("a member name is expected") }
                let key = try string()
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw failure("':' is expected") }
                index += 1
                guard members[key] == nil else { throw failure("member '\(key.prefix(64))' occurs twice") }
                members[key] = try value(depth: depth + 1)
                skipSpace()
                guard index < bytes.count else { throw failure("unexpected end") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
                throw failure("',' or '}' is expected")
            }
        case UInt8(ascii: "["):
            index += 1
            var items: [JSONToken] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
            while true {
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard index < bytes.count else { throw failure("unexpected end") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
                throw failure("',' or ']' is expected")
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default:
            return .number(try number())
        }
    }

    private mutating func literal(_ word: String) throws {
        let expected = Array(word.utf8)
        guard bytes.count - index >= expected.count, Array(bytes[index..<(index + expected.count)]) == expected else {
            throw failure("unexpected character")
        }
        index += expected.count
    }

    private mutating func number() throws -> String {
        let start = index
        func digits() -> Int {
            let from = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
            return index - from
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        let integerStart = index
        guard digits() > 0 else { throw failure("unexpected character") }
        if bytes[integerStart] == UInt8(ascii: "0"), index - integerStart > 1 { throw failure("numbers may not start with 0") }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { throw failure("digits are expected after '.'") }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { throw failure("digits are expected in the exponent") }
        }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func string() throws -> String {
        index += 1
        var scalars = String.UnicodeScalarView()
        var runStart = index
        func flush() { scalars.append(contentsOf: String(decoding: bytes[runStart..<index], as: UTF8.self).unicodeScalars) }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                flush()
                index += 1
                return String(scalars)
            }
            if byte < 0x20 { throw failure("control characters must be escaped in strings") }
            if byte != UInt8(ascii: "\\") { index += 1; continue }
            flush()
            index += 1
            guard index < bytes.count else { break }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""): scalars.append("\"")
            case UInt8(ascii: "\\"): scalars.append("\\")
            case UInt8(ascii: "/"): scalars.append("/")
            case UInt8(ascii: "b"): scalars.append("\u{8}")
            case UInt8(ascii: "f"): scalars.append("\u{C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800...0xDBFF).contains(code) {
                    guard bytes.count - index >= 6, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                        throw failure("an unpaired surrogate escape")
                    }
                    index += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw failure("an unpaired surrogate escape") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(code) else { throw failure("an unpaired surrogate escape") }
                scalars.append(scalar)
            default:
                throw failure("unknown escape in a string")
            }
            runStart = index
        }
        throw failure("a string is not closed")
    }

    private mutating func hex4() throws -> UInt32 {
        guard bytes.count - index >= 4, let code = UInt32(String(decoding: bytes[index..<(index + 4)], as: UTF8.self), radix: 16) else {
            throw failure("\\u needs four hex digits")
        }
        index += 4
        return code
    }
}
