// `audit query` input (core/audit/query_input): cursors round-trip, and the glob, --resource
// and --where parsers refuse or accept without crashing.
#include "core/audit/query.hpp"
#include "tests/fuzz/fuzz_main.hpp"

using namespace tenantctl;

void fuzz_one(std::string_view input) {
    try {
        const audit::Position p = audit::decode_cursor(input);
        const audit::Position q = audit::decode_cursor(audit::encode_cursor(p));
        FUZZ_CHECK(p.occurred_us == q.occurred_us && p.id == q.id);
    } catch (const Error&) {
    }
    try {
        (void)audit::action_glob_to_like(input);
    } catch (const Error&) {
    }
    try {
        (void)audit::parse_where(input);
    } catch (const Error&) {
    }
    const auto [type, id] = audit::parse_resource(input);
    FUZZ_CHECK(!type.empty() && (!id || !id->empty()));
}
