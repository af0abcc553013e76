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

    /// Runs a statement that returns no rows and reports how many rows it touched.
    ///
    /// The corresponding C functions are `PQexec` and `PQcmdTuples`.
    /// - Returns: the row count of an `INSERT`, `UPDATE`, `DELETE`, `COPY` or `CREATE TABLE AS`; 0 for others.
    /// - Throws: `PostgresError` with code `queryFailed`, or `unsupportedResult` when it returns rows.
    @discardableResult
    package func execute(_ sql: String) throws(PostgresError) -> Int64 {
        guard !sql.utf8.contains(0) else {
            throw PostgresError(.queryFailed, "SQL text contains a NUL byte")
        }
        guard let result = PQexec(connection, sql) else {
            throw PostgresError(.queryFailed, Self.oneLine(PQerrorMessage(connection), hiding: secrets))
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY, PGRES_TUPLES_OK:
            return Self.affectedRows(result)
        case PGRES_BAD_RESPONSE, PGRES_NONFATAL_ERROR, PGRES_FATAL_ERROR:
            throw error(from: result)
        default:
            let status = PQresultStatus(result)
            let name = PQresStatus(status).map { String(cString: $0) } ?? "status \(status.rawValue)"
            throw PostgresError(.unsupportedResult, "statement returned \(name), which execute does not handle")
        }
    }

    /// `PQcmdTuples` as a number (0 when the command reports none).
    private static func affectedRows(_ result: OpaquePointer) -> Int64 {
        guard let text = PQcmdTuples(result) else { return 0 }
        return Int64(String(cString: text)) ?? 0
    }

    /// Runs `COPY … FROM STDIN (FORMAT binary)` and streams the rows `produce` writes.
    ///
    /// The corresponding C functions are `PQexec`, `PQputCopyData`, `PQputCopyEnd` and `PQgetResult`.
    /// When `produce` throws, the COPY is ended with an error message (the server discards what it
    /// received; inside a transaction, the transaction is then aborted) and the error is rethrown.
    /// - Parameters:
    ///   - sql: the `COPY` statement.
    ///   - produce: writes the rows (the writer adds the header and, after `produce`, the trailer).
    /// - Returns: the number of rows the server stored.
    /// - Throws: `PostgresError` (`queryFailed` with the server's message and SQLSTATE, for a bad row
    ///   or a constraint), or what `produce` throws.
    package func copyIn(_ sql: String, _ produce: (BinaryCopyWriter) throws -> Void) throws -> Int64 {
        guard !sql.utf8.contains(0) else { throw PostgresError(.queryFailed, "SQL text contains a NUL byte") }
        guard let start = PQexec(connection, sql) else {
            throw PostgresError(.queryFailed, Self.oneLine(PQerrorMessage(connection), hiding: secrets))
        }
        let status = PQresultStatus(start)
        guard status == PGRES_COPY_IN else {
            defer { PQclear(start) }
            if status == PGRES_FATAL_ERROR || status == PGRES_BAD_RESPONSE || status == PGRES_NONFATAL_ERROR {
                throw error(from: start)
            }
            let name = PQresStatus(status).map { String(cString: $0) } ?? "status \(status.rawValue)"
            throw PostgresError(.unsupportedResult, "COPY statement returned \(name) instead of COPY_IN")
        }
        PQclear(start)
        let conn = connection
        let secrets = self.secrets
        let writer = BinaryCopyWriter { chunk in
            let sent = PQputCopyData(
                conn, chunk.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(chunk.count))
            guard sent == 1 else {
                throw PostgresError(
                    .queryFailed, "COPY data could not be sent: " + Self.oneLine(PQerrorMessage(conn), hiding: secrets))
            }
        }
        do {
            try produce(writer)
            try writer.finish()
        } catch {
            _ = PQputCopyEnd(connection, "COPY abandoned by the client")
            _ = collectResults()
            throw error
        }
        guard PQputCopyEnd(connection, nil) == 1 else {
            let message = Self.oneLine(PQerrorMessage(connection), hiding: secrets)
            _ = collectResults()
            throw PostgresError(.queryFailed, "COPY could not be ended: \(message)")
        }
        let (rows, failure) = collectResults()
        if let failure { throw failure }
        return rows
    }

    /// Reads every pending result: the row count of the last successful one, and the first error.
    private func collectResults() -> (Int64, PostgresError?) {
        var rows: Int64 = 0
        var failure: PostgresError?
        while let result = PQgetResult(connection) {
            switch PQresultStatus(result) {
            case PGRES_COMMAND_OK, PGRES_TUPLES_OK:
                rows = Self.affectedRows(result)
            case PGRES_COPY_IN:
                // Cannot happen after PQputCopyEnd; end it rather than loop.
                _ = PQputCopyEnd(connection, "unexpected COPY state")
            default:
                if failure == nil { failure = error(from: result) }
            }
            PQclear(result)
        }
        return (rows, failure)
    }

    /// `text` as an SQL string literal, quoted and escaped for this connection.
    /// The corresponding C function is `PQescapeLiteral`.
    package func literal(_ text: String) throws(PostgresError) -> String {
        guard !text.utf8.contains(0) else { throw PostgresError(.queryFailed, "string contains a NUL byte") }
        let count = text.utf8.count
        guard let escaped = PQescapeLiteral(connection, text, count) else {
            throw PostgresError(.queryFailed, Self.oneLine(PQerrorMessage(connection), hiding: secrets))
        }
        defer { PQfreemem(escaped) }
        return String(cString: escaped)
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
    /// `PG_DIAG_MESSAGE_DETAIL`: which key is duplicated, which row failed, …
    private static let fieldMessageDetail = Int32(UInt8(ascii: "D"))

    /// The server's primary message (with its detail, when it sent one) and SQLSTATE, or libpq's
    /// message when the error is local.
    /// The corresponding C function is `PQresultErrorField`.
    private func error(from result: OpaquePointer) -> PostgresError {
        let sqlState = PQresultErrorField(result, Self.fieldSQLState).map { String(cString: $0) }
        let message: String
        if let primary = PQresultErrorField(result, Self.fieldMessagePrimary) {
            message =
                Self.oneLine(primary, hiding: secrets)
                + (PQresultErrorField(result, Self.fieldMessageDetail).map {
                    " (" + Self.oneLine($0, hiding: secrets) + ")"
                } ?? "")
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
