import Foundation
import PerigateCore
import PerigatePostgres

/// Fresh databases on the throwaway PostgreSQL server of the test run (scripts/test.sh starts it
/// on 127.0.0.1 and sets `PERIGATE_TEST_POSTGRES_URL`; the server and its data go at the end).
enum PostgresTestDatabase {
    static var serverURL: String? { ProcessInfo.processInfo.environment["PERIGATE_TEST_POSTGRES_URL"] }

    /// A new empty database; its URL.
    static func create() async throws -> String {
        guard let serverURL else { throw StoreError(.setup, message: "PERIGATE_TEST_POSTGRES_URL is not set") }
        return try await PostgresMessageStore.createDatabase(serverURL: serverURL, name: "perigate_test_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))
    }
}
