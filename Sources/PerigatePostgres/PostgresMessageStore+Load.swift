import Foundation
import PerigateCore
import NIOCore
import PostgresNIO

extension PostgresMessageStore: MigratedStore {}

extension PostgresMessageStore: StoreLoading {
    public func load(_ records: [StoreDump.Record]) async throws -> [String: Int] {
        let known = Dictionary(uniqueKeysWithValues: StoreDump.tables.map { ($0.name, $0.columns) })
        return try await transaction { connection in
            for table in ["messages", "audit_log", "partners"] {
                let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT 1 FROM \(table) LIMIT 1"), logger: self.logger).collect()
                guard rows.isEmpty else { throw StoreError(.refusedLoad, message: "the target database is not empty (\(table)): import only into a new database") }
            }
            // The chain is copied as it is: hold the chain lock so no node appends meanwhile.
            try await self.takeChainLock(on: connection)
            var counts: [String: Int] = [:]
            for record in records {
                guard let columns = known[record.table] else { throw StoreError(.refusedLoad, message: "unknown table \(record.table) in the dump") }
                var bindings = PostgresBindings()
                for column in columns {
                    switch record.values[column] ?? .null {
                    case .text(let text): bindings.append(text)
                    case .integer(let number): bindings.append(number)
                    case .bool(let flag): bindings.append(flag)
                    case .bytes(let data): bindings.append(ByteBuffer(bytes: data))
                    case .null: bindings.appendNull()
                    }
                }
                var names = columns, values = (1...columns.count).map { "$\($0)" }
                // A line's look-up columns are the line's own (migration 14: no longer generated).
                if record.table == "audit_log", let line = columns.firstIndex(of: "line") {
                    for (name, expression) in Self.indexedColumns(of: values[line]) {
                        names.append(name)
                        values.append(expression)
                    }
                }
                try await connection.query(PostgresQuery(
                    unsafeSQL: "INSERT INTO \(record.table) (\(names.joined(separator: ", "))) VALUES (\(values.joined(separator: ", ")))",
                    binds: bindings),
                    logger: self.logger)
                counts[record.table, default: 0] += 1
            }
            return counts
        }
    }
}
