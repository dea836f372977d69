// Copyright 2026 The Distill authors.
// OpenSSL's libcrypto (Debian libssl-dev): only the SHA-256 digest, through the non-deprecated EVP API.
#ifndef DISTILL_CCRYPTO_SHIM_H
#define DISTILL_CCRYPTO_SHIM_H
#include <openssl/evp.h>

/// One-shot SHA-256 of `length` bytes into `digest` (32 bytes). Returns 1 on success, 0 on failure.
static inline int distill_sha256(const void *data, size_t length, unsigned char *digest) {
    unsigned int size = 0;
    return EVP_Digest(data, length, digest, &size, EVP_sha256(), NULL) == 1 && size == 32;
}
#endif
