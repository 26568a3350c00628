#!/usr/bin/env bash
# Regenerates every piece of development key material under Keys/.
#
# Everything this script writes is PUBLIC TEST MATERIAL, committed to the repository so that
# tests and demos are reproducible offline. None of it may ever be trusted in production.
#
# Idempotent: every run replaces all files (new keys, new certificates). Tests read the files
# at run time, so nothing else needs updating after a regeneration.
# Needs only the `openssl` command line (OpenSSL 3).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
keys="$root/Keys"
mkdir -p "$keys"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# X.509 caps a CN at 64 characters, so the full name goes in O and a shortened one in CN.
ca_cn="MockEntra Dev CA (PUBLIC TEST KEY - DO NOT TRUST IN PRODUCTION)"
ca_org="MockEntra Development CA - PUBLIC TEST MATERIAL"
days_20y=7305
days_10y=3653

# RSA-2048 private key as PKCS#8 PEM ("BEGIN PRIVATE KEY").
new_key() {
    openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1"
    chmod 600 "$1"
}

# --- Development CA ---------------------------------------------------------------------
cat > "$work/ca.cnf" <<CNF
[req]
distinguished_name = dn
prompt = no
x509_extensions = ext
[dn]
O = $ca_org
CN = $ca_cn
[ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
CNF
new_key "$keys/ca.key"
openssl req -new -x509 -sha256 -days "$days_20y" -key "$keys/ca.key" \
    -config "$work/ca.cnf" -out "$keys/ca.pem"

# --- localhost TLS server certificate, signed by the CA ---------------------------------
cat > "$work/localhost.cnf" <<CNF
[req]
distinguished_name = dn
prompt = no
[dn]
CN = localhost
[ext]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost,IP:127.0.0.1,IP:::1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
CNF
new_key "$keys/localhost.key"
openssl req -new -sha256 -key "$keys/localhost.key" -config "$work/localhost.cnf" -out "$work/localhost.csr"
openssl x509 -req -sha256 -days "$days_10y" -in "$work/localhost.csr" \
    -CA "$keys/ca.pem" -CAkey "$keys/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
    -extfile "$work/localhost.cnf" -extensions ext -out "$work/localhost-leaf.pem"
# Serve the chain: leaf first, then the CA.
cat "$work/localhost-leaf.pem" "$keys/ca.pem" > "$keys/localhost.pem"

# --- Self-signed certificates (token signing keys and client credentials) ---------------
# Entra publishes its token-signing keys as self-signed certificates, and apps register
# self-signed certificates as credentials: no CA is involved for either.
self_signed() { # name, common name, key usage
    cat > "$work/$1.cnf" <<CNF
[req]
distinguished_name = dn
prompt = no
x509_extensions = ext
[dn]
CN = $2
[ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,$3
subjectKeyIdentifier = hash
CNF
    new_key "$keys/$1.key"
    openssl req -new -x509 -sha256 -days "$days_20y" -key "$keys/$1.key" \
        -config "$work/$1.cnf" -set_serial "0x$(openssl rand -hex 16)" -out "$keys/$1.pem"
}
self_signed signing-1 "MockEntra signing key 1" digitalSignature
self_signed signing-2 "MockEntra signing key 2" digitalSignature
self_signed test-client "MockEntra test client" digitalSignature
self_signed test-client-rogue "MockEntra rogue test client" digitalSignature
self_signed test-federated-issuer "MockEntra federated issuer" digitalSignature

openssl verify -CAfile "$keys/ca.pem" "$work/localhost-leaf.pem" >/dev/null
echo "Keys regenerated in $keys (public test material)."
