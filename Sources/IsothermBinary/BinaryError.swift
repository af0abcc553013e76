/// A failure to decode bytes: what was wrong and at which offset of the buffer being read.
package struct BinaryError: Error, Equatable, CustomStringConvertible, Sendable {
    /// What kind of failure this is.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Base: String, Hashable, Sendable {
            case truncated, invalidValue, unknownKind, unsupportedVersion, trailingBytes
        }
        let base: Base
        /// The buffer ended before the field did.
        package static let truncated = Code(base: .truncated)
        /// A field held a value outside its domain.
        package static let invalidValue = Code(base: .invalidValue)
        /// An event kind this build does not know.
        package static let unknownKind = Code(base: .unknownKind)
        /// A schema version this build cannot decode.
        package static let unsupportedVersion = Code(base: .unsupportedVersion)
        /// Bytes left after a complete value.
        package static let trailingBytes = Code(base: .trailingBytes)
        package var description: String { base.rawValue }
    }

    package let code: Code
    package let message: String
    /// Byte offset in the buffer being decoded.
    package let offset: Int

    @usableFromInline
    package init(_ code: Code, _ message: String, offset: Int) {
        self.code = code
        self.message = message
        self.offset = offset
    }

    package var description: String { "\(message) (at byte \(offset))" }
}
