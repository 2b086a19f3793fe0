#include "core/db/errors.hpp"

#include <pqxx/pqxx>

#include <fmt/format.h>

#include "core/errors.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::db {

std::string server_message(std::string_view what) {
    std::string line = util::first_line(what);
    for (std::string_view prefix : {"ERROR:  ", "FATAL:  "})
        if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
    return line;
}

namespace {
// A field libpq adds on a line of its own after the message ("DETAIL:  Key (id)=(1) is still
// referenced from table \"orders\"."), or empty. CONTEXT can span lines: the first one names
// the innermost function, which is the trigger's.
std::string field_line(std::string_view what, std::string_view field) {
    for (std::size_t at = what.find('\n'); at != std::string_view::npos; at = what.find('\n', at + 1)) {
        const auto line = what.substr(at + 1);
        if (line.rfind(field, 0) == 0) return util::first_line(line.substr(field.size()));
    }
    return {};
}
}  // namespace

std::string_view current_sqlstate() {
    try {
        throw;
    } catch (const pqxx::sql_error& e) {
        static thread_local std::string state;
        state = e.sqlstate();
        return state;
    } catch (...) {
        return {};
    }
}

void rethrow_translated(std::string_view doing) {
    try {
        throw;
    } catch (const Error&) {
        throw;
    } catch (const pqxx::broken_connection& e) {
        throw DbUnavailable(fmt::format("{}: connection to the database lost: {}", doing, util::first_line(e.what())),
                            "re-run the command: completed work is kept and it resumes");
    } catch (const pqxx::in_doubt_error& e) {
        throw DbUnavailable(fmt::format("{}: connection lost during commit; the outcome is unknown", doing),
                            "re-run the command: it is safe to repeat");
    } catch (const pqxx::sql_error& e) {
        const std::string state = e.sqlstate();
        const std::string msg = fmt::format("{}: {} (SQLSTATE {})", doing, server_message(e.what()), state);
        if (state == "23505") throw Refused(msg);                      // unique_violation
        // The app's schema or its code refused the change: a foreign key, a CHECK or NOT NULL
        // (class 23), or a trigger or function that raised (P0001). That is a precondition
        // of the app's, not an unexpected failure; the server's DETAIL and the function it
        // came from tell the operator which row and which trigger.
        if (state.rfind("23", 0) == 0 || state == "P0001") {
            Refused err(msg, state == "P0001" ? "raised by the database's own code: an app trigger or function refused "
                                                "the change"
                                              : "a constraint of the app's schema refused the change");
            if (auto detail = field_line(e.what(), "DETAIL:  "); !detail.empty()) err.with_detail(detail);
            if (auto context = field_line(e.what(), "CONTEXT:  "); !context.empty()) err.with_detail("in " + context);
            throw err;
        }
        // Input the server cannot store: invalid UTF-8 (22021), \u0000 in jsonb (22P05), a
        // value nested past its stack limit (54001). The flags are checked before this;
        // this keeps anything that slips through at exit 2 rather than 1.
        if (state == "22021" || state == "22P05" || state == "54001") throw UsageError(msg);
        if (state == "55P03") throw Busy(msg, "retry later or raise --lock-timeout");  // lock_not_available
        if (state == "57014") throw Busy(msg);                         // query_canceled (statement_timeout)
        if (state.rfind("08", 0) == 0 || state == "57P01" || state == "57P02" || state == "57P03")
            throw DbUnavailable(msg);                                  // connection exceptions, shutdown
        if (state == "42501") throw Refused(msg, "the database role lacks a privilege this needs");
        if (state == "40001" || state == "40P01") throw Busy(msg, "a concurrent transaction conflicted; re-run");
        throw Error(Exit::runtime, msg);
    } catch (const pqxx::usage_error& e) {
        throw Error(Exit::runtime, fmt::format("{}: {}", doing, util::first_line(e.what())));
    } catch (const pqxx::failure& e) {
        throw Error(Exit::runtime, fmt::format("{}: {}", doing, util::first_line(e.what())));
    }
}

}  // namespace tenantctl::db
