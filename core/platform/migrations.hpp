// The platform schema (DESIGN section 4) is installed and upgraded by `tenantctl init` from
// migrations compiled into the binary (core/platform/sql/NNNN_name.sql, embedded by CMake).
// Adding a table later is adding a file: the next version number in the range of its area
//   0001-0009 foundation, 0010 tenants, 0020 keys, 0030 migrate, 0040 gdpr, 0050 audit,
//   0060 maintain.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/pqxx>

namespace tenantctl {
class Context;
}

namespace tenantctl::platform {

struct EmbeddedMigration {
    int version;
    std::string_view name;
    std::string_view sql;  // uses @schema@ for the platform schema
};

// All embedded migrations in version order (generated file).
std::span<const EmbeddedMigration> embedded_migrations();

// The newest version this binary knows.
int latest_version();

// SQL of a migration with @schema@ replaced by the quoted schema name.
std::string render(const EmbeddedMigration& m, std::string_view schema);

struct InstalledVersion {
    bool schema_exists = false;
    int version = 0;  // 0 = nothing installed
};
InstalledVersion installed_version(pqxx::transaction_base& tx, std::string_view schema);

struct InitResult {
    int from_version = 0;
    int to_version = 0;
    std::vector<std::string> applied;  // "0002_tenants_extra"
    bool citus = false;                // the database is a Citus coordinator
    // Citus: the platform tables placed by this run ("tenantctl.tenant_keys: distributed by tenant_id").
    std::vector<std::string> placed;
};

struct InitOptions {
    bool require_citus = false;  // --citus: refuse unless the citus extension is there
};

// Installs or upgrades the platform schema: takes the 'init' advisory lock, applies every
// missing migration in one transaction each (with its version row), creates the current
// audit partitions, and records an audit event. Idempotent. With dry_run, only reports.
// On a Citus coordinator (the citus extension is installed) it then places the platform
// tables on the cluster (core/citus/distribute.hpp): an install that gained Citus later is
// converted in place, its rows copied into the shards.
InitResult init(Context& ctx, const InitOptions& options = {});

// Throws Refused with a hint to run `tenantctl init` when the schema is missing or older
// than this binary needs. Feature commands call it before touching platform tables.
void require_current(Context& ctx);
// The checks of require_current() on a version the caller read itself (0: not installed).
void check_current(Context& ctx, int installed);

}  // namespace tenantctl::platform
