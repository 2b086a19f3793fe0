// Shared by every harness in tests/fuzz: libFuzzer calls LLVMFuzzerTestOneInput, which hands
// the bytes to the target's fuzz_one() as text. A tenantctl::Error is the expected way to
// refuse bad input (it becomes an exit code); anything else escaping (std::out_of_range,
// nlohmann or yaml-cpp exceptions) would be exit 1 for a user and is a finding, as are
// crashes, sanitizer reports, timeouts, memory blow-ups and failed FUZZ_CHECKs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "core/errors.hpp"

void fuzz_one(std::string_view input);

#define FUZZ_CHECK(condition)                                                                  \
    do {                                                                                       \
        if (!(condition)) {                                                                    \
            std::fprintf(stderr, "FUZZ_CHECK failed: %s (%s:%d)\n", #condition, __FILE__, __LINE__); \
            std::abort();                                                                      \
        }                                                                                      \
    } while (0)

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        fuzz_one(std::string_view(reinterpret_cast<const char*>(data), size));
    } catch (const tenantctl::Error&) {
    }
    return 0;
}
