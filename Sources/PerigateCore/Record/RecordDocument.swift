import Crypto
import Foundation
import Synchronization

/// Her record as the API sends it: the record through a view, its JSON body (``CanonicalJSON``)
/// and the `ETag` of that body. The body is made on first use and then kept with the record, so
/// that a repeated read of an unchanged record (a partner polling with `If-None-Match`) does not
/// encode it again.
public final class RecordDocument: Sendable, Hashable {
    public let record: ClientRecord
    private let encoded = Mutex<(body: Data, tag: String)?>(nil)

    public init(_ record: ClientRecord) {
        self.record = record
    }

    /// The JSON body and its tag (a quoted hex digest of the body).
    public func body() throws -> (body: Data, tag: String) {
        if let encoded = encoded.withLock({ $0 }) { return encoded }
        let body = try CanonicalJSON.data(record)
        let made = (body, "\"" + Hex.encode(SHA256.hash(data: body).prefix(16)) + "\"")
        encoded.withLock { $0 = made }
        return made
    }

    /// Two documents are equal when their records are (the body follows from the record).
    public static func == (lhs: RecordDocument, rhs: RecordDocument) -> Bool {
        lhs.record == rhs.record
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(record)
    }
}
