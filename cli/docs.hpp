// Generators that turn the Registry into man pages and shell completion scripts.
#pragma once

#include <map>
#include <string>

#include "cli/registry.hpp"

namespace tenantctl::cli {

// File name ("tenantctl.1", "tenantctl-tenant.1") -> roff source.
std::map<std::string, std::string> generate_man_pages(const Registry& r);

// `shell` is bash, zsh or fish; throws UsageError otherwise.
std::string completion_script(const Registry& r, const std::string& shell);

// File name in completions/ for a shell: tenantctl.bash, _tenantctl, tenantctl.fish.
std::string completion_file_name(const std::string& shell);

}  // namespace tenantctl::cli
