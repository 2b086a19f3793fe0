// Master key (KEK) rotation and key verification (`keys rewrap`, `keys verify`).
#pragma once

#include <optional>
#include <string>

#include "core/records.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::keys {

// Re-wraps every data key, JWT private key and audit commitment key (every table holding
// material wrapped by the master key: tenant_keys, signing_keys, audit_keys) under the master key read from `new_source`
// (env:/file:/cmd:), in one transaction, after checking that each unwraps under the current
// one. Keys already wrapped by the new key are checked under it and left alone, so a re-run
// after switching the configuration is harmless.
Records rewrap(Context& ctx, const std::string& new_source);

struct VerifyOptions {
    std::optional<std::string> tenant;
    long sample = 0;   // values per tenant and column, chosen at random
    bool all = false;  // every value
};
// Every wrapped key unwraps (data keys, audit keys; every JWT key matches its kid); sampled or all encrypted
// values decrypt under one of their tenant's keys. Exit 8 on any failure.
Records verify(Context& ctx, const VerifyOptions& o);

}  // namespace tenantctl::keys
