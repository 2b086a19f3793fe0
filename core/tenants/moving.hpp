// A tenant that `tenant move` is taking to another database (`moving`) or took (`moved`):
// its data here must not change under the move, whose verification compares both sides, nor
// after it, when the copy elsewhere is the one the app uses. Commands that change a tenant's
// data check here first; --all fan-outs leave such tenants out.
#pragma once

#include <fmt/format.h>

#include <string_view>

#include "core/errors.hpp"
#include "core/tenants/lookup.hpp"

namespace tenantctl::tenants {

inline bool is_moving_or_moved(const TenantRef& t) { return t.status == "moving" || t.status == "moved"; }

// Refused (exit 5) naming `what` ("rotate its data key") when the tenant is moving or moved,
// or purged: a tombstone keeps no data, and a key made for it (keys rotate) would be a live key
// of a tenant that is gone.
inline void require_not_moving(const TenantRef& t, std::string_view what) {
    if (t.status == "purged")
        throw Refused(fmt::format("cannot {} of tenant '{}': it is purged", what, t.slug),
                      "a purged tenant keeps only its tombstone");
    if (t.status == "moving")
        throw Refused(fmt::format("cannot {} of tenant '{}': it is moving to another database", what, t.slug),
                      fmt::format("finish the move first: `tenantctl tenant move {} --to ...`", t.slug));
    if (t.status == "moved")
        throw Refused(fmt::format("cannot {} of tenant '{}': it has moved to another database", what, t.slug),
                      "run the command against the database it moved to");
}

}  // namespace tenantctl::tenants
