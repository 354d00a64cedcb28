import Foundation
import Testing
@testable import PerigateCore
import PerigateTestSupport

/// Every file in Samples/ validates (or fails) exactly as documented.
@Suite("Samples")
struct SampleTests {
    static let valid = TestSupport.files(in: TestSupport.samples.appendingPathComponent("valid"), extension: "xml")
    static let invalid = TestSupport.files(in: TestSupport.samples.appendingPathComponent("invalid"), extension: "xml")

    @Test("there are at least 2 valid and 4 invalid samples per kind")
    func coverage() {
        for kind in ["verwijzing", "terugverwijzing", "kraamzorgoverdracht", "jgzoverdracht", "phbaanmelding", "toestemming"] {
            #expect(Self.valid.filter { $0.lastPathComponent.hasPrefix(kind + "-") }.count >= 2, "\(kind)")
            #expect(Self.invalid.filter { $0.lastPathComponent.hasPrefix(kind + "-") }.count >= 4, "\(kind)")
        }
    }

    @Test("valid samples are VALID with the kind their name says", arguments: valid)
    func validSample(_ file: URL) throws {
        let report = TestSupport.validator().validate(try Data(contentsOf: file))
        #expect(report.outcome == .valid, "\(report.issues.map(\.textLine))")
        #expect(report.issues.isEmpty)
        #expect(report.kind == file.lastPathComponent.components(separatedBy: "-").first)
        // Names end in -vMAJOR.MINOR for versions other than 1.0.
        let name = file.deletingPathExtension().lastPathComponent
        let version = name.range(of: #"-v\d+\.\d+$"#, options: .regularExpression).map { String(name[$0].dropFirst(2)) } ?? "1.0"
        #expect(report.version == version)
    }

    @Test("invalid samples fail as their .expected.txt says", arguments: invalid)
    func invalidSample(_ file: URL) throws {
        let expectedURL = file.deletingPathExtension().appendingPathExtension("expected.txt")
        let expected = try Expectation(String(contentsOf: expectedURL, encoding: .utf8))
        let report = TestSupport.validator().validate(try Data(contentsOf: file))
        #expect(report.outcome.rawValue == expected.outcome)
        let matching = report.issues.filter { $0.code == expected.code && $0.severity == .error }
        #expect(!matching.isEmpty, "no \(expected.code) among \(report.issues.map(\.code))")
        if let path = expected.path { #expect(matching.contains { $0.path == path }, "paths: \(matching.map(\.path))") }
        if let line = expected.line { #expect(matching.contains { $0.line == line }) }
        if let text = expected.contains { #expect(matching.contains { $0.message.contains(text) }, "\(matching.map(\.message))") }
    }

    /// The `key: value` lines of an `.expected.txt` file.
    struct Expectation {
        var outcome = ""
        var code = ""
        var path: String?
        var line: Int?
        var contains: String?

        init(_ text: String) {
            for row in text.split(separator: "\n") where !row.hasPrefix("#") {
                guard let colon = row.firstIndex(of: ":") else { continue }
                let value = row[row.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                switch row[..<colon] {
                case "outcome": outcome = value
                case "code": code = value
                case "path": path = value
                case "line": line = Int(value)
                case "contains": contains = value
                default: break
                }
            }
        }
    }
}
