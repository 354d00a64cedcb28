import Foundation

/// JSON for storage, shared by every store: compact, keys unsorted (nobody diffs it; sorting
/// costs time on every ingest).
public enum StorageJSON {
    /// The encoded bytes.
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        try JSONEncoder().encode(value)
    }

    /// The same as text, for a TEXT column.
    public static func text<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encode(value), as: UTF8.self)
    }
}

extension Array {
    /// Consecutive slices of at most `size` elements (statements with a bounded number of
    /// parameters).
    public func chunked(into size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
