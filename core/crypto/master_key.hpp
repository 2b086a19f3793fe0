// The master key (KEK) that wraps every tenant DEK and JWT private key (DESIGN section 5).
// It is read from `env:NAME`, `file:PATH` or `cmd:COMMAND`, never from a literal, so it
// stays out of argv, shell history and logs.
#pragma once

#include <string>
#include <string_view>

#include "core/crypto/bytes.hpp"

namespace tenantctl::crypto {

struct MasterKey {
    SecureBytes key;  // 32 bytes
    std::string id;   // first 16 hex digits of HMAC-SHA256(key, "tenantctl:kek-id")
};

// Resolves a master key source. The value found there is base64 (standard or URL alphabet,
// padding optional) of exactly 32 bytes; surrounding whitespace is ignored.
//   env:NAME     the environment variable NAME
//   file:PATH    the file's content; refused (exit 5) if group or others have any access
//   cmd:COMMAND  stdout of `/bin/sh -c COMMAND` (stdin and stderr are inherited, so a
//                password prompt or the tool's own error reaches the operator)
// Errors are UsageError (Refused for a too-open file) and never contain the key material
// or, for cmd:, the command line (it may carry a token).
MasterKey load_master_key(std::string_view source);

// Throws UsageError unless `key` is 32 bytes.
MasterKey master_key_from_bytes(SecureBytes key);

// The short fingerprint stored next to every wrapped key.
std::string master_key_id(const SecureBytes& key);

// 32 random bytes as standard padded base64 (44 characters), for `sandbox up` and docs.
std::string generate_master_key_base64();

}  // namespace tenantctl::crypto
