// One error hierarchy, one exit-code table (DESIGN section 2). Every failure that
// reaches the user is a tenantctl::Error (or is translated into one in cli/app.cpp),
// so the mapping from "what went wrong" to "which exit code" lives here and nowhere else.
#pragma once

#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tenantctl {

enum class Exit : int {
    ok = 0,
    runtime = 1,         // unexpected
    usage = 2,           // bad flags, bad input file
    check_failed = 3,    // doctor found problems, migrate status --check has pending work
    not_found = 4,       // tenant, subject, key version, migration
    refused = 5,         // precondition or conflict
    busy = 6,            // another run holds the lock past --lock-timeout
    db_unavailable = 7,  // database unavailable or connection lost
    integrity = 8,       // checksum drift, broken chain, undecryptable data
    partial = 9,         // a fan-out finished with some items failed
    aborted = 10,        // confirmation declined
};

struct ExitInfo {
    Exit code;
    std::string_view name;     // machine name, used in JSON errors ("not_found")
    std::string_view meaning;  // one line for --help and the man page
};

// The table printed by --help and the man page's EXIT STATUS section.
std::span<const ExitInfo> exit_table();
const ExitInfo& exit_info(Exit code);

// Base of every error a user can see. `what()` is the one-line reason (no
// "tenantctl:" prefix; the CLI adds it). Never put secrets or personal data here.
class Error : public std::runtime_error {
public:
    Error(Exit code, std::string message, std::string hint = {});

    Exit code() const noexcept { return m_code; }
    const std::string& hint() const noexcept { return m_hint; }
    const std::vector<std::string>& details() const noexcept { return m_details; }

    Error& with_detail(std::string detail) {
        m_details.push_back(std::move(detail));
        return *this;
    }
    Error& with_hint(std::string hint) {
        m_hint = std::move(hint);
        return *this;
    }

private:
    Exit m_code;
    std::string m_hint;
    std::vector<std::string> m_details;
};

// Convenience subclasses so call sites read as what happened.
struct UsageError : Error {
    explicit UsageError(std::string m, std::string hint = {}) : Error(Exit::usage, std::move(m), std::move(hint)) {}
};
struct CheckFailed : Error {
    explicit CheckFailed(std::string m, std::string hint = {}) : Error(Exit::check_failed, std::move(m), std::move(hint)) {}
};
struct NotFound : Error {
    explicit NotFound(std::string m, std::string hint = {}) : Error(Exit::not_found, std::move(m), std::move(hint)) {}
};
struct Refused : Error {
    explicit Refused(std::string m, std::string hint = {}) : Error(Exit::refused, std::move(m), std::move(hint)) {}
};
struct Busy : Error {
    explicit Busy(std::string m, std::string hint = {}) : Error(Exit::busy, std::move(m), std::move(hint)) {}
};
struct DbUnavailable : Error {
    explicit DbUnavailable(std::string m, std::string hint = {}) : Error(Exit::db_unavailable, std::move(m), std::move(hint)) {}
};
struct IntegrityError : Error {
    explicit IntegrityError(std::string m, std::string hint = {}) : Error(Exit::integrity, std::move(m), std::move(hint)) {}
};
struct PartialFailure : Error {
    explicit PartialFailure(std::string m, std::string hint = {}) : Error(Exit::partial, std::move(m), std::move(hint)) {}
};
struct Aborted : Error {
    explicit Aborted(std::string m, std::string hint = {}) : Error(Exit::aborted, std::move(m), std::move(hint)) {}
};

}  // namespace tenantctl
