// Reading the audit log: `audit query`, `audit stats` and the catch-up half of `audit tail`.
//
// Every read has a time window (default: the last 7 days), sent to the server as values of an
// unnamed statement, which PostgreSQL plans with the values known, so partitions outside the
// window are pruned at plan time. Pages are keyset pages on (occurred_at DESC, id), the order
// of the index (tenant_id, occurred_at DESC, id); there is no OFFSET anywhere.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/clock.hpp"
#include "core/records.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::audit {

// A position in (occurred_at, id) order. Printed to users only as an opaque cursor.
struct Position {
    std::int64_t occurred_us = 0;
    std::int64_t id = 0;
    bool operator==(const Position&) const = default;
};

// base64url of "v1|<micros>|<id>|<check>"; the check (8 hex digits of FNV-1a) turns a
// mistyped or truncated cursor into "malformed cursor" (exit 2) instead of a wrong page.
std::string encode_cursor(const Position& p);
Position decode_cursor(std::string_view text);  // throws UsageError

struct MetadataMatch {
    std::string path;  // "key" or "a.b" (nested)
    std::string value; // compared with the value as text (metadata #>> path)
};

struct Filter {
    std::optional<std::string> tenant_id;  // nullopt: all tenants
    TimePoint since;
    TimePoint until;
    std::optional<std::string> actor;
    std::optional<std::string> action_like;  // LIKE pattern from a glob
    std::optional<std::string> resource_type;
    std::optional<std::string> resource_id;
    std::vector<MetadataMatch> where;
};

// Parsing of what operators type; all throw UsageError (exit 2).
// "user.*", "user.log?n": lower-case letters, digits, '_', '.', '*', '?'.
std::string action_glob_to_like(std::string_view glob);
// "TYPE" or "TYPE:ID".
std::pair<std::string, std::optional<std::string>> parse_resource(std::string_view text);
// "metadata.KEY=VALUE" (also "metadata.a.b=VALUE").
MetadataMatch parse_where(std::string_view text);
// --since/--until as DESIGN section 2 reads times; since must be before until.
std::pair<TimePoint, TimePoint> parse_window(const std::optional<std::string>& since,
                                             const std::optional<std::string>& until, TimePoint now);

// The columns of an event row, as query, tail and record return them.
const std::vector<std::string>& event_columns();

struct QueryOptions {
    Filter filter;
    std::int64_t limit = 100;  // 0 = all (streamed in pages)
    std::optional<Position> after;
};

struct QueryResult {
    std::int64_t rows = 0;
    std::optional<Position> next;  // set when a full page was returned: there may be more
};

// Streams matching events, newest first, to `sink` (begin/row/end). Memory stays flat for
// any number of rows: with limit 0 the query runs page after page.
QueryResult run_query(Context& ctx, const QueryOptions& o, RecordSink& sink);

struct ExplainResult {
    std::vector<std::string> partitions;  // the partitions the plan reads
    std::vector<std::string> plan;        // EXPLAIN text, one line each
};
ExplainResult explain_query(Context& ctx, const QueryOptions& o);

// Events strictly after `from` in ascending (occurred_at, id) order, at most `limit`; used by
// tail. Rows are appended to `out` as event rows; positions to `positions`.
void fetch_ascending(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id, TimePoint from_time,
                     std::int64_t limit, std::vector<std::vector<json>>& out, std::vector<Position>& positions);
// The newest `n` events of a tenant, returned oldest first.
void fetch_latest(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id, std::int64_t n,
                  std::vector<std::vector<json>>& out, std::vector<Position>& positions);

enum class StatsBy { action, actor, day, hour };
StatsBy parse_stats_by(std::string_view text);
Records run_stats(Context& ctx, const Filter& filter, StatsBy by);

// Time in microseconds since the epoch and back, as the cursor and the chain use it.
std::int64_t to_micros(TimePoint t);
TimePoint from_micros(std::int64_t us);
// from_micros as RFC 3339 text with six fractional digits: a literal PostgreSQL reads back exactly.
std::string micros_text(std::int64_t us);

}  // namespace tenantctl::audit
