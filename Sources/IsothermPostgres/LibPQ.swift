internal import CLibPQ

/// Facts about the libpq this process is linked against.
package enum LibPQ {
    /// libpq's version as `major * 10000 + minor` (150005 for 15.5).
    /// The corresponding C function is `PQlibVersion`.
    package static var version: Int32 { PQlibVersion() }
}
