// Wrappers for OpenSSL macros and composite constants that Swift cannot import directly.
#ifndef MOCKENTRA_COPENSSL_SHIM_H
#define MOCKENTRA_COPENSSL_SHIM_H


#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>

static inline long mockentra_BIO_get_mem_data(BIO *bio, char **pp) { return BIO_get_mem_data(bio, pp); }
static inline int mockentra_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}
static inline long mockentra_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_mode(ctx, mode); }
static inline long mockentra_SSL_CTX_set_read_ahead(SSL_CTX *ctx, long yes) { return SSL_CTX_set_read_ahead(ctx, yes); }
static inline long mockentra_SSL_set_tlsext_host_name(SSL *ssl, const char *name) { return SSL_set_tlsext_host_name(ssl, name); }
static inline int mockentra_BN_num_bytes(const BIGNUM *bn) { return (BN_num_bits(bn) + 7) / 8; }

static const int mockentra_EVP_PKEY_PUBLIC_KEY = EVP_PKEY_PUBLIC_KEY;
static const int mockentra_TLS1_2_VERSION = TLS1_2_VERSION;
static const long mockentra_SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER = SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER;
// RFC 2253 distinguished names ("CN=a,O=b") that keep UTF-8 as is instead of \XX escapes.
static const unsigned long mockentra_XN_FLAG_RFC2253_UTF8 = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;

// Parameter names as static C strings: OSSL_PARAM_BLD keeps the pointer, so a temporary
// Swift-bridged C string would dangle (see shared/reference/swift-openssl.md).
static inline const char *mockentra_param_rsa_n(void) { return OSSL_PKEY_PARAM_RSA_N; }
static inline const char *mockentra_param_rsa_e(void) { return OSSL_PKEY_PARAM_RSA_E; }

// The legacy RSA calls below are deprecated in OpenSSL 3 but present in every 3.x build that keeps
// the 3.0 API, which Debian's does. The warning is silenced for these wrappers only.
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
// RS256 (PKCS#1 v1.5 over SHA-256) without RSA blinding, for keys whose owner says they are public
// (RSAPrivateKey's `signsWithoutBlinding`): blinding hides a private key from timing attacks, which
// protects nothing for such a key, and costs ~5% of every signature (more when threads share it).
// The signature itself is the same either way: PKCS#1 v1.5 is deterministic.
// The key is the EVP_PKEY's legacy copy, owned by the caller (free it with mockentra_rsa_free).
static inline RSA *mockentra_rsa_unblinded(EVP_PKEY *pkey) {
    RSA *rsa = EVP_PKEY_get1_RSA(pkey);
    if (rsa != NULL) {
        RSA_blinding_off(rsa);
        RSA_set_flags(rsa, RSA_FLAG_NO_BLINDING);
    }
    return rsa;
}
static inline int mockentra_rsa_sign_sha256(RSA *rsa, const unsigned char *digest, unsigned char *signature,
                                             unsigned int *length) {
    return RSA_sign(NID_sha256, digest, 32, signature, length, rsa);
}
static inline void mockentra_rsa_free(RSA *rsa) { RSA_free(rsa); }
#pragma clang diagnostic pop

// Swift 6 rejects the `stdout` global; line-buffer it through this accessor.
static inline void mockentra_line_buffer_stdout(void) { setvbuf(stdout, NULL, _IOLBF, 0); }

#endif
