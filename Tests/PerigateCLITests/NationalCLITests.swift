import Foundation
import Testing

let nationalCorpus = CLITests.root.deletingLastPathComponent().appendingPathComponent("shared/corpus")
let nationalCorpusPresent = FileManager.default.fileExists(atPath: nationalCorpus.path)

/// The national standards through the real binary: `perigate validate` gives every corpus
/// instance with a schema the manifest's verdict; `perigate map` reads the HL7v3 kernset (no
/// schema installed) and resolves ADA relative dates only with `--reference-date`.
@Suite("perigate CLI: national standards", .enabled(if: nationalCorpusPresent, "../shared/corpus is absent"))
struct NationalCLITests {
    static let corpus = nationalCorpus
    static let pack = ["--schemas", "Schemas/packs/nictiz-perinatal.json=" + corpus.path]

    @Test("perigate validate: the manifest's verdict for every instance with a schema")
    func validateManifest() throws {
        let manifest = try String(contentsOf: Self.corpus.appendingPathComponent("MANIFEST.tsv"), encoding: .utf8)
        let rows = manifest.split(separator: "\n").dropFirst().map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
            .filter { !$0[4].isEmpty }
        let result = try CLITests.run(["validate"] + Self.pack + rows.map { Self.corpus.appendingPathComponent($0[0]).path })
        #expect(result.status == 1, "some instances are invalid, so the exit status is 1")
        for row in rows {
            let line = result.output.split(separator: "\n").first { $0.hasPrefix(Self.corpus.appendingPathComponent(row[0]).path + ":") }
            let verdict = row[5] == "valid" ? "VALID" : "INVALID"
            #expect(line?.contains(": \(verdict)") == true, "\(row[0]): \(line ?? "no line")")
        }
        #expect(rows.count == 53)
    }

    @Test("perigate map: HL7v3 kernset without its schema (flagged), ADA relative dates need --reference-date")
    func map() throws {
        let hl7 = Self.corpus.appendingPathComponent("hl7v3-kernset/2.3/instances/scenarios/scenario1-23.xml").path
        let ada = Self.corpus.appendingPathComponent("ada-kernset/2.3/instances/scenarios/scenario1-23.xml").path
        let without = try CLITests.run(["map"] + Self.pack + [ada])
        #expect(without.status == 1)
        #expect(without.output.contains("mapping.relative-date"))
        let mapped = try CLITests.run(["map"] + Self.pack + ["--reference-date", "2020-01-01", hl7, ada])
        #expect(mapped.status == 0, "\(mapped.error)")
        let results = try #require(try JSONSerialization.jsonObject(with: Data(mapped.output.utf8)) as? [[String: Any]])
        #expect((results[0]["warning"] as? String)?.contains("without schema validation") == true)
        #expect(results[1]["warning"] == nil)
        let pregnancies = results.map { (($0["facts"] as? [String: Any])?["pregnancy"] as? [String: Any])?["dueDate"] as? String }
        #expect(pregnancies == ["2019-10-09", "2019-10-09"])
        #expect(try CLITests.run(["map"] + Self.pack + ["--reference-date", "2020-02-30", ada]).error.contains("not a calendar date"))
    }

