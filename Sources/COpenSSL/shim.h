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
#include <string.h>

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

// RS256 (PKCS#1 v1.5 over SHA-256) for keys whose owner says they are public (RSAPrivateKey's
// `keyIsPublic`: a test identity provider's committed keys). OpenSSL's RSA signing spends ~18 µs
// of every ~215 µs RSA-2048 signature on two defenses that only keep a private key secret:
// blinding (hides the key from timing measurements) and the CRT fault check (one public-key
// operation on the result, so a hardware fault cannot leak a prime: the Bellcore attack). For a
// published key they protect nothing, so this signs with the bare CRT: the same two half-size
// exponentiations OpenSSL runs (BN_mod_exp_mont_consttime_x2, AVX-512 IFMA where the CPU has it),
// then Garner's recombination. PKCS#1 v1.5 is deterministic: the bytes equal OpenSSL's.
// Only public, non-deprecated OpenSSL 3 API. The key is read-only after creation, so threads share it.
typedef struct mockentra_rs256_key {
    BIGNUM *p, *q, *dP, *dQ, *qInv;
    BN_MONT_CTX *montP, *montQ;
    int length; // bytes in the modulus, = bytes in a signature
} mockentra_rs256_key;

static inline void mockentra_rs256_key_free(mockentra_rs256_key *key) {
    if (key == NULL) return;
    BN_free(key->p); BN_free(key->q); BN_free(key->dP); BN_free(key->dQ); BN_free(key->qInv);
    BN_MONT_CTX_free(key->montP); BN_MONT_CTX_free(key->montQ);
    OPENSSL_free(key);
}

// NULL unless the key is a two-prime RSA key with its CRT parameters (a multi-prime key has a third
// factor, and two-prime CRT would sign wrongly with it).
static inline mockentra_rs256_key *mockentra_rs256_key_new(const EVP_PKEY *pkey) {
    BIGNUM *third = NULL;
    if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_FACTOR3, &third)) {
        BN_free(third);
        return NULL;
    }
    ERR_clear_error();
    mockentra_rs256_key *key = OPENSSL_zalloc(sizeof *key);
    BN_CTX *ctx = BN_CTX_new();
    int ok = key != NULL && ctx != NULL
        && EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_FACTOR1, &key->p)
        && EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_FACTOR2, &key->q)
        && EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_EXPONENT1, &key->dP)
        && EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_EXPONENT2, &key->dQ)
        && EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, &key->qInv)
        && (key->montP = BN_MONT_CTX_new()) != NULL && BN_MONT_CTX_set(key->montP, key->p, ctx)
        && (key->montQ = BN_MONT_CTX_new()) != NULL && BN_MONT_CTX_set(key->montQ, key->q, ctx);
    BN_CTX_free(ctx);
    if (!ok) {
        ERR_clear_error();
        mockentra_rs256_key_free(key);
        return NULL;
    }
    key->length = EVP_PKEY_get_size(pkey);
    return key;
}

// Signs a SHA-256 digest into `signature` (key->length bytes). 1 on success.
static inline int mockentra_rs256_sign(const mockentra_rs256_key *key, const unsigned char *digest,
                                       unsigned char *signature) {
    // EMSA-PKCS1-v1_5 (RFC 8017 9.2): 00 01 FF..FF 00 DigestInfo(SHA-256, digest). Below the
    // modulus, whose top byte is never 00.
    static const unsigned char digestInfo[19] = {
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
    int length = key->length;
    if (length < 11 + 19 + 32 || length > 1024) return 0;
    unsigned char encoded[1024];
    encoded[0] = 0x00;
    encoded[1] = 0x01;
    memset(encoded + 2, 0xFF, (size_t)(length - 3 - 19 - 32));
    encoded[length - 52] = 0x00;
    memcpy(encoded + length - 51, digestInfo, 19);
    memcpy(encoded + length - 32, digest, 32);

    BN_CTX *ctx = BN_CTX_new();
    if (ctx == NULL) return 0;
    BN_CTX_start(ctx);
    BIGNUM *m = BN_CTX_get(ctx), *sP = BN_CTX_get(ctx), *sQ = BN_CTX_get(ctx), *h = BN_CTX_get(ctx);
    BIGNUM *s = BN_CTX_get(ctx);
    int ok = s != NULL && BN_bin2bn(encoded, length, m) != NULL
        && BN_mod(sP, m, key->p, ctx) && BN_mod(sQ, m, key->q, ctx)
        // sP = m^dP mod p and sQ = m^dQ mod q, side by side.
        && BN_mod_exp_mont_consttime_x2(sP, sP, key->dP, key->p, key->montP,
                                        sQ, sQ, key->dQ, key->q, key->montQ, ctx)
        // s = sQ + q * (qInv * (sP - sQ) mod p)
        && BN_mod_sub(h, sP, sQ, key->p, ctx) && BN_mod_mul(h, h, key->qInv, key->p, ctx)
        && BN_mul(s, h, key->q, ctx) && BN_add(s, s, sQ)
        && BN_bn2binpad(s, signature, length) == length;
    BN_CTX_end(ctx);
    BN_CTX_free(ctx);
    return ok;
}

// Swift 6 rejects the `stdout` global; line-buffer it through this accessor.
static inline void mockentra_line_buffer_stdout(void) { setvbuf(stdout, NULL, _IOLBF, 0); }

#endif
