// The one place where database exceptions become tenantctl errors (exit codes).
#pragma once

#include <exception>
#include <string>
#include <string_view>

namespace tenantctl::db {

// Call inside a catch block: rethrows the current exception as a tenantctl::Error when it
// is a libpqxx/libpq failure (connection lost -> exit 7, unique violation -> 5, lock
// timeout -> 6, ...), and rethrows anything else unchanged. `doing` says what was being
// attempted ("creating tenant acme").
[[noreturn]] void rethrow_translated(std::string_view doing);

// The first line of a server error, without libpq's "ERROR:  " prefix (our own line already
// says "tenantctl: ...").
std::string server_message(std::string_view what);

// SQLSTATE of the exception currently being handled, or "" when it is not an sql_error.
std::string_view current_sqlstate();

}  // namespace tenantctl::db