    /// An operator's unpacked HL7-mappings release holding only kernset 2.3.5, in Nictiz's layout.
    static func partialNictizDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("perigate-nictiz-\(UUID().uuidString)")
        let schemas = directory.appendingPathComponent("ada_2_hl7/peri/2.3.5/kernset_geboortezorg")
        try FileManager.default.createDirectory(at: schemas, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: corpus.appendingPathComponent("ada-kernset/2.3.5/schemas/ada_schemas"),
                                         to: schemas.appendingPathComponent("ada_schemas"))
        return directory
    }

    @Test("a pack over a partial Nictiz release: perigate schemas and serve's start-up table say what is installed and what is missing")
    func partialPack() throws {
        let directory = try Self.partialNictizDirectory()
        let pack = ["--schemas", "Schemas/packs/nictiz-perinatal.json=" + directory.path]
        let listing = try CLITests.run(["schemas"] + pack + ["--format", "json"])
        #expect(listing.status == 0, "\(listing.error)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(listing.output.utf8)) as? [[String: Any]])
        func row(_ kind: String, _ version: String) -> [String: Any]? {
            rows.first { $0["kind"] as? String == kind && $0["version"] as? String == version }
        }
        #expect(row("kernset-ada", "2.3.5")?["installation"] as? String == "installed")
        #expect((row("kernset-ada", "2.3.5")?["schema"] as? String)?.hasSuffix("ada_2_hl7/peri/2.3.5/kernset_geboortezorg/ada_schemas/ada_kernset_geboortezorg.xsd") == true)
        #expect(row("kernset-ada", "2.3.4")?["installation"] as? String == "not installed")
        #expect(row("kernset-ada", "2.3.4")?["schema"] as? String == "ada-kernset/2.3/schemas/ada_schemas/ada_kernset_geboortezorg.xsd")
        #expect(row("jgz-dossieroverdracht-hl7v3", "8.0")?["installation"] as? String == "not installed")
        #expect(row("kernset-hl7v3", "2.3")?["installation"] as? String == "no public XSD")
        #expect(row("verwijzing", "1.0")?["installation"] as? String == "installed")

        let log = FileManager.default.temporaryDirectory.appendingPathComponent("perigate-schemas-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let serve = try ServeProcess.start(extraArguments: pack, standardError: try FileHandle(forWritingTo: log))
        serve.killIfRunning()
        let text = try String(contentsOf: log, encoding: .utf8)
        #expect(text.contains("perigate schemas:"))
        let lines = text.split(separator: "\n")
        #expect(lines.contains { $0.contains("kernset-ada") && $0.contains("2.3.5") && $0.contains("installed") && !$0.contains("not installed") })
        #expect(lines.contains { $0.contains("kernset-ada") && $0.contains("2.3.4") && $0.contains("not installed") })
        #expect(lines.contains { $0.contains("schema not installed") && $0.contains("kind=jgz-dossieroverdracht-hl7v3") || $0.contains("schema not installed") && $0.contains("jgz-dossieroverdracht-hl7v3") })
    }

    @Test("ingest.acceptWithoutSchema names national kinds only: a typo or one of Perigate's own kinds stops the start")
    func acceptWithoutSchemaChecked() throws {
        let db = FileManager.default.temporaryDirectory.appendingPathComponent("perigate-aws-\(UUID().uuidString).sqlite").path
        for (value, complaint) in [("kernset-hl7", "is not a kind (or kind and version) in the loaded catalogs"), ("kernset-hl7v3 9.9", "is not a kind (or kind and version)"), ("verwijzing", "one of Perigate's own kinds")] {
            let run = try CLITests.run(["serve", "--db", db, "--port", "0"] + Self.pack,
                                       environment: ["PERIGATE_INGEST_ACCEPT_WITHOUT_SCHEMA": value])
            #expect(run.status != 0)
            #expect(run.error.contains(complaint), "\(run.error.suffix(400))")
        }
    }

    @Test("perigate record merges a message without an installed XSD as map reads it: said on standard error, flagged in the provenance")
    func recordWithoutSchema() throws {
        let hl7 = Self.corpus.appendingPathComponent("hl7v3-kernset/2.3/instances/scenarios/scenario1-23.xml").path
        let merged = try CLITests.run(["record"] + Self.pack + [hl7])
        #expect(merged.status == 0, "\(merged.error)")
        #expect(merged.error.contains("merged without schema validation: no schema for kernset-hl7v3 2.3 is installed"))
        let records = try #require(try JSONSerialization.jsonObject(with: Data(merged.output.utf8)) as? [[String: Any]])
        let sources = try #require(records.first?["sources"] as? [[String: Any]])
        #expect(sources.map { $0["schemaValidated"] as? Bool } == [false])
    }
}
