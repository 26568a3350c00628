// The floor: the least any token server can do per client-credentials request on this machine.
//
// TLS over keep-alive connections driven by epoll workers (one per core, at least 2, as MockEntra),
// and per POST one RS256 signature over a fixed ~1 KB JWT signing input, answered with a token
// response of MockEntra's size. No HTTP routing, no form parsing, no claims, no log. bench.py runs
// it with the same wrk script and connection counts as MockEntra, so "MockEntra - floor" is what
// MockEntra itself costs per token, and "floor / openssl speed" is what the kernel's loopback TCP,
// TLS and wrk's share of the cores cost any server here. A measuring tool, not a product: it trusts
// its client (no limits, no timeouts) and serves until killed.
//
//   floor KEYS_DIR        prints {"port":N} on its first line
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

// MockEntra's own RS256 for its public keys (mockentra_rs256_sign), so the floor signs exactly as it does.
#include "../../Sources/COpenSSL/shim.h"

typedef struct {
    int fd;
    SSL *ssl;
    int handshaken;
    size_t length;
    char buffer[16384];
} Connection;

static SSL_CTX *tls;
static mockentra_rs256_key *signingKey;

// What MockEntra signs for the default scenario's daemon, near enough in size and shape.
static const char *payload =
    "{\"aud\":\"api://contoso-api\",\"iss\":\"https://localhost:8443/0f8e4f3a-6c1b-4c52-9d7e-3a6b2c1d0e9f/v2.0\","
    "\"iat\":1763770000,\"nbf\":1763770000,\"exp\":1763773900,\"aio\":\"k2BgYJiUx8f3pVNzq9kTWgAAAAAAAAAAAAAAAAAAAAA=\","
    "\"azp\":\"2d6f6a9c-3b8e-4f1a-9c2d-7e5b4a3f1c0d\",\"azpacr\":\"1\",\"idtyp\":\"app\","
    "\"oid\":\"5b1c3a9e-2f4d-4e6a-8b7c-1d9e0f2a3b4c\",\"rh\":\"0.AAAAOk-ODxtsUkydfTprLB0OnwAAAAAAAAAAAAAAAAAAAAA.\","
    "\"roles\":[\"Orders.Read.All\"],\"sub\":\"5b1c3a9e-2f4d-4e6a-8b7c-1d9e0f2a3b4c\","
    "\"tid\":\"0f8e4f3a-6c1b-4c52-9d7e-3a6b2c1d0e9f\",\"uti\":\"abcdefghijklmnopqrstuv\",\"ver\":\"2.0\"}";
static const char *header = "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"floor\"}";

static size_t base64url(const unsigned char *in, size_t n, char *out) {
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
        out[o++] = alphabet[v >> 18]; out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63]; out[o++] = alphabet[v & 63];
    }
    if (n - i == 1) {
        unsigned v = (unsigned)in[i] << 16;
        out[o++] = alphabet[v >> 18]; out[o++] = alphabet[(v >> 12) & 63];
    } else if (n - i == 2) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;
        out[o++] = alphabet[v >> 18]; out[o++] = alphabet[(v >> 12) & 63]; out[o++] = alphabet[(v >> 6) & 63];
    }
    return o;
}

static void respond(Connection *c) {
    char token[4096];
    size_t n = base64url((const unsigned char *)header, strlen(header), token);
    token[n++] = '.';
    n += base64url((const unsigned char *)payload, strlen(payload), token + n);
    // Signed as MockEntra signs RS256 with its public keys (Sources/COpenSSL/shim.h): the bare CRT,
    // no blinding, no fault check, one key shared by the threads.
    unsigned char digest[32], signature[512];
    unsigned int digestLength = 0;
    size_t signatureLength = (size_t)signingKey->length;
    if (EVP_Digest(token, n, digest, &digestLength, EVP_sha256(), NULL) != 1 ||
        mockentra_rs256_sign(signingKey, digest, signature) != 1) {
        ERR_print_errors_fp(stderr);
        exit(1);
    }
    token[n++] = '.';
    n += base64url(signature, signatureLength, token + n);
    token[n] = 0;
    char body[4608];
    int bodyLength = snprintf(body, sizeof body,
        "{\"token_type\":\"Bearer\",\"expires_in\":3599,\"ext_expires_in\":3599,\"access_token\":\"%s\"}", token);
    char response[6144];
    int responseLength = snprintf(response, sizeof response,
        "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nCache-Control: no-store, no-cache\r\n"
        "Pragma: no-cache\r\nExpires: -1\r\nX-Content-Type-Options: nosniff\r\n"
        "x-ms-request-id: 5281caed-4249-45b3-b520-9fcedc8848db\r\nx-ms-ests-server: floor\r\n"
        "Date: Sun, 22 Nov 2026 00:00:00 GMT\r\nContent-Length: %d\r\n\r\n%s", bodyLength, body);
    SSL_write(c->ssl, response, responseLength);   // small: a non-blocking socket takes it whole
}

