/// A failure to hash: what went wrong, and with which file.
///
/// The description is one line and names the path, never file contents.
package struct DigestError: Error, Equatable, CustomStringConvertible, Sendable {
    /// What kind of failure this is.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Base: String, Hashable, Sendable {
            case openFailed, readFailed
        }
        let base: Base
        /// The file could not be opened (missing, not readable, a directory...).
        package static let openFailed = Code(base: .openFailed)
        /// Reading the file failed part way.
        package static let readFailed = Code(base: .readFailed)
        package var description: String { base.rawValue }
    }

    package let code: Code
    /// One line saying what failed and why.
    package let message: String
    /// The path being hashed.
    package let path: String
    /// The C `errno` reported by the failing call.
    package let errno: Int32

    package init(_ code: Code, _ message: String, path: String, errno: Int32) {
        self.code = code
        self.message = message
        self.path = path
        self.errno = errno
    }

    package var description: String { message }
}
