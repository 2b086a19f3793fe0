// One declaration function per command file; cli/commands.cpp calls them all.
#pragma once

namespace tenantctl::cli {
class Registry;
}

namespace tenantctl::commands {

void declare_sandbox(cli::Registry& r);
void declare_init(cli::Registry& r);
void declare_doctor(cli::Registry& r);
void declare_completion(cli::Registry& r);
void declare_gdpr(cli::Registry& r);

}  // namespace tenantctl::commands
