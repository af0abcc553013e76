import Foundation
import IsothermPostgres
import Testing

/// The conninfo of the throwaway cluster that `tools/test` starts; unset under a bare `swift test`.
private let testConninfo = ProcessInfo.processInfo.environment["ISOTHERM_TEST_PG_CONNINFO"]

@Suite("libpq without a server")
struct LibPQTests {
    @Test("linked libpq is 15 or newer")
    func libraryVersion() {
        #expect(LibPQ.version >= 150000, "libpq \(LibPQ.version)")
    }

    @Test("a connection string that fails to parse never echoes its password")
    func unparsableConninfoHidesPassword() {
        #expect {
            _ = try PostgresConnection(conninfo: "host=/nonexistent password=hunter2-s3cret bogus")
        } throws: { error in
            guard let error = error as? PostgresError else { return false }
            return error.code == .invalidConnectionInfo && !error.message.contains("hunter2-s3cret")
        }
    }

    @Test("an unknown keyword is reported by name")
    func unknownKeyword() {
        #expect {
            _ = try PostgresConnection(conninfo: "host=/nonexistent colour=blue")
        } throws: { error in
            guard let error = error as? PostgresError else { return false }
            return error.code == .invalidConnectionInfo && error.message.contains("colour")
        }
    }

    @Test("a failed connection gives one line without the password")
    func failedConnectionHidesPassword() {
        #expect {
            _ = try PostgresConnection(
                conninfo: "host=/nonexistent/isotherm-sock port=1 user=x password=hunter2-s3cret connect_timeout=2")
        } throws: { error in
            guard let error = error as? PostgresError else { return false }
            return error.code == .connectionFailed && !error.message.contains("hunter2-s3cret")
                && !error.message.contains("\n") && error.message.contains("/nonexistent/isotherm-sock")
        }
    }
}

@Suite(
    "PostgreSQL through libpq", .enabled(if: testConninfo != nil, "ISOTHERM_TEST_PG_CONNINFO is unset: run tools/test"))
struct PostgresTests {
    func connect() throws -> PostgresConnection {
        try PostgresConnection(conninfo: try #require(testConninfo))
    }

    @Test("connect and SELECT 1")
    func selectOne() throws {
        let connection = try connect()
        #expect(try connection.query("SELECT 1") == [["1"]])
    }

    @Test("server is PostgreSQL 15 or newer, by serverVersion and SHOW server_version_num")
    func serverVersion() throws {
        let connection = try connect()
        #expect(connection.serverVersion >= 150000)
        let rows = try connection.query("SHOW server_version_num")
        let shown = try #require(rows.first?.first ?? nil)
        #expect((Int32(shown) ?? 0) >= 150000, "server_version_num \(shown)")
        #expect(Int32(shown) == connection.serverVersion)
    }

    @Test("rows, columns and NULLs come back as text")
    func rowsAndNulls() throws {
        let connection = try connect()
        #expect(try connection.query("CREATE TEMP TABLE t (id int, name text)") == [])
        _ = try connection.query("INSERT INTO t VALUES (1, 'KXHIGHNY'), (2, NULL)")
        #expect(try connection.query("SELECT id, name FROM t ORDER BY id") == [["1", "KXHIGHNY"], ["2", nil]])
        #expect(try connection.query("SELECT id FROM t WHERE false") == [])
    }

    @Test("a missing table fails with SQLSTATE 42P01 and the server's message")
    func undefinedTable() throws {
        let connection = try connect()
        #expect {
            _ = try connection.query("SELECT * FROM isotherm_no_such_table")
        } throws: { error in
            guard let error = error as? PostgresError else { return false }
            return error.code == .queryFailed && error.sqlState == "42P01"
                && error.message.contains("isotherm_no_such_table") && !error.message.contains("\n")
        }
        // The connection is still usable after a failed statement.
        #expect(try connection.query("SELECT 2") == [["2"]])
    }

    @Test("a wrong port gives connectionFailed with a clear one-line message")
    func wrongPort() throws {
        // Later keywords override earlier ones in a libpq connection string.
        let conninfo = try #require(testConninfo) + " port=1"
        #expect {
            _ = try PostgresConnection(conninfo: conninfo)
        } throws: { error in
            guard let error = error as? PostgresError else { return false }
            return error.code == .connectionFailed && error.sqlState == nil
                && error.message.hasPrefix("cannot connect to PostgreSQL:") && error.message.contains(".s.PGSQL.1")
                && !error.message.contains("\n")
        }
    }
}
