extension Array where Element == UInt8 {
    /// `withUnsafeBytes` for a body that throws ``LogError`` (the standard one rethrows `any Error`).
    @inline(__always)
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws(LogError) -> R) throws(LogError) -> R {
        try withUnsafeBytes { b in Result { () throws(LogError) -> R in try body(b) } }.get()
    }

    /// `withUnsafeMutableBytes` for a body that throws ``LogError``.
    @inline(__always)
    mutating func withMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws(LogError) -> R) throws(LogError)
        -> R
    {
        try withUnsafeMutableBytes { b in Result { () throws(LogError) -> R in try body(b) } }.get()
    }
}
