// How the key tables' timestamps cross the wire: written as the command's own clock (so a run
// and its audit event agree, and tests can set the time), read back as UTC text.
#pragma once

#include <string>

#include "core/context.hpp"
#include "core/util/duration.hpp"

namespace tenantctl::keys {

// `ctx.now()` as a timestamptz parameter, to the microsecond.
inline std::string now_param(Context& ctx) { return util::format_rfc3339_micro(ctx.now()); }

// to_char's pattern for a timestamptz `AT TIME ZONE 'UTC'`: `2024-05-01T10:00:00Z`.
inline constexpr const char* kTs = "YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"";

}  // namespace tenantctl::keys
