#include "core/crypto/random.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/errors.hpp"

namespace tenantctl::crypto {

void random_fill(std::uint8_t* out, std::size_t n) {
    // getrandom(2) blocks only until the kernel pool is first seeded, and returns at most
    // 32 MiB per call (256 bytes are never short), so loop; EINTR just retries.
    while (n > 0) {
        const ssize_t got = ::getrandom(out, n, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            throw Error(Exit::runtime, fmt::format("the random number generator failed (getrandom: {})", std::strerror(errno)));
        }
        out += got;
        n -= static_cast<std::size_t>(got);
    }
}

std::string random_bytes(std::size_t n) {
    std::string out(n, '\0');
    random_fill(reinterpret_cast<std::uint8_t*>(out.data()), n);
    return out;
}

}  // namespace tenantctl::crypto
