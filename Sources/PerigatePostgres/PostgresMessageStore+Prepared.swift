import PostgresNIO

/// The reads made for every accepted message — her index, her consents and her care
/// confirmations (``ClientRecords``) — as statements each connection prepares once, so
/// PostgreSQL plans them once per connection instead of on every call. Measured with
/// `pg_stat_statements` at 32 clients: planning was 85–90 % of these three reads' server time
/// (90–140 µs each); prepared, it is gone from it. Not the look-up of a message's storage key
/// (`id = ANY($1)`): its generic plan, made while the table was small, scanned the table.
enum PreparedRead {
    struct ClientIndex: PostgresPreparedStatement {
        static let sql = "SELECT version, client_index FROM client_records WHERE bsn = $1 AND version > 0"
        typealias Row = (Int, String?)
        var bsn: String
        func makeBindings() -> PostgresBindings { PreparedRead.bindings(bsn) }
        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    struct Consents: PostgresPreparedStatement {
        static let sql = "SELECT status, date, recorded_at, recorded_by, message_id FROM consents WHERE bsn = $1 ORDER BY seq"
        typealias Row = (String, String, String, String, String?)
        var bsn: String
        func makeBindings() -> PostgresBindings { PreparedRead.bindings(bsn) }
        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    struct CareConfirmations: PostgresPreparedStatement {
        static let sql = "SELECT ura, confirmed_at, confirmed_by FROM care_confirmations WHERE bsn = $1 ORDER BY seq"
        typealias Row = (String, String, String)
        var bsn: String
        func makeBindings() -> PostgresBindings { PreparedRead.bindings(bsn) }
        func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
    }

    static func bindings(_ value: some PostgresNonThrowingEncodable) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(value)
        return bindings
    }
}
