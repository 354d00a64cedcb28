import Foundation

/// A whole store as JSON Lines, for moving a deployment (SQLite → PostgreSQL): one record per
/// row, tables in dependency order, each row's columns as stored — raw messages still compressed,
/// audit lines with their sequence numbers and hashes, so the chain stays verifiable after the move.
public enum StoreDump {
    /// One row of one table.
    public struct Record: Codable, Sendable, Equatable {
        public var table: String
        public var values: [String: Value]

        public init(table: String, values: [String: Value]) {
            self.table = table
            self.values = values
        }
    }

    /// A column value.
    public enum Value: Codable, Sendable, Equatable {
        case text(String)
        case integer(Int)
        case bool(Bool)
        /// Bytes, base64 in the file.
        case bytes(Data)
        case null

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            if let text = try container.decodeIfPresent(String.self, forKey: .text) { self = .text(text) }
            else if let number = try container.decodeIfPresent(Int.self, forKey: .integer) { self = .integer(number) }
            else if let flag = try container.decodeIfPresent(Bool.self, forKey: .bool) { self = .bool(flag) }
            else if let base64 = try container.decodeIfPresent(String.self, forKey: .bytes) {
                guard let data = Data(base64Encoded: base64) else {
                    throw DecodingError.dataCorruptedError(forKey: .bytes, in: container, debugDescription: "not base64")
                }
                self = .bytes(data)
            } else { self = .null }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            switch self {
            case .text(let text): try container.encode(text, forKey: .text)
            case .integer(let number): try container.encode(number, forKey: .integer)
            case .bool(let flag): try container.encode(flag, forKey: .bool)
            case .bytes(let data): try container.encode(data.base64EncodedString(), forKey: .bytes)
            case .null: break
            }
        }

        enum Key: String, CodingKey { case text, integer, bool, bytes }
    }

    /// The tables and columns that move, in the order they are written and read back. Columns
    /// derived by the database (sequence numbers other than the audit chain's, generated columns)
    /// are left out: the target assigns them in the same order.
    public static let tables: [(name: String, columns: [String])] = [
        ("partners", ["id", "name", "type", "ura", "agb", "lvr", "token_hash", "created_at", "revoked", "cert_sha256"]),
        ("client_credentials", ["id", "bsn", "token_hash", "created_at", "revoked"]),
        ("operators", ["id", "name", "token_hash", "created_at", "revoked", "role", "password_hash"]),
        ("messages", ["id", "received_at", "kind", "version", "outcome", "sender_ura", "bsn", "raw", "raw_size", "report", "sender_partner"]),
        ("consents", ["bsn", "status", "date", "recorded_at", "recorded_by", "message_id"]),
        ("care_confirmations", ["bsn", "ura", "confirmed_at", "confirmed_by"]),
        ("subscriptions", ["id", "partner_id", "body", "created_at"]),
        ("deliveries", ["id", "message_id", "bsn", "partner_id", "subscription_id", "status", "next_attempt_at", "body"]),
        ("delivery_attempts", ["delivery_id", "body"]),
        ("audit_purges", ["up_to", "anchor_hash", "anchor_time", "time", "public_key", "signature"]),
        ("audit_log", ["seq", "line", "prev_hash", "hash"]),
    ]

    /// Columns that are booleans (SQLite stores them as 0/1).
    public static let booleanColumns: Set<String> = ["revoked"]

    /// Counts per table, for the summary of an export or import.
    public static func summary(_ counts: [String: Int]) -> String {
        tables.map { "\($0.name) \(counts[$0.name] ?? 0)" }.joined(separator: ", ")
    }
}

/// A store that can write itself out as a ``StoreDump`` (the source of a move).
public protocol StoreDumping: Sendable {
    /// Every row of every dump table, in ``StoreDump/tables`` order and storage order within a table.
    func dump(_ write: (StoreDump.Record) throws -> Void) async throws
}

/// A store that can take a ``StoreDump`` in (the target of a move): only when it is empty.
public protocol StoreLoading: Sendable {
    /// Inserts the records as they are, in one transaction; refuses a store that already holds
    /// messages or audit lines. Returns the rows per table.
    func load(_ records: [StoreDump.Record]) async throws -> [String: Int]
}
