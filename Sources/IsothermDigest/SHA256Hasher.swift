internal import COpenSSL

/// Incremental SHA-256 over OpenSSL's libcrypto (EVP interface).
///
/// A value type: copying a hasher forks the running hash (copy-on-write of the EVP context), so
/// `var b = a; b.update(x)` leaves `a` as it was. `finalize()` does not end the hasher: it returns
/// the digest of everything fed so far, and more input may follow.
///
/// ```swift
/// var hasher = SHA256Hasher()
/// hasher.update(header)
/// hasher.update(body)
/// let digest = hasher.finalize()
/// ```
package struct SHA256Hasher: Sendable {
    private var context: EVPContext

    /// A hasher over no input yet.
    package init() {
        context = EVPContext()
    }

    /// Feeds bytes to the hash.
    /// - Parameter bytes: the next bytes of the input; may be empty.
    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        if !isKnownUniquelyReferenced(&context) {
            context = context.copy()
        }
        context.update(bytes)
    }

    /// Feeds a byte array to the hash.
    /// - Parameter bytes: the next bytes of the input; may be empty.
    package mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The digest of everything fed so far. The hasher is unchanged and may take more input.
    /// - Returns: the SHA-256 digest.
    package func finalize() -> SHA256Digest {
        context.copy().finish()
    }

    /// The SHA-256 digest of `bytes` in one call.
    package static func hash(_ bytes: [UInt8]) -> SHA256Digest {
        var hasher = SHA256Hasher()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// The SHA-256 digest of `bytes` in one call.
    package static func hash(_ bytes: UnsafeRawBufferPointer) -> SHA256Digest {
        var hasher = SHA256Hasher()
        hasher.update(bytes)
        return hasher.finalize()
    }
}

/// Owns one `EVP_MD_CTX` set up for SHA-256 and frees it on deinit.
///
/// `@unchecked Sendable`: the context is only mutated through `SHA256Hasher`'s mutating methods
/// after `isKnownUniquelyReferenced`, so a shared instance is only ever read (`EVP_MD_CTX_copy_ex`
/// reads its source), which OpenSSL allows from several threads.
private final class EVPContext: @unchecked Sendable {
    let pointer: OpaquePointer

    /// A fresh context. The corresponding C functions are `EVP_MD_CTX_new` and `EVP_DigestInit_ex`.
    init() {
        guard let p = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new: out of memory") }
        pointer = p
        let ok = EVP_DigestInit_ex(p, EVP_sha256(), nil)
        precondition(ok == 1, "EVP_DigestInit_ex(EVP_sha256()) failed")
    }

    /// A context that will be filled by `EVP_MD_CTX_copy_ex`.
    private init(uninitialized p: OpaquePointer) {
        pointer = p
    }

    deinit {
        EVP_MD_CTX_free(pointer)
    }

    /// An independent context in the same state. The corresponding C function is `EVP_MD_CTX_copy_ex`.
    func copy() -> EVPContext {
        guard let p = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new: out of memory") }
        let other = EVPContext(uninitialized: p)
        let ok = EVP_MD_CTX_copy_ex(p, pointer)
        precondition(ok == 1, "EVP_MD_CTX_copy_ex failed")
        return other
    }

    /// The corresponding C function is `EVP_DigestUpdate`.
    func update(_ bytes: UnsafeRawBufferPointer) {
        let ok = EVP_DigestUpdate(pointer, bytes.baseAddress, bytes.count)
        precondition(ok == 1, "EVP_DigestUpdate failed")
    }

    /// Ends this context's hash. The corresponding C function is `EVP_DigestFinal_ex`.
    func finish() -> SHA256Digest {
        var out = [UInt8](repeating: 0, count: SHA256Digest.byteCount)
        var length: UInt32 = 0
        let ok = out.withUnsafeMutableBufferPointer { EVP_DigestFinal_ex(pointer, $0.baseAddress, &length) }
        precondition(ok == 1, "EVP_DigestFinal_ex failed")
        precondition(length == UInt32(SHA256Digest.byteCount), "EVP_DigestFinal_ex wrote \(length) bytes, not 32")
        return SHA256Digest(bytes: out)
    }
}
