import Foundation
import NIOCore
import PerigateCore
import PostgresNIO

/// Her client row (index and merged record) and the record's source rows (migration 9).
extension PostgresMessageStore {
    public func clientRow(bsn: String) async throws -> ClientRow? {
        try await client.withConnection { connection in try await self.clientRow(bsn: bsn, on: connection, lock: false) }
    }

    /// Her row; with `lock`, locked for the rest of the transaction (`FOR UPDATE`). A row of
    /// version 0 is the placeholder an accept creates to have a row to lock: no row.
    func clientRow(bsn: String, on connection: PostgresConnection, lock: Bool) async throws -> ClientRow? {
        try await clientRows(bsns: [bsn], on: connection, lock: lock)[bsn]
    }

    /// The rows of `bsns` that exist (version > 0); with `lock`, locked in BSN order, so that two
    /// transactions locking overlapping sets take turns instead of deadlocking.
    func clientRows(bsns: [String], on connection: PostgresConnection, lock: Bool) async throws -> [String: ClientRow] {
        let rows = try await connection.query(lock ? """
            SELECT bsn, version, client_index, state, state_size, rebuilt_version FROM client_records
            WHERE bsn = ANY(\(bsns)::text[]) ORDER BY bsn FOR UPDATE
            """ : """
            SELECT bsn, version, client_index, state, state_size, rebuilt_version FROM client_records WHERE bsn = ANY(\(bsns)::text[])
            """, logger: logger)
        var result: [String: ClientRow] = [:]
        for try await (bsn, version, index, state, size, rebuilt) in rows.decode((String, Int, String?, ByteBuffer?, Int?, Int).self) {
            guard version > 0 else { continue }
            // A part that no longer decodes (a damaged row) counts as stale: rebuilt from her
            // messages, never a reason to refuse the next message of hers.
            result[bsn] = ClientRow(version: version, index: index.flatMap { try? JSONDecoder().decode(ClientIndex.self, from: Data($0.utf8)) },
                                    state: state.flatMap { buffer in
                                        size.flatMap { try? ClientRow.decodeState(Data(buffer.readableBytesView), size: $0) }
                                    }, rebuiltVersion: rebuilt)
        }
        return result
    }

    public func clientIndex(bsn: String) async throws -> (version: Int, index: ClientIndex?)? {
        for try await (version, index) in try await client.execute(PreparedRead.ClientIndex(bsn: bsn), logger: logger) {
            return (version, index.flatMap { try? JSONDecoder().decode(ClientIndex.self, from: Data($0.utf8)) })
        }
        return nil
    }

    public func recordSources(bsn: String, from position: Int, facts: Bool) async throws -> RecordSourcesRead? {
        // One statement: the rows and her row's versions come from one snapshot.
        var read: RecordSourcesRead?
        for try await (version, rebuilt, current, body, stored) in try await query("""
            SELECT c.version, c.rebuilt_version, (c.state IS NOT NULL AND c.client_index IS NOT NULL), s.body, m.facts
            FROM client_records c
            LEFT JOIN record_sources s ON s.bsn = c.bsn AND s.position >= \(position)
            LEFT JOIN messages m ON \(facts) AND m.id = (s.body::json -> 'source' ->> 'messageId')
            WHERE c.bsn = \(bsn) AND c.version > 0 ORDER BY s.position
            """).decode((Int, Int, Bool, String?, String?).self) {
            if read == nil { read = RecordSourcesRead(version: version, rebuiltVersion: rebuilt, current: current) }
            guard let body else { continue }
            try read?.append(body: body, facts: stored, withFacts: facts)
        }
        return read
    }

