#include "core/portability/peer.hpp"

#include <fmt/format.h>

#include "core/context.hpp"
#include "core/errors.hpp"
#include "core/platform/migrations.hpp"

namespace tenantctl::portability {

Peer open_peer(Context& ctx, const std::string& name, std::string_view flag) {
    const std::string where = fmt::format("{} {}", flag, name);
    // No password prompt: the operator could not tell which of the two servers asks.
    db::ConnInfo info{*ctx.config().database_for(name), where};
    Peer peer{name, db::describe_target(info.conninfo), info, nullptr};
    if (peer.target == db::describe_target(ctx.conninfo().conninfo))
        throw UsageError(fmt::format("{} is the database this command already uses ({})", where, peer.target),
                         "name another context, or choose the source with --context");
    peer.connection = db::connect(info, fmt::format("tenantctl {} ({})", ctx.command(), where));
    db::check_server_version(*peer.connection);
    pqxx::nontransaction tx(*peer.connection);
    const auto installed = platform::installed_version(tx, ctx.schema());
    if (installed.version == 0)
        throw Refused(fmt::format("the platform schema '{}' is not installed at {} ({})", ctx.schema(), where, peer.target),
                      fmt::format("run `tenantctl --context {} init`", name));
    if (installed.version < platform::latest_version())
        throw Refused(fmt::format("the platform schema at {} is at version {}, this tenantctl needs {}", where,
                                  installed.version, platform::latest_version()),
                      fmt::format("run `tenantctl --context {} init` to upgrade it", name));
    return peer;
}

}  // namespace tenantctl::portability
