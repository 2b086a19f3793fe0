// The `tenant apply` manifest: a declarative list of tenants.
//
//   tenants:
//     - slug: acme                 # required; the slug rules of `tenant create`
//       name: Acme Corp
//       plan: pro
//       region: eu-west-1
//       admin_email: ops@acme.example
//       isolation: shared          # shared | schema; only used when creating
//       key: 42                    # what the app's tenancy columns hold (`tenant create
//                                  # --key`); only used when creating, a change is refused
//       status: active             # active | suspended
//       settings: {max_users: 50, sso: {provider: okta}}
//       flags: {beta_ui: on, new_billing: off}
//
// A field left out is not managed by the manifest (see plan.hpp); `settings` and `flags`
// given are the whole map. Errors are UsageError (exit 2) naming file:line:col, in the
// style of core/config/config.cpp: unknown keys (with "did you mean"), wrong types, invalid
// slugs, a slug listed twice (naming the first line), invalid YAML.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/tenants/plan.hpp"

namespace tenantctl::tenants {

std::vector<Desired> parse_manifest(std::string_view yaml_text, std::string_view filename);
// Reads and parses a file ("-" reads stdin); an unreadable file is a UsageError.
std::vector<Desired> load_manifest(const std::string& path);

}  // namespace tenantctl::tenants
