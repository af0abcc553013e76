/// A failure of the log: what went wrong, in which file, at which byte, for which sequences.
///
/// ``description`` is one line meant for an operator, for example
/// `damaged batch in /x/00000000000000000001.lz4 at byte 1234 (sequences 4097...8192): frame CRC mismatch`.
package struct LogError: Error, Equatable, CustomStringConvertible, Sendable {
    /// What kind of failure this is. Wraps a private enum so new codes don't break callers.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Base: String, Hashable, Sendable {
            case io, locked, damaged, tornTail, invalidArgument, notFound, tooLarge, closed
        }
        let base: Base
        /// A system call failed (open, read, write, fsync, ...); ``LogError/errno`` holds the cause.
        package static let io = Code(base: .io)
        /// Another writer (in this process or another) holds the log's `LOCK`.
        package static let locked = Code(base: .locked)
        /// Bytes on disk fail a check somewhere other than the end of the log.
        package static let damaged = Code(base: .damaged)
        /// The last batch of the log is incomplete or fails a check, and nothing valid follows it.
        package static let tornTail = Code(base: .tornTail)
        /// A caller passed a value outside its domain (options, sizes).
        package static let invalidArgument = Code(base: .invalidArgument)
        /// The log directory or a file in it does not exist.
        package static let notFound = Code(base: .notFound)
        /// A record or batch exceeds a format limit.
        package static let tooLarge = Code(base: .tooLarge)
        /// The writer was closed, or failed and must be reopened.
        package static let closed = Code(base: .closed)
        package var description: String { base.rawValue }

        /// The words that start ``LogError/description``.
        var summary: String {
            switch base {
            case .io: "I/O error"
            case .locked: "log is locked"
            case .damaged: "damaged batch"
            case .tornTail: "torn tail"
            case .invalidArgument: "invalid argument"
            case .notFound: "not found"
            case .tooLarge: "too large"
            case .closed: "writer closed"
            }
        }
    }

    package let code: Code
    /// What was wrong, without the location.
    package let message: String
    /// The file the error concerns: a segment, an index, the lock file, or the log directory.
    package var path: String?
    /// Byte offset in ``path`` of the batch (or segment header) concerned.
    package var offset: Int64?
    /// Sequences of the batch concerned, when its header could be read.
    package var sequenceRange: ClosedRange<UInt64>?
    /// The C `errno` behind an ``Code/io`` error.
    package var errno: Int32?

    /// Creates an error.
    /// - Parameters:
    ///   - code: the kind of failure.
    ///   - message: what was wrong.
    ///   - path: the file concerned.
    ///   - offset: the byte offset in that file.
    ///   - sequenceRange: the sequences concerned.
    ///   - errno: the C error number for I/O errors.
    package init(
        _ code: Code, _ message: String, path: String? = nil, offset: Int64? = nil,
        sequenceRange: ClosedRange<UInt64>? = nil, errno: Int32? = nil
    ) {
        self.code = code
        self.message = message
        self.path = path
        self.offset = offset
        self.sequenceRange = sequenceRange
        self.errno = errno
    }

    /// The same error, with its location filled in where it was missing.
    /// - Parameters:
    ///   - path: the file concerned.
    ///   - offset: the byte offset in that file.
    ///   - sequenceRange: the sequences concerned.
    /// - Returns: a copy with the given fields set unless they were already set.
    func located(path: String, offset: Int64? = nil, sequenceRange: ClosedRange<UInt64>? = nil) -> LogError {
        var copy = self
        if copy.path == nil { copy.path = path }
        if copy.offset == nil { copy.offset = offset }
        if copy.sequenceRange == nil { copy.sequenceRange = sequenceRange }
        return copy
    }

    package var description: String {
        var s = code.summary
        if code == .damaged, offset == 0 { s = "damaged segment header" }
        if let path { s += " in \(path)" }
        if let offset { s += " at byte \(offset)" }
        if let sequenceRange { s += " (sequences \(sequenceRange.lowerBound)...\(sequenceRange.upperBound))" }
        return s + ": " + message
    }
}
