#include "core/errors.hpp"

#include <array>

namespace tenantctl {

namespace {
constexpr std::array<ExitInfo, 11> kExitTable{{
    {Exit::ok, "ok", "success"},
    {Exit::runtime, "runtime", "runtime error (unexpected)"},
    {Exit::usage, "usage", "usage error (bad flags, bad input file)"},
    {Exit::check_failed, "check_failed", "check not clean: doctor found problems, migrate status --check has pending work"},
    {Exit::not_found, "not_found", "not found (tenant, subject, key version, migration)"},
    {Exit::refused, "refused", "refused: precondition or conflict (retire a key still in use, create an existing slug, a key or trigger of the app refused the change)"},
    {Exit::busy, "busy", "busy: another run holds the lock past --lock-timeout"},
    {Exit::db_unavailable, "db_unavailable", "database unavailable or connection lost"},
    {Exit::integrity, "integrity", "integrity failure: checksum drift, broken audit chain, undecryptable data"},
    {Exit::partial, "partial", "partial failure: a fan-out finished with some items failed"},
    {Exit::aborted, "aborted", "aborted: confirmation declined, or interrupted by Ctrl-C/SIGTERM between batches (run again to resume)"},
}};
}  // namespace

std::span<const ExitInfo> exit_table() { return kExitTable; }

const ExitInfo& exit_info(Exit code) {
    for (const auto& info : kExitTable)
        if (info.code == code) return info;
    return kExitTable[1];
}

Error::Error(Exit code, std::string message, std::string hint)
    : std::runtime_error(std::move(message)), m_code(code), m_hint(std::move(hint)) {}

}  // namespace tenantctl
