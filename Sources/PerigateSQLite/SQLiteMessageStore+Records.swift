import Foundation
import PerigateCore
import SQLiteNIO

/// Her client row (index and merged record) and the record's source rows (migration 14).
extension SQLiteMessageStore {
    public func clientRow(bsn: String) async throws -> ClientRow? {
        try await clientRow(bsn: bsn, on: reader)
    }

    func clientRow(bsn: String, on database: SQLiteConnection) async throws -> ClientRow? {
        guard let row = try await database.query(
            "SELECT version, client_index, state, state_size, rebuilt_version FROM client_records WHERE bsn = ?", [.text(bsn)]).first else {
            return nil
        }
        // A part that no longer decodes (a damaged row) counts as stale: rebuilt from her
        // messages, never a reason to refuse the next message of hers.
        let index = row.column("client_index")?.string.flatMap { try? JSONDecoder().decode(ClientIndex.self, from: Data($0.utf8)) }
        var state: RecordState?
        if let blob = row.column("state")?.blob, let size = row.column("state_size")?.integer {
            state = try? ClientRow.decodeState(Data(blob.readableBytesView), size: Int(size))
        }
        return ClientRow(version: Int(row.column("version")?.integer ?? 0), index: index, state: state,
                         rebuiltVersion: Int(row.column("rebuilt_version")?.integer ?? 0))
    }

    public func clientIndex(bsn: String) async throws -> (version: Int, index: ClientIndex?)? {
        guard let row = try await reader.query("SELECT version, client_index FROM client_records WHERE bsn = ?", [.text(bsn)]).first else {
            return nil
        }
        return (Int(row.column("version")?.integer ?? 0),
                row.column("client_index")?.string.flatMap { try? JSONDecoder().decode(ClientIndex.self, from: Data($0.utf8)) })
    }

    public func recordSources(bsn: String, from position: Int, facts: Bool) async throws -> RecordSourcesRead? {
        // One statement: the rows and her row's versions come from one snapshot.
        let rows = try await reader.query("""
            SELECT c.version AS version, c.rebuilt_version AS rebuilt, (c.state IS NOT NULL AND c.client_index IS NOT NULL) AS current,
                s.body AS body, m.facts AS facts
            FROM client_records c
            LEFT JOIN record_sources s ON s.bsn = c.bsn AND s.position >= ?
            LEFT JOIN messages m ON ? AND m.id = json_extract(s.body, '$.source.messageId')
            WHERE c.bsn = ? ORDER BY s.position
            """, [.integer(position), .integer(facts ? 1 : 0), .text(bsn)])
        guard let first = rows.first else { return nil }
        var read = RecordSourcesRead(version: Int(first.column("version")?.integer ?? 0), rebuiltVersion: Int(first.column("rebuilt")?.integer ?? 0),
                                     current: (first.column("current")?.integer ?? 0) != 0)
        for row in rows {
            guard let body = row.column("body")?.string else { continue }
            try read.append(body: body, facts: row.column("facts")?.string, withFacts: facts)
        }
        return read
    }

    public func replaceClientRow(bsn: String, index: ClientIndex, state: RecordState, sources: [RecordSourceRow],
                                 expectedVersion: Int?) async throws -> Bool {
        let encoded = try ClientRow.encodeRebuild(index: index, state: state, sources: sources)
        return try await transaction {
            guard try await self.clientRow(bsn: bsn, on: self.connection)?.version == expectedVersion else { return false }
            _ = try await self.connection.query("DELETE FROM record_sources WHERE bsn = ?", [.text(bsn)])
            try await self.insertSources(bsn: bsn, bodies: encoded.sources)
            let version = (expectedVersion ?? 0) + 1
            try await self.writeClientRow(bsn: bsn, version: version, index: encoded.index, state: encoded.state, rebuiltVersion: version)
            return true
        }
    }

    public func clientsWithMessages() async throws -> [(bsn: String, current: Bool)] {
        try await reader.query("""
            SELECT m.bsn AS bsn, (c.client_index IS NOT NULL AND c.state IS NOT NULL) AS current
            FROM (SELECT bsn, MIN(rowid) AS first FROM messages WHERE bsn IS NOT NULL GROUP BY bsn) m
            LEFT JOIN client_records c ON c.bsn = m.bsn ORDER BY m.first
            """, []).map { ($0.column("bsn")?.string ?? "", ($0.column("current")?.integer ?? 0) != 0) }
    }

    /// Inside the accept transaction: the client rows after the newly stored messages (in order).
    func updateClientRows(_ stored: [StoredMessage]) async throws {
        var rows: [String: ClientRow] = [:]
        var order: [String] = []
        var sources: [String: [(Int, String)]] = [:]
        for message in stored {
            guard let bsn = message.bsn else { continue }
            if !order.contains(bsn) {
                order.append(bsn)
                if let row = try await clientRow(bsn: bsn, on: connection) { rows[bsn] = row }
            }
            let (row, source) = try ClientRow.adding(message.facts, bsn: bsn, to: rows[bsn])
            rows[bsn] = row
            if let source, let state = row.state { sources[bsn, default: []].append((state.count - 1, try StorageJSON.text(source))) }
        }
        for bsn in order {
            guard let row = rows[bsn] else { continue }
            try await insertSources(bsn: bsn, bodies: sources[bsn] ?? [])
            try await writeClientRow(bsn: bsn, version: row.version, index: try row.index.map(StorageJSON.text),
                                     state: try row.state.map(ClientRow.encode), rebuiltVersion: row.rebuiltVersion)
        }
    }

    private func insertSources(bsn: String, bodies: [(Int, String)]) async throws {
        for chunk in bodies.chunked(into: 300) {
            let placeholders = Array(repeating: "(?, ?, ?)", count: chunk.count).joined(separator: ", ")
            _ = try await connection.query("INSERT OR REPLACE INTO record_sources (bsn, position, body) VALUES \(placeholders)",
                                           chunk.flatMap { [.text(bsn), .integer($0.0), .text($0.1)] as [SQLiteData] })
        }
    }

    private func writeClientRow(bsn: String, version: Int, index: String?, state: (compressed: Data, size: Int)?,
                                rebuiltVersion: Int) async throws {
        _ = try await connection.query("""
            INSERT INTO client_records (bsn, version, client_index, state, state_size, rebuilt_version) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (bsn) DO UPDATE SET version = excluded.version, client_index = excluded.client_index,
                state = excluded.state, state_size = excluded.state_size, rebuilt_version = excluded.rebuilt_version
            """, [.text(bsn), .integer(version), index.map { .text($0) } ?? .null,
                  state.map { .blob(ByteBuffer(bytes: $0.compressed)) } ?? .null, state.map { .integer($0.size) } ?? .null,
                  .integer(rebuiltVersion)])
    }
}
