// The other database of a portability command (`tenant diff --against CONTEXT`, and the
// destination of copy and move): always a context of the config file, never a connection
// string typed on the command line, where its password would be visible to every user of the
// host (`ps`) and kept in shell history.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <pqxx/pqxx>

#include "core/db/connection.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::portability {

struct Peer {
    std::string context;  // the context's name, for messages ("at --against staging")
    std::string target;   // host, port, database and user (never a password)
    db::ConnInfo info;    // for more connections to it (its advisory locks)
    std::unique_ptr<pqxx::connection> connection;
};

// Connects to context `name`. UsageError (exit 2) when the context is unknown (listing the
// known ones) or is the database the command already talks to (a diff with itself proves
// nothing, a copy onto itself would duplicate every row); Refused (exit 5) when its platform
// schema is missing or older than this binary. `flag` is how the operator named it
// ("--against"), for messages.
Peer open_peer(Context& ctx, const std::string& name, std::string_view flag);

}  // namespace tenantctl::portability
