// What every file that calls OpenSSL's EVP API needs: one way to report a failure inside
// OpenSSL, and owners for the contexts it hands out.
#pragma once

#include <openssl/evp.h>

#include <string_view>

namespace tenantctl::crypto {

// Throws Error(Exit::runtime, "<operation> failed inside OpenSSL"), clearing OpenSSL's error
// queue first so a stale entry never turns up in a later, unrelated failure.
[[noreturn]] void openssl_failed(const char* operation);

// OpenSSL takes byte buffers as unsigned char; our buffers are strings.
inline const unsigned char* bytes_of(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

struct CipherCtxFree {
    void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

}  // namespace tenantctl::crypto
