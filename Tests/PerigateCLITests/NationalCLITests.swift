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
}
