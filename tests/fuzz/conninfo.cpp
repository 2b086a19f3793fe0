// Connection strings (core/db/connection describe_target): a description of the target for
// messages, never the password. The input gets a marked password added as a keyword or in
// a URI; whenever libpq reads that as the password, it must not show up in the description.
#include <libpq-fe.h>

#include <string>

#include "core/db/connection.hpp"
#include "tests/fuzz/fuzz_main.hpp"

namespace {

constexpr std::string_view kSecret = "Pw9SECRETxQ7";

bool password_is_secret(const std::string& conninfo) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
    if (error) PQfreemem(error);
    if (!options) return false;
    bool found = false;
    for (auto* o = options; o->keyword; ++o)
        if (o->val && std::string_view(o->keyword) == "password" && std::string_view(o->val) == kSecret) found = true;
    PQconninfoFree(options);
    return found;
}

void check(const std::string& conninfo) {
    const std::string description = tenantctl::db::describe_target(conninfo);
    if (password_is_secret(conninfo)) FUZZ_CHECK(description.find(kSecret) == std::string::npos);
}

}  // namespace

void fuzz_one(std::string_view input) {
    (void)tenantctl::db::describe_target(input);
    if (input.find("Pw9") != std::string_view::npos) return;
    check(std::string(input) + " password=" + std::string(kSecret));
    check("postgresql://user:" + std::string(kSecret) + "@" + std::string(input));
}
