import COpenSSL

/// Server TLS material (PEM files).
public struct TLSConfiguration: Sendable {
    /// Leaf certificate first, then intermediates (PEM).
    public var certificateChainFile: String
    public var privateKeyFile: String

    public init(certificateChainFile: String, privateKeyFile: String) {
        self.certificateChainFile = certificateChainFile
        self.privateKeyFile = privateKeyFile
    }
}

/// One `SSL_CTX`, configured once and then only read, so all worker threads can share it.
final class TLSContext: @unchecked Sendable {
    let context: OpaquePointer

    private init(context: OpaquePointer) { self.context = context }

    deinit { SSL_CTX_free(context) }

    static func server(_ configuration: TLSConfiguration) throws(HTTPServerError) -> TLSContext {
        guard let raw = SSL_CTX_new(TLS_server_method()) else { throw .tls("SSL_CTX_new failed: \(openSSLErrors())") }
        let context = TLSContext(context: raw)
        try context.applyCommonSettings()
        guard SSL_CTX_use_certificate_chain_file(raw, configuration.certificateChainFile) == 1 else {
            throw .tls("cannot load certificate chain \(configuration.certificateChainFile): \(openSSLErrors())")
        }
        guard SSL_CTX_use_PrivateKey_file(raw, configuration.privateKeyFile, SSL_FILETYPE_PEM) == 1 else {
            throw .tls("cannot load private key \(configuration.privateKeyFile) for \(configuration.certificateChainFile): \(openSSLErrors())")
        }
        guard SSL_CTX_check_private_key(raw) == 1 else {
            throw .tls("private key \(configuration.privateKeyFile) does not match certificate \(configuration.certificateChainFile)")
        }
        return context
    }

    /// A client context that trusts only `caFile` and verifies the peer's chain.
    static func client(caFile: String) throws(HTTPServerError) -> TLSContext {
        guard let raw = SSL_CTX_new(TLS_client_method()) else { throw .tls("SSL_CTX_new failed: \(openSSLErrors())") }
        let context = TLSContext(context: raw)
        try context.applyCommonSettings()
        guard SSL_CTX_load_verify_locations(raw, caFile, nil) == 1 else {
            throw .tls("cannot load CA file \(caFile): \(openSSLErrors())")
        }
        SSL_CTX_set_verify(raw, SSL_VERIFY_PEER, nil)
        return context
    }

    private func applyCommonSettings() throws(HTTPServerError) {
        guard mockentra_SSL_CTX_set_min_proto_version(context, mockentra_TLS1_2_VERSION) == 1 else {
            throw .tls("cannot require TLS 1.2: \(openSSLErrors())")
        }
        // Swift arrays may move between a WANT_WRITE and the retry of SSL_write.
        _ = mockentra_SSL_CTX_set_mode(context, mockentra_SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER)
        // Read whole socket buffers instead of a 5-byte record header and then the record: two or
        // three fewer read(2) calls per request. Safe because nothing waits on the socket while OpenSSL
        // holds bytes: the client always calls SSL_read first, the server checks SSL_has_pending.
        _ = mockentra_SSL_CTX_set_read_ahead(context, 1)
    }
}

/// Drains OpenSSL's (thread-local) error queue into one line.
func openSSLErrors() -> String {
    var messages: [String] = []
    while true {
        let code = ERR_get_error()
        if code == 0 { break }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        messages.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
    return messages.isEmpty ? "no OpenSSL error detail" : messages.joined(separator: "; ")
}
