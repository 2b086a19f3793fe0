// The command tree, in the order help and man pages list it.
#include "cli/registry.hpp"
#include "commands/commands.hpp"

namespace tenantctl::cli {

void declare_all(Registry& r) {
    r.group("sandbox", "Run a throwaway local PostgreSQL server for demos, development and tests");
    r.group("init", "Install or upgrade the platform schema");
    r.group("doctor", "Check connectivity, versions and row-level security");
    r.group("gdpr", "Export and erase personal data; the GDPR request register");
    r.group("completion", "Print shell completion scripts");
    commands::declare_sandbox(r);
    commands::declare_init(r);
    commands::declare_doctor(r);
    commands::declare_gdpr(r);
    commands::declare_completion(r);
}

}  // namespace tenantctl::cli
