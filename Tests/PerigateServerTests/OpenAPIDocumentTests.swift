import Foundation
import Testing
import PerigateServer
import PerigateTestSupport

/// `Schemas/openapi.json` against the code and docs/http.md: every problem code the gateway can
/// send is in the document under its one status, every code docs/http.md documents is there too,
/// and the document's paths are exactly the gateway's routes. (That the running server keeps to
/// the document is checked by schemathesis: `SchemathesisTests`.)
@Suite("OpenAPI document")
struct OpenAPIDocumentTests {
    static func document() throws -> [String: Any] {
        let data = try Data(contentsOf: TestSupport.root.appendingPathComponent("Schemas/openapi.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// Status → the problem codes the document allows under it (`components.responses`).
    static func documentedCodes() throws -> [Int: Set<String>] {
        let components = try #require(try document()["components"] as? [String: Any])
        let responses = try #require(components["responses"] as? [String: [String: Any]])
        var codes: [Int: Set<String>] = [:]
        for (name, response) in responses {
            let content = try #require((response["content"] as? [String: Any])?["application/problem+json"] as? [String: Any], "\(name)")
            let parts = try #require((content["schema"] as? [String: Any])?["allOf"] as? [[String: Any]], "\(name)")
            let properties = try #require(parts.last?["properties"] as? [String: [String: Any]], "\(name)")
            let status = try #require(properties["status"]?["const"] as? Int, "\(name)")
            codes[status, default: []].formUnion(try #require(properties["code"]?["enum"] as? [String], "\(name)"))
        }
        return codes
    }

    /// (status, code) of every row of docs/http.md's error table.
    static func httpDocCodes() throws -> [(status: Int, code: String)] {
        let text = try String(contentsOf: TestSupport.root.appendingPathComponent("docs/http.md"), encoding: .utf8)
        let table = try #require(text.components(separatedBy: "## Errors").last?.components(separatedBy: "\n## ").first)
        var rows: [(Int, String)] = []
        for line in table.split(separator: "\n") where line.hasPrefix("| ") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let status = cells.first.flatMap({ Int($0) }), cells.count > 1 else { continue }
            for code in cells[1].split(separator: "`", omittingEmptySubsequences: false).enumerated().filter({ $0.offset % 2 == 1 }).map({ String($0.element) }) {
                rows.append((status, code))
            }
        }
        return rows
    }

    @Test("every problem code of the gateway is in the document under its status, and in docs/http.md")
    func everyProblemCode() throws {
        let documented = try Self.documentedCodes()
        let http = try Self.httpDocCodes()
        // The witness server (`perigate audit witness`) is another service with its own codes.
        let gateway = ProblemCode.allCases.filter { !$0.rawValue.hasPrefix("witness.") }
        #expect(gateway.count > 40)
        for code in gateway {
            #expect(documented[Int(code.status.code)]?.contains(code.rawValue) == true, "\(code.rawValue) (\(code.status.code)) is not in openapi.json")
            #expect(http.contains { $0.status == Int(code.status.code) && $0.code == code.rawValue },
                    "\(code.rawValue) (\(code.status.code)) is not in docs/http.md's error table")
        }
    }

    @Test("every code docs/http.md documents is in the document with the same status, and the document has no others")
    func httpDocAgrees() throws {
        let documented = try Self.documentedCodes()
        let http = try Self.httpDocCodes()
        #expect(http.count > 45)
        for row in http {
            #expect(documented[row.status]?.contains(row.code) == true, "docs/http.md: \(row.status) \(row.code) is not in openapi.json")
        }
        for (status, codes) in documented {
            for code in codes {
                #expect(http.contains { $0.status == status && $0.code == code }, "openapi.json: \(status) \(code) is not in docs/http.md")
            }
        }
    }

    @Test("the document's operations are exactly the gateway's routes")
    func everyRoute() throws {
        let source = try String(contentsOf: TestSupport.root.appendingPathComponent("Sources/PerigateServer/GatewayServer.swift"), encoding: .utf8)
        let pattern = try NSRegularExpression(pattern: #"router\.(get|post|patch|delete|put)\("([^"]+)"\)"#)
        let routes = Set(pattern.matches(in: source, range: NSRange(source.startIndex..., in: source)).map { match in
            let method = String(source[Range(match.range(at: 1), in: source)!]).uppercased()
            let path = String(source[Range(match.range(at: 2), in: source)!]).split(separator: "/")
                .map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
            return "\(method) /\(path)"
        })
        let paths = try #require(try Self.document()["paths"] as? [String: [String: Any]])
        let operations = Set(paths.flatMap { path, methods in methods.keys.map { "\($0.uppercased()) \(path)" } })
        #expect(routes.count > 20)
        #expect(routes == operations, "only in the code: \(routes.subtracting(operations).sorted()); only in the document: \(operations.subtracting(routes).sorted())")
        for (path, methods) in paths where path.hasPrefix("/v1/") {
            for (method, operation) in methods {
                let responses = try #require((operation as? [String: Any])?["responses"] as? [String: Any])
                for status in ["400", "401", "403", "500", "503"] {
                    #expect(responses[status] != nil, "\(method) \(path) does not document \(status)")
                }
            }
        }
    }
}
