import Foundation

/// The rows of the Nictiz corpus manifest (`../shared/corpus/MANIFEST.tsv`): path, family,
/// version, schema, verdict and first error of each instance; none when the corpus is absent.
public enum CorpusManifest {
    public struct Row: Sendable, CustomStringConvertible {
        public var path: String
        public var family: String
        public var version: String
        public var schema: String
        public var verdict: String
        public var firstError: String
        public var description: String { path }
    }

    public static let rows: [Row] = {
        guard let text = try? String(contentsOf: TestSupport.corpus.appendingPathComponent("MANIFEST.tsv"), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").dropFirst().map { line in
            let cells = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return Row(path: cells[0], family: cells[1], version: cells[2], schema: cells[4], verdict: cells[5],
                       firstError: cells.count > 10 ? cells[10] : "")
        }
    }()
}
