// Cryptographically secure random bytes (OpenSSL RAND_bytes). Every key, IV, nonce and
// API-key secret in tenantctl comes from here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace tenantctl::crypto {

// Fills `out[0..n)`; throws tenantctl::Error (Exit::runtime) if the generator fails, which
// only happens when OpenSSL cannot seed itself: never fall back to a weaker source.
void random_fill(std::uint8_t* out, std::size_t n);

// `n` random bytes. The caller wipes the result if it becomes key material.
std::string random_bytes(std::size_t n);

}  // namespace tenantctl::crypto
