import Foundation

/// The rows of the Nictiz corpus manifests (`../shared/corpus/MANIFEST.tsv` and
/// `MANIFEST-2026-12.tsv`): path, family, version, schema, verdict and first error of each
/// instance; none when the corpus is absent.
public enum CorpusManifest {
    public struct Row: Sendable, CustomStringConvertible {
        /// The manifest file the row is in.
        public var manifest: String
        public var path: String
        public var family: String
        /// The corpus folder's version (`2.3` is kernset 2.3.4, README).
        public var version: String
        public var schema: String
        public var verdict: String
        public var firstError: String
        /// The manifest's `pair_id`: the same scenario in another format (`ks235-scenario1-23`).
        public var pairId: String
        public var description: String { path }

        /// The version label the pack gives this family's folder version: the corpus's ADA
        /// kernset `2.3` is release 2.3.4 (`app="perinatologie-234"`); HL7v3 kernset messages name
        /// no patch level (their template id says 2.3), so 2.3.5 renderings are `2.3`.
        public var packVersion: String {
            switch (family, version) {
            case ("ada-kernset", "2.3"): return "2.3.4"
            case ("hl7v3-kernset", let version) where version.hasPrefix("2.3"): return "2.3"
            default: return version
            }
        }

        public var url: URL { TestSupport.corpus.appendingPathComponent(path) }

        /// The line of xmllint's first error: `40: element …` (MANIFEST.tsv) or `PATH:382: element …`.
        public var firstErrorLine: Int? {
            if firstError.first?.isNumber == true { return Int(firstError.prefix { $0.isNumber }) }
            let parts = firstError.split(separator: ":")
            return parts.count > 1 ? Int(parts[1]) : nil
        }
    }

    public static let files = ["MANIFEST.tsv", "MANIFEST-2026-12.tsv"]

    public static let rows: [Row] = files.flatMap { file -> [Row] in
        guard let text = try? String(contentsOf: TestSupport.corpus.appendingPathComponent(file), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").dropFirst().map { line in
            let cells = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return Row(manifest: file, path: cells[0], family: cells[1], version: cells[2], schema: cells[4], verdict: cells[5],
                       firstError: cells.count > 10 ? cells[10] : "", pairId: cells.count > 9 ? cells[9] : "")
        }
    }

    /// The row whose verdict and version label a row's message must get: itself, or, for a
    /// message that declares another release than its folder's, the row of that release.
    /// - A byte-for-byte copy of an older release's file (Nictiz's 2.3.5 folder holds the 2.2
    ///   `ada-result.xml` and `hl7-result.xml`) is that older release's message.
    /// - Rows in ``declaredElsewhere``: the message declares only what an older release's copy
    ///   declares (`app="perinatologie"`, no patch level), and differs from it only in names.
    public static func expectation(for row: Row) -> Row {
        if let twin = declaredElsewhere[row.path], let twinRow = rows.first(where: { $0.path == twin }) { return twinRow }
        let bytes = try? Data(contentsOf: row.url)
        return rows.first { $0.family == row.family && $0.version < row.version && (try? Data(contentsOf: $0.url)) == bytes } ?? row
    }

    /// Messages whose declaration is the same as an older release's copy of them (see ``expectation(for:)``).
    public static let declaredElsewhere = [
        "ada-kernset/2.3.5/instances/nictiz_test/voorbeeld-met-wrapper.xml": "ada-kernset/2.3/instances/scenarios/voorbeeld-met-wrapper.xml",
    ]
}
