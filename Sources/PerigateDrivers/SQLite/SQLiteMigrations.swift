/// The SQLite schema, as numbered migrations. A landed migration is never edited: add a new one.
enum SQLiteMigrations {
    struct Migration {
        var version: Int
        var name: String
        var statements: [String]
    }

    static let all: [Migration] = [
        Migration(version: 1, name: "messages-and-audit", statements: [
            """
            CREATE TABLE messages (
                id TEXT PRIMARY KEY,
                received_at TEXT NOT NULL,
                kind TEXT,
                version TEXT,
                outcome TEXT NOT NULL,
                sender_ura TEXT,
                bsn TEXT,
                raw BLOB NOT NULL,
                raw_size INTEGER NOT NULL,
                report TEXT NOT NULL,
                facts TEXT
            ) STRICT
            """,
            "CREATE INDEX messages_by_bsn ON messages(bsn, received_at)",
            """
            CREATE TABLE audit (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                time TEXT NOT NULL,
                actor TEXT NOT NULL,
                event TEXT NOT NULL,
                action TEXT NOT NULL,
                object TEXT NOT NULL,
                outcome TEXT NOT NULL
            ) STRICT
            """,
            "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
            "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
        ]),
        Migration(version: 2, name: "partners", statements: [
            """
            CREATE TABLE partners (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                type TEXT NOT NULL,
                ura TEXT NOT NULL,
                agb TEXT,
                token_hash TEXT NOT NULL UNIQUE,
                created_at TEXT NOT NULL,
                revoked INTEGER NOT NULL DEFAULT 0
            ) STRICT
            """,
        ]),
        Migration(version: 3, name: "consents-and-audit-detail", statements: [
            """
            CREATE TABLE consents (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                bsn TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('given', 'withdrawn')),
                date TEXT NOT NULL,
                recorded_at TEXT NOT NULL,
                recorded_by TEXT NOT NULL
            ) STRICT
            """,
            "CREATE INDEX consents_by_bsn ON consents(bsn, seq)",
            "CREATE TRIGGER consents_no_update BEFORE UPDATE ON consents BEGIN SELECT RAISE(ABORT, 'the consent ledger is append-only'); END",
            "CREATE TRIGGER consents_no_delete BEFORE DELETE ON consents BEGIN SELECT RAISE(ABORT, 'the consent ledger is append-only'); END",
            "ALTER TABLE audit ADD COLUMN detail TEXT",
        ]),
        Migration(version: 4, name: "partner-certificates", statements: [
            "ALTER TABLE partners ADD COLUMN cert_sha256 TEXT",
            "CREATE UNIQUE INDEX partners_by_certificate ON partners(cert_sha256) WHERE cert_sha256 IS NOT NULL",
        ]),
    ]
}
