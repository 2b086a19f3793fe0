// One declaration function per command file; cli/commands.cpp calls them all.
#pragma once

namespace tenantctl::cli {
class Registry;
}

namespace tenantctl::commands {

void declare_sandbox(cli::Registry& r);
void declare_init(cli::Registry& r);
void declare_citus(cli::Registry& r);
void declare_doctor(cli::Registry& r);
void declare_completion(cli::Registry& r);
void declare_migrate(cli::Registry& r);
void declare_audit(cli::Registry& r);
void declare_tenant_create(cli::Registry& r);
void declare_tenant_adopt(cli::Registry& r);
void declare_tenant_read(cli::Registry& r);
void declare_tenant_change(cli::Registry& r);
void declare_tenant_purge(cli::Registry& r);
void declare_tenant_apply(cli::Registry& r);
void declare_tenant_diff(cli::Registry& r);
void declare_tenant_placement(cli::Registry& r);
void declare_tenant_copy(cli::Registry& r);
void declare_tenant_restore_from(cli::Registry& r);
void declare_tenant_move(cli::Registry& r);
void declare_keys(cli::Registry& r);
void declare_keys_jwt(cli::Registry& r);
void declare_apikey(cli::Registry& r);
void declare_gdpr(cli::Registry& r);
void declare_maintain(cli::Registry& r);
void declare_version_help(cli::Registry& r);
void declare_config(cli::Registry& r);

}  // namespace tenantctl::commands
