#include "core/util/failpoint.hpp"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include "core/errors.hpp"

namespace tenantctl::util {

namespace {

struct Spec {
    std::string name;
    long hit = 1;
    bool pause = false;
    std::string file;
};

std::optional<Spec> parse_spec() {
    const char* raw = std::getenv("TENANTCTL_TEST_FAILPOINT");
    if (!raw || !*raw) return std::nullopt;
    std::string text = raw;
    Spec spec;
    if (auto colon = text.find(':'); colon != std::string::npos) {
        const std::string action = text.substr(colon + 1);
        if (action == "pause")
            spec.pause = true;
        else if (action != "kill")
            throw UsageError("TENANTCTL_TEST_FAILPOINT: unknown action '" + action + "' (kill or pause)");
        text.resize(colon);
    }
    if (auto at = text.find('@'); at != std::string::npos) {
        char* end = nullptr;
        spec.hit = std::strtol(text.c_str() + at + 1, &end, 10);
        if (spec.hit < 1 || *end != '\0') throw UsageError("TENANTCTL_TEST_FAILPOINT: expected NAME@N with N >= 1");
        text.resize(at);
    }
    spec.name = text;
    if (spec.pause) {
        const char* file = std::getenv("TENANTCTL_TEST_FAILPOINT_FILE");
        if (!file || !*file) throw UsageError("TENANTCTL_TEST_FAILPOINT: pause needs TENANTCTL_TEST_FAILPOINT_FILE");
        spec.file = file;
    }
    return spec;
}

}  // namespace

void failpoint(std::string_view name) {
    static const std::optional<Spec> spec = parse_spec();
    static long hits = 0;
    if (!spec || name != spec->name || ++hits != spec->hit) return;
    if (!spec->pause) ::raise(SIGKILL);
    { std::ofstream(spec->file) << ::getpid() << '\n'; }
    // The test removes the file once the fault is in place. Polling a file the test controls
    // is an ordering, not a timing: how long the test takes does not matter.
    while (::access(spec->file.c_str(), F_OK) == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

}  // namespace tenantctl::util
