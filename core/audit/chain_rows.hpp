// Rows of the audit chain as `audit seal` and `audit verify` stream them (COPY text lines),
// parsed without libpqxx's per-field machinery. Free of database calls (unit tested).
//
// occurred_at travels as its text in UTC (the reading transaction sets TimeZone UTC and
// DateStyle ISO, see chain.cpp) rather than as (extract(epoch ...) * 1e6)::bigint: the numeric arithmetic
// cost the server more than fetching the row did.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/audit/chain_hash.hpp"

namespace tenantctl::audit {

// "YYYY-MM-DD HH:MM:SS[.f{1,6}]+00" to microseconds since 1970-01-01; nullopt otherwise.
std::optional<std::int64_t> parse_utc_timestamp(std::string_view text);

// The select list of an event in ChainEvent order, without tenant_id: every query reads one
// tenant's events, so the caller supplies it instead of the server printing it a million times.
inline constexpr const char* kChainEventColumns =
    "id, occurred_at, actor_type, actor_id, action, resource_type, resource_id, request_id, "
    "ip::text, user_agent, metadata::text, pseudonyms::text";
inline constexpr std::size_t kChainEventFieldCount = 12;

using CopyFields = std::vector<std::optional<std::string_view>>;

// Fills `e` (reusing its buffers) from the fields of one kChainEventColumns row of tenant
// `tenant_id`.
bool event_from_fields(const CopyFields& f, std::string_view tenant_id, ChainEvent& e);

// One row of the chain ledger: seq, occurred_at, event_id, hash (hex).
inline constexpr const char* kLedgerColumns = "seq, occurred_at, event_id, encode(hash, 'hex')";

struct LedgerRow {
    std::int64_t seq = 0;
    std::int64_t occurred_us = 0;
    std::int64_t event_id = 0;
    Digest hash{};
};

bool ledger_from_fields(const CopyFields& f, LedgerRow& row);

}  // namespace tenantctl::audit
