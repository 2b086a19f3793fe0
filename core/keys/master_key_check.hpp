// Master-key identity (issue 12.1): before any new key material is wrapped, the loaded master
// key must be the one the database's wrapped keys were made with. A typo'd or stale key would
// otherwise be accepted, and the keys wrapped by it (and any audit chain under them) lost.
#pragma once

#include <string>
#include <vector>

#include <pqxx/pqxx>

namespace tenantctl {
class Context;
}
namespace tenantctl::crypto {
struct MasterKey;
}

namespace tenantctl::keys {

// The fingerprints (kek_id) of the master keys that wrapped the keys stored now (data keys
// that still hold material, JWT private keys, audit keys), sorted, without duplicates.
std::vector<std::string> stored_master_key_ids(Context& ctx, pqxx::transaction_base& tx);

// Throws IntegrityError (exit 8) unless every stored wrapped key was wrapped by `master` or
// by one of `also_accepted` (rewrap accepts its target too). A database without wrapped keys
// accepts any key. Takes ROW EXCLUSIVE locks on the key tables first, so a concurrent
// `keys rewrap` (which holds EXCLUSIVE) either finished before the check or starts after this
// transaction: no key can be wrapped under a master key that was just rotated away.
void require_master_key_matches(Context& ctx, pqxx::transaction_base& tx, const crypto::MasterKey& master,
                                const std::vector<std::string>& also_accepted = {});

// The configured master key (ctx.master_key()) after require_master_key_matches passed for it
// in `tx`: every path that wraps new key material (data keys, JWT private keys, audit keys)
// gets the key it wraps with from here. The check runs once per transaction (a `tenant apply`
// creating thousands of tenants scans the key tables once).
const crypto::MasterKey& checked_master_key(Context& ctx, pqxx::transaction_base& tx);

}  // namespace tenantctl::keys
