internal import CLibPQ

/// One blocking libpq connection (`PGconn`), closed when the object goes away.
///
/// Not `Sendable`: libpq allows one thread at a time on a connection. Statements run with `PQexec`
/// and return text-format results; this is the minimal surface the projections will grow from.
package final class PostgresConnection {
    private let connection: OpaquePointer
    /// Passwords this connection knows (from the connection string, `PGPASSWORD` or `.pgpass`),
    /// cut out of every error message.
    private let secrets: [String]

    /// Connects and waits until the session is ready.
    ///
    /// The corresponding C function is `PQconnectdb`.
    /// - Parameter conninfo: a libpq connection string (`host=/tmp port=5432 dbname=x`) or URI.
    ///   `""` takes libpq's defaults from the `PG*` environment variables and `.pgpass`, as `psql` does.
    /// - Throws: `PostgresError` with code `invalidConnectionInfo` or `connectionFailed`.
    package init(conninfo: String) throws(PostgresError) {
        guard !conninfo.utf8.contains(0) else {
            throw PostgresError(.invalidConnectionInfo, "connection string contains a NUL byte")
        }
        let givenPassword = try Self.passwordIn(conninfo: conninfo)
        guard let conn = PQconnectdb(conninfo) else {
            throw PostgresError(.connectionFailed, "libpq could not allocate a connection (out of memory)")
        }
        var secrets = [String]()
        if let givenPassword, !givenPassword.isEmpty { secrets.append(givenPassword) }
        if let used = PQpass(conn).map({ String(cString: $0) }), !used.isEmpty, !secrets.contains(used) {
            secrets.append(used)
        }
        guard PQstatus(conn) == CONNECTION_OK else {
            let detail = Self.oneLine(PQerrorMessage(conn), hiding: secrets)
            PQfinish(conn)
            throw PostgresError(.connectionFailed, "cannot connect to PostgreSQL: \(detail)")
        }
        self.connection = conn
        self.secrets = secrets
    }

    deinit {
        PQfinish(connection)
    }

    /// The server's version as `major * 10000 + minor` (150005 for 15.5).
    /// The corresponding C function is `PQserverVersion`.
    package var serverVersion: Int32 { PQserverVersion(connection) }

    /// Runs SQL and returns its rows as text, `nil` for SQL NULL.
    ///
    /// The corresponding C function is `PQexec`. Several statements separated by `;` run in one
    /// transaction and only the last one's rows are returned. A statement without rows returns `[]`.
    /// - Parameter sql: the statement text, with values already in it (no parameters yet).
    /// - Returns: one array per row, one element per column.
    /// - Throws: `PostgresError` with code `queryFailed` (with `sqlState` when the server sent one)
    ///   or `unsupportedResult` (COPY and the like).
    package func query(_ sql: String) throws(PostgresError) -> [[String?]] {
        guard !sql.utf8.contains(0) else {
            throw PostgresError(.queryFailed, "SQL text contains a NUL byte")
        }
        guard let result = PQexec(connection, sql) else {
            // Out of memory, or the connection is gone: libpq says which on the connection.
            throw PostgresError(.queryFailed, Self.oneLine(PQerrorMessage(connection), hiding: secrets))
        }
        defer { PQclear(result) }

        let status = PQresultStatus(result)
        switch status {
        case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return []
        case PGRES_TUPLES_OK, PGRES_SINGLE_TUPLE:
            return Self.rows(of: result)
        case PGRES_BAD_RESPONSE, PGRES_NONFATAL_ERROR, PGRES_FATAL_ERROR:
            throw error(from: result)
        default:
            let name = PQresStatus(status).map { String(cString: $0) } ?? "status \(status.rawValue)"
            // A COPY left in progress would wedge the connection; `PQexec`'s next call ends it.
            throw PostgresError(.unsupportedResult, "query returned \(name), which this API does not handle")
        }
    }

    /// Copies a text-format result into Swift strings.
    private static func rows(of result: OpaquePointer) -> [[String?]] {
        let rowCount = PQntuples(result)
        let columnCount = PQnfields(result)
        precondition(rowCount >= 0 && columnCount >= 0, "libpq returned a negative row or column count")
        var rows = [[String?]]()
        rows.reserveCapacity(Int(rowCount))
        for r in 0..<rowCount {
            var row = [String?]()
            row.reserveCapacity(Int(columnCount))
            for c in 0..<columnCount {
                if PQgetisnull(result, r, c) != 0 {
                    row.append(nil)
                } else {
                    row.append(String(cString: PQgetvalue(result, r, c)))
                }
            }
            rows.append(row)
        }
        return rows
    }

    /// `PG_DIAG_SQLSTATE` and `PG_DIAG_MESSAGE_PRIMARY` from postgres_ext.h: character-literal
    /// macros (`'C'`, `'M'`), which Swift does not import.
    private static let fieldSQLState = Int32(UInt8(ascii: "C"))
    private static let fieldMessagePrimary = Int32(UInt8(ascii: "M"))

    /// The server's primary message and SQLSTATE, or libpq's message when the error is local.
    /// The corresponding C function is `PQresultErrorField`.
    private func error(from result: OpaquePointer) -> PostgresError {
        let sqlState = PQresultErrorField(result, Self.fieldSQLState).map { String(cString: $0) }
        let message: String
        if let primary = PQresultErrorField(result, Self.fieldMessagePrimary) {
            message = Self.oneLine(primary, hiding: secrets)
        } else {
            message = Self.oneLine(PQresultErrorMessage(result), hiding: secrets)
        }
        return PostgresError(.queryFailed, message.isEmpty ? "query failed" : message, sqlState: sqlState)
    }

    /// The `password` given in a connection string, if any.
    /// The corresponding C function is `PQconninfoParse`.
    /// - Throws: `invalidConnectionInfo` when libpq cannot parse the string. libpq's own message is
    ///   passed on only when the string holds no password: it may quote the text around the error.
    private static func passwordIn(conninfo: String) throws(PostgresError) -> String? {
        var errorText: UnsafeMutablePointer<CChar>? = nil
        guard let options = PQconninfoParse(conninfo, &errorText) else {
            defer { if let errorText { PQfreemem(errorText) } }
            let lowered = conninfo.lowercased()
            let mayHoldPassword = lowered.contains("password") || (lowered.contains("://") && lowered.contains("@"))
            if mayHoldPassword {
                throw PostgresError(
                    .invalidConnectionInfo, "connection string cannot be parsed (details withheld: it holds a password)"
                )
            }
            let detail = errorText.map { oneLine($0, hiding: []) } ?? "out of memory"
            throw PostgresError(.invalidConnectionInfo, "connection string cannot be parsed: \(detail)")
        }
        defer { PQconninfoFree(options) }
        var i = 0
        while let keyword = options[i].keyword {
            if String(cString: keyword) == "password" {
                return options[i].val.map { String(cString: $0) }
            }
            i += 1
        }
        return nil
    }

    /// A C message as one trimmed line, with any secret replaced by `***`.
    private static func oneLine(_ text: UnsafePointer<CChar>?, hiding secrets: [String]) -> String {
        guard let text else { return "" }
        var line = String(cString: text)
        for secret in secrets where !secret.isEmpty {
            line = line.replacing(secret, with: "***")
        }
        let words = line.split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\t" || $0 == " " })
        return words.joined(separator: " ")
    }
}
