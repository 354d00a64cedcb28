import Foundation
import PerigateCore
import SQLiteNIO

extension SQLiteMessageStore: MigratedStore {}

extension SQLiteMessageStore: StoreDumping {
    public func dump(_ write: (StoreDump.Record) throws -> Void) async throws {
        for table in StoreDump.tables {
            let order = table.name == "audit_log" ? "seq" : "rowid"
            let rows = try await reader.query("SELECT \(table.columns.joined(separator: ", ")) FROM \(table.name) ORDER BY \(order)", [])
            for row in rows {
                var values: [String: StoreDump.Value] = [:]
                for column in table.columns {
                    switch row.column(column) {
                    case .some(.text(let text)): values[column] = .text(text)
                    case .some(.integer(let number)):
                        values[column] = StoreDump.booleanColumns.contains(column) ? .bool(number != 0) : .integer(number)
                    case .some(.blob(let buffer)): values[column] = .bytes(Data(buffer.readableBytesView))
                    case .some(.float(let number)): values[column] = .text(String(number))
                    default: values[column] = .null
                    }
                }
                try write(StoreDump.Record(table: table.name, values: values))
            }
        }
    }
}
