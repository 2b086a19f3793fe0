#include "core/crypto/random.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <climits>

#include "core/errors.hpp"

namespace tenantctl::crypto {

void random_fill(std::uint8_t* out, std::size_t n) {
    // RAND_bytes takes an int length, so very large requests go in chunks.
    while (n > 0) {
        const std::size_t chunk = std::min<std::size_t>(n, INT_MAX);
        if (RAND_bytes(out, static_cast<int>(chunk)) != 1)
            throw Error(Exit::runtime, "the random number generator failed (OpenSSL RAND_bytes)");
        out += chunk;
        n -= chunk;
    }
}

std::string random_bytes(std::size_t n) {
    std::string out(n, '\0');
    random_fill(reinterpret_cast<std::uint8_t*>(out.data()), n);
    return out;
}

}  // namespace tenantctl::crypto
