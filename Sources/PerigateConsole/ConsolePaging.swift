import Foundation
import Hummingbird

/// One page of a console list: which page (`?pagina=2`, or the list's own parameter), and the
/// "vorige / volgende" links that keep the page's other query parameters.
struct Paging {
    /// The query parameter that numbers this list's pages.
    var parameter: String
    /// From 1.
    var number: Int
    var size: Int
    /// The request's other query parameters, kept in the links.
    var kept: [(String, String)]
    var path: String

    init(_ request: Request, parameter: String = "pagina", size: Int) {
        self.parameter = parameter
        self.size = size
        path = request.uri.path
        let parameters = request.uri.queryParameters
        number = max(1, parameters.get(parameter).flatMap { Int($0) } ?? 1)
        kept = parameters.compactMap { key, value in
            String(key) == parameter || value.isEmpty ? nil : (String(key), String(value))
        }
    }

    /// What the store skips.
    var offset: Int { (number - 1) * size }

    /// This page of an already loaded list.
    func slice<Element>(_ all: [Element]) -> (rows: [Element], links: PageLinks) {
        let rows = Array(all.dropFirst(offset).prefix(size))
        return (rows, links(hasNext: all.count > offset + size))
    }

    /// The links around this page; `hasNext` when there is at least one more row.
    func links(hasNext: Bool) -> PageLinks {
        PageLinks(number: number, previous: number > 1 ? href(number - 1) : nil, next: hasNext ? href(number + 1) : nil)
    }

    func href(_ page: Int) -> String {
        let query = (kept + (page > 1 ? [(parameter, String(page))] : [])).map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }
        return query.isEmpty ? path : path + "?" + query.joined(separator: "&")
    }

    /// Percent-encoding for a query component (everything but unreserved characters).
    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}

/// The "vorige / volgende" links of one list (`nil`: no such page). Stored properties only:
/// the templates see nothing else.
struct PageLinks {
    var number: Int
    var previous: String?
    var next: String?
    var any: Bool

    init(number: Int, previous: String?, next: String?) {
        self.number = number
        self.previous = previous
        self.next = next
        any = previous != nil || next != nil
    }
}
