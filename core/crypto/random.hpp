// Cryptographically secure random bytes from the kernel (getrandom(2), the source OpenSSL
// seeds itself from). Every key, IV, nonce and API-key secret in tenantctl comes from here.
// Not RAND_bytes: its first call initialises all of OpenSSL (config file, providers), about
// a millisecond that every command paid for its run id even when it used no cryptography.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace tenantctl::crypto {

// Fills `out[0..n)`; throws tenantctl::Error (Exit::runtime) if the kernel refuses (no
// getrandom, seccomp): never fall back to a weaker source.
void random_fill(std::uint8_t* out, std::size_t n);

// `n` random bytes. The caller wipes the result if it becomes key material.
std::string random_bytes(std::size_t n);

}  // namespace tenantctl::crypto