    public func replaceClientRow(bsn: String, index: ClientIndex, state: RecordState, sources: [RecordSourceRow],
                                 expectedVersion: Int?) async throws -> Bool {
        let encoded = try ClientRow.encodeRebuild(index: index, state: state, sources: sources)
        return try await transaction { connection in
            try await connection.query("INSERT INTO client_records (bsn, version) VALUES (\(bsn), 0) ON CONFLICT (bsn) DO NOTHING",
                                       logger: self.logger)
            guard try await self.clientRow(bsn: bsn, on: connection, lock: true)?.version == expectedVersion else { return false }
            try await connection.query("DELETE FROM record_sources WHERE bsn = \(bsn)", logger: self.logger)
            try await self.insertSources(encoded.sources.map { (bsn, $0.0, $0.1) }, on: connection)
            let version = (expectedVersion ?? 0) + 1
            try await self.writeClientRow(bsn: bsn, version: version, index: encoded.index, state: encoded.state, rebuiltVersion: version,
                                          on: connection)
            return true
        }
    }

    public func clientsWithMessages() async throws -> [(bsn: String, current: Bool)] {
        var result: [(bsn: String, current: Bool)] = []
        let rows = try await query("""
            SELECT m.bsn, (c.client_index IS NOT NULL AND c.state IS NOT NULL AND c.version > 0)
            FROM (SELECT bsn, MIN(seq) AS first FROM messages WHERE bsn IS NOT NULL GROUP BY bsn) m
            LEFT JOIN client_records c ON c.bsn = m.bsn ORDER BY m.first
            """)
        for try await (bsn, current) in rows.decode((String, Bool?).self) { result.append((bsn, current ?? false)) }
        return result
    }

    /// Inside the accept transaction: the rows of the women of the newly stored `messages`, in
    /// storage order (all of her rows locked first, in BSN order, so that nodes storing messages
    /// of hers at once take turns).
    func updateClientRows(after messages: [StoredMessage], on connection: PostgresConnection) async throws {
        let bsns = Array(Set(messages.compactMap(\.bsn))).sorted()
        guard !bsns.isEmpty else { return }
        try await connection.query("""
            INSERT INTO client_records (bsn, version) SELECT bsn, 0 FROM unnest(\(bsns)::text[]) AS b(bsn) ORDER BY bsn
            ON CONFLICT (bsn) DO NOTHING
            """, logger: logger)
        var rows = try await clientRows(bsns: bsns, on: connection, lock: true)
        var sources: [(bsn: String, position: Int, body: String)] = []
        for message in messages {
            guard let bsn = message.bsn else { continue }
            let (row, source) = try ClientRow.adding(message.facts, bsn: bsn, to: rows[bsn])
            rows[bsn] = row
            if let source, let state = row.state { sources.append((bsn, state.count - 1, try StorageJSON.text(source))) }
        }
        try await insertSources(sources, on: connection)
        for bsn in bsns {
            guard let row = rows[bsn] else { continue }
            try await writeClientRow(bsn: bsn, version: row.version, index: try row.index.map(StorageJSON.text),
                                     state: try row.state.map(ClientRow.encode), rebuiltVersion: row.rebuiltVersion, on: connection)
        }
    }

    /// Source rows (hers, or several women's), written or replaced in one statement.
    private func insertSources(_ rows: [(bsn: String, position: Int, body: String)], on connection: PostgresConnection) async throws {
        guard !rows.isEmpty else { return }
        try await connection.query("""
            INSERT INTO record_sources (bsn, position, body)
            SELECT * FROM unnest(\(rows.map(\.bsn))::text[], \(rows.map(\.position))::bigint[], \(rows.map(\.body))::text[])
            ON CONFLICT (bsn, position) DO UPDATE SET body = excluded.body
            """, logger: logger)
    }

    private func writeClientRow(bsn: String, version: Int, index: String?, state: (compressed: Data, size: Int)?,
                                rebuiltVersion: Int, on connection: PostgresConnection) async throws {
        let blob = state.map { ByteBuffer(bytes: $0.compressed) }
        try await connection.query("""
            UPDATE client_records SET version = \(version), client_index = \(index), state = \(blob), state_size = \(state?.size),
                rebuilt_version = \(rebuiltVersion)
            WHERE bsn = \(bsn)
            """, logger: logger)
    }
}
