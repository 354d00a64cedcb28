import PerigateXML

/// Reads typed values relative to a node with XPath (never string scraping).
/// Absent nodes give `nil`: mappers never invent data.
struct NodeReader {
    let query: XPathQuery

    func text(_ path: String, in node: XMLNode? = nil) -> String? {
        guard let value = try? query.matches(path, context: node).first?.value else { return nil }
        let trimmed = value.trimmingWhitespace
        return trimmed.isEmpty ? nil : trimmed
    }

    /// A date-time in the canonical form of every mapper (``NationalDate``): seconds, the zone
    /// as `±hh:mm` or `Z`, fractions dropped; a value that is no date-time as sent (the XSD
    /// has checked it).
    func dateTime(_ path: String, in node: XMLNode? = nil) -> String? {
        text(path, in: node).map { (try? NationalDate.isoCanonical($0)) ?? $0 }
    }

    func int(_ path: String, in node: XMLNode? = nil) -> Int? {
        text(path, in: node).flatMap { Int($0) }
    }

    func bool(_ path: String, in node: XMLNode? = nil) -> Bool? {
        switch text(path, in: node) {
        case "true", "1": return true
        case "false", "0": return false
        default: return nil
        }
    }

    func texts(_ path: String, in node: XMLNode? = nil) -> [String] {
        ((try? query.matches(path, context: node)) ?? []).map { $0.value.trimmingWhitespace }.filter { !$0.isEmpty }
    }

    func nodes(_ path: String, in node: XMLNode? = nil) -> [XMLNode] {
        (try? query.nodes(path, context: node)) ?? []
    }

    func node(_ path: String, in node: XMLNode? = nil) -> XMLNode? {
        nodes(path, in: node).first
    }

    /// `<x code=".." codeSystem=".." displayName=".."/>`.
    func coded(_ node: XMLNode) -> CodedValue? {
        guard let code = text("@code", in: node) else { return nil }
        return CodedValue(code: code, system: text("@codeSystem", in: node), display: text("@displayName", in: node))
    }
}
