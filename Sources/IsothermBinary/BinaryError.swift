/// A failure to decode bytes: what was wrong and at which offset of the buffer being read.
public struct BinaryError: Error, Equatable, CustomStringConvertible, Sendable {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Base: String, Hashable, Sendable {
            case truncated, invalidValue, unknownKind, unsupportedVersion, trailingBytes
        }
        let base: Base
        /// The buffer ended before the field did.
        public static let truncated = Code(base: .truncated)
        /// A field held a value outside its domain.
        public static let invalidValue = Code(base: .invalidValue)
        /// An event kind this build does not know.
        public static let unknownKind = Code(base: .unknownKind)
        /// A schema version this build cannot decode.
        public static let unsupportedVersion = Code(base: .unsupportedVersion)
        /// Bytes left after a complete value.
        public static let trailingBytes = Code(base: .trailingBytes)
        public var description: String { base.rawValue }
    }

    public let code: Code
    public let message: String
    /// Byte offset in the buffer being decoded.
    public let offset: Int

    public init(_ code: Code, _ message: String, offset: Int) {
        self.code = code
        self.message = message
        self.offset = offset
    }

    public var description: String { "\(message) (at byte \(offset))" }
}