static void closeConnection(Connection *c) {
    SSL_free(c->ssl);
    close(c->fd);
    free(c);
}

// Reads once and answers every complete request (head plus Content-Length body), then goes back
// to epoll, which is level-triggered: reading on while the client keeps sending would let one
// connection hold its worker (fewer epoll waits, warmer caches: a floor lower than fair).
static void drive(Connection *c) {
    if (!c->handshaken) {
        int r = SSL_accept(c->ssl);
        if (r != 1) {
            int e = SSL_get_error(c->ssl, r);
            if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) closeConnection(c);
            return;
        }
        c->handshaken = 1;
    }
    for (;;) {
        int r = SSL_read(c->ssl, c->buffer + c->length, (int)(sizeof c->buffer - c->length - 1));
        if (r <= 0) {
            if (SSL_get_error(c->ssl, r) != SSL_ERROR_WANT_READ) closeConnection(c);
            return;
        }
        c->length += (size_t)r;
        c->buffer[c->length] = 0;
        for (;;) {
            char *end = strstr(c->buffer, "\r\n\r\n");
            if (!end) break;
            char *field = strcasestr(c->buffer, "\r\ncontent-length:");
            size_t bodyLength = field && field < end ? strtoul(field + 17, NULL, 10) : 0;
            size_t total = (size_t)(end + 4 - c->buffer) + bodyLength;
            if (c->length < total) break;
            respond(c);
            memmove(c->buffer, c->buffer + total, c->length - total);
            c->length -= total;
            c->buffer[c->length] = 0;
        }
        if (c->length >= sizeof c->buffer - 1) { closeConnection(c); return; }
        if (SSL_pending(c->ssl) == 0) return;   // the rest of a record already decrypted is read now
    }
}

static void *worker(void *argument) {
    int epoll = *(int *)argument;
    struct epoll_event events[64];
    for (;;) {
        int n = epoll_wait(epoll, events, 64, -1);
        for (int i = 0; i < n; i++) drive(events[i].data.ptr);
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: floor KEYS_DIR\n"); return 2; }
    signal(SIGPIPE, SIG_IGN);
    char path[4096];
    tls = SSL_CTX_new(TLS_server_method());
    snprintf(path, sizeof path, "%s/localhost.pem", argv[1]);
    if (SSL_CTX_use_certificate_chain_file(tls, path) != 1) { ERR_print_errors_fp(stderr); return 1; }
    snprintf(path, sizeof path, "%s/localhost.key", argv[1]);
    if (SSL_CTX_use_PrivateKey_file(tls, path, SSL_FILETYPE_PEM) != 1) { ERR_print_errors_fp(stderr); return 1; }
    snprintf(path, sizeof path, "%s/signing-1.key", argv[1]);
    FILE *file = fopen(path, "r");
    EVP_PKEY *key = file ? PEM_read_PrivateKey(file, NULL, NULL, NULL) : NULL;
    if (!key || !(signingKey = mockentra_rs256_key_new(key))) { perror(path); return 1; }
    fclose(file);

    int listener = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t addressLength = sizeof address;
    if (bind(listener, (struct sockaddr *)&address, sizeof address) != 0 || listen(listener, 1024) != 0 ||
        getsockname(listener, (struct sockaddr *)&address, &addressLength) != 0) { perror("listen"); return 1; }
    printf("{\"port\":%d}\n", ntohs(address.sin_port));
    fflush(stdout);

    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int workers = cores < 2 ? 2 : (int)cores;
    int *epolls = calloc((size_t)workers, sizeof *epolls);
    for (int i = 0; i < workers; i++) {
        pthread_t thread;
        epolls[i] = epoll_create1(0);
        pthread_create(&thread, NULL, worker, &epolls[i]);
    }
    for (unsigned next = 0;; next++) {
        int fd = accept(listener, NULL, NULL);
        if (fd < 0) continue;
        fcntl(fd, F_SETFL, O_NONBLOCK);
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        Connection *c = calloc(1, sizeof *c);
        c->fd = fd;
        c->ssl = SSL_new(tls);
        SSL_set_fd(c->ssl, fd);
        struct epoll_event event = {.events = EPOLLIN, .data.ptr = c};
        epoll_ctl(epolls[next % (unsigned)workers], EPOLL_CTL_ADD, fd, &event);
    }
}
