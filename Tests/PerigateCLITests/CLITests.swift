import Foundation
import Testing

/// Runs the real `perigate` binary built next to the test bundle.
@Suite("perigate CLI")
struct CLITests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The built binary: $PERIGATE_BIN, or `perigate` beside the test bundle.
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["PERIGATE_BIN"] { return path }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent("perigate").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return root.appendingPathComponent(".build/debug/perigate").path
    }

    struct Run {
        var status: Int32
        var output: String
        var error: String
    }

    static func run(_ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:], directory: URL? = nil) throws -> Run {
        let process = Process()
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new } }
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.currentDirectoryURL = directory ?? root
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let error = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
                   error: String(decoding: error, as: UTF8.self))
    }

    @Test("validate: valid files exit 0 and say VALID with kind and version")
    func validFiles() throws {
        let result = try Self.run(["validate", "Samples/valid/verwijzing-1-hypertensie-regulier.xml",
                                   "Samples/valid/phbaanmelding-1-psychosociaal.xml"])
        #expect(result.status == 0)
        #expect(result.output == """
        Samples/valid/verwijzing-1-hypertensie-regulier.xml: verwijzing 1.0: VALID
        Samples/valid/phbaanmelding-1-psychosociaal.xml: phbaanmelding 1.0: VALID

        """)
    }

    @Test("validate: one invalid file makes the exit status 1 and lists the issue with line and path")
    func invalidFile() throws {
        let result = try Self.run(["validate", "Samples/valid/verwijzing-1-hypertensie-regulier.xml",
                                   "Samples/invalid/verwijzing-bsn-elfproef.xml"])
        #expect(result.status == 1)
        #expect(result.output.contains("Samples/invalid/verwijzing-bsn-elfproef.xml: verwijzing 1.0: INVALID (1 error)"))
        #expect(result.output.contains("  error line 30 at /verwijzing/client/bsn: BSN: fails the elfproef (11-check) [bsn.elfproef]"))
    }

    @Test("validate --format json reads standard input")
    func jsonFromStdin() throws {
        let data = try Data(contentsOf: Self.root.appendingPathComponent("Samples/invalid/phbaanmelding-no-consent.xml"))
        let result = try Self.run(["validate", "--format", "json", "-"], stdin: data)
        #expect(result.status == 1)
        let decoded = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [[String: Any]]
        let report = try #require(decoded?.first?["report"] as? [String: Any])
        #expect(decoded?.first?["file"] as? String == "-")
        #expect(report["outcome"] as? String == "invalid")
        #expect(report["kind"] as? String == "phbaanmelding")
        let issue = try #require((report["issues"] as? [[String: Any]])?.first)
        #expect(issue["path"] as? String == "/phbaanmelding")
        #expect((issue["message"] as? String)?.contains("toestemming") == true)
    }

    @Test("validate: a missing file is reported, not a crash")
    func missingFile() throws {
        let result = try Self.run(["validate", "Samples/does-not-exist.xml"])
        #expect(result.status == 1)
        #expect(result.output.contains("Samples/does-not-exist.xml: ERROR Samples/does-not-exist.xml: no such file"))
    }

    @Test("schemas lists the catalog; a broken catalog stops with the file named")
    func schemas() throws {
        let list = try Self.run(["schemas"])
        #expect(list.status == 0)
        for kind in ["verwijzing", "terugverwijzing", "kraamzorgoverdracht", "jgzoverdracht", "phbaanmelding"] {
            #expect(list.output.contains("perigate  \(kind)"))
        }
        let broken = try Self.run(["schemas", "--schemas", "/nonexistent-perigate-dir"])
        #expect(broken.status != 0)
        #expect(broken.error.contains("/nonexistent-perigate-dir/catalog.json: catalog file not found or unreadable"))
    }

    @Test("record merges the sequence into one client record; map refuses an invalid message")
    func recordAndMap() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("Samples/sequence").path)
            .filter { $0.hasSuffix(".xml") }.sorted().map { "Samples/sequence/" + $0 }
        let record = try Self.run(["record", "--no-history"] + files)
        #expect(record.status == 0)
        let records = try #require(try JSONSerialization.jsonObject(with: Data(record.output.utf8)) as? [[String: Any]])
        #expect(records.count == 1)
        #expect(records.first?["bsn"] as? String == "999990044")
        let pregnancies = records.first?["pregnancies"] as? [[String: Any]] ?? []
        #expect(pregnancies.count == 1)
        #expect(pregnancies.first?["conflicts"] as? [String] == ["pregnancy.dueDate"])

        let map = try Self.run(["map", "Samples/valid/jgzoverdracht-1-eenling.xml", "Samples/invalid/jgzoverdracht-child-bsn-elfproef.xml"])
        #expect(map.status == 1)
        let results = try #require(try JSONSerialization.jsonObject(with: Data(map.output.utf8)) as? [[String: Any]])
        #expect((results[0]["facts"] as? [String: Any])?["client"] != nil)
        #expect(results[1]["facts"] == nil)
        #expect(results[1]["error"] as? String == "not valid (invalid)")
    }

    @Test("bench validate prints documents/s for each file")
    func bench() throws {
        let result = try Self.run(["bench", "validate", "--seconds", "0.2", "--threads", "2",
                                   "Samples/valid/jgzoverdracht-1-eenling.xml"])
        #expect(result.status == 0)
        let row = try #require(result.output.split(separator: "\n").last)
        let cells = row.split(separator: " ", omittingEmptySubsequences: true)
        #expect(cells.first == "jgzoverdracht-1-eenling.xml")
        #expect(cells[2] == "2")
        #expect(cells[3] == "valid")
        #expect((Int(cells[4]) ?? 0) > 0)
    }
}
