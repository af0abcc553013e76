/// A failure talking to PostgreSQL: what kind, the server's or libpq's message, and the SQLSTATE
/// when the server sent one.
///
/// The message is one line and never includes a password: passwords known to the connection are
/// cut out of libpq's text, and a connection string that fails to parse is not echoed back.
package struct PostgresError: Error, Equatable, CustomStringConvertible, Sendable {
    /// What kind of failure this is.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Base: String, Hashable, Sendable {
            case invalidConnectionInfo, connectionFailed, queryFailed, unsupportedResult
        }
        let base: Base
        /// The connection string could not be parsed (unknown keyword, bad syntax, a NUL byte).
        package static let invalidConnectionInfo = Code(base: .invalidConnectionInfo)
        /// No session could be established: server not reachable, authentication refused, ...
        package static let connectionFailed = Code(base: .connectionFailed)
        /// The server (or libpq) reported an error for a statement; see `sqlState`.
        package static let queryFailed = Code(base: .queryFailed)
        /// The statement produced a result this API does not handle (COPY, pipeline, ...).
        package static let unsupportedResult = Code(base: .unsupportedResult)
        package var description: String { base.rawValue }
    }

    package let code: Code
    /// One line: the server's primary message, or libpq's.
    package let message: String
    /// The five-character SQLSTATE (`42P01` for an undefined table), when the server sent one.
    package let sqlState: String?

    package init(_ code: Code, _ message: String, sqlState: String? = nil) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
    }

    package var description: String {
        if let sqlState { return "\(message) (SQLSTATE \(sqlState))" }
        return message
    }
}
