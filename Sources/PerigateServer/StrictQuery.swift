import Hummingbird
import HummingbirdCore

/// The query parameters of one request, read by one rule for every route: absent gives the
/// default; given more than once, or not in its documented form, is 400 `request.invalid-query`
/// (thrown as a ``Problem``, which renders itself) — never silently the default.
struct StrictQuery {
    let parameters: FlatDictionary<Substring, Substring>

    init(_ request: Request) {
        parameters = request.uri.queryParameters
    }

    /// The one value of `name`, or `nil` when absent.
    func string(_ name: String) throws(Problem) -> String? {
        let values = parameters.getAll(name)
        guard values.count <= 1 else { throw Problem(.requestInvalidQuery, detail: "give \(name) at most once") }
        return values.first.map { String($0) }
    }

    /// A whole number, clamped to `range` (as documented); `fallback` when absent.
    func integer(_ name: String, default fallback: Int, clampedTo range: ClosedRange<Int>) throws(Problem) -> Int {
        guard let text = try string(name) else { return fallback }
        guard let value = Int(text) else { throw Problem(.requestInvalidQuery, detail: "\(name) must be a whole number") }
        return min(max(value, range.lowerBound), range.upperBound)
    }

    /// One of `allowed`, or `nil` when absent.
    func choice(_ name: String, _ allowed: [String]) throws(Problem) -> String? {
        guard let text = try string(name) else { return nil }
        guard allowed.contains(text) else {
            throw Problem(.requestInvalidQuery, detail: "\(name) must be one of \(allowed.joined(separator: ", "))")
        }
        return text
    }

    /// `true`/`1` or `false`/`0`; `false` when absent.
    func flag(_ name: String) throws(Problem) -> Bool {
        guard let text = try choice(name, ["true", "false", "1", "0"]) else { return false }
        return text == "true" || text == "1"
    }
}
