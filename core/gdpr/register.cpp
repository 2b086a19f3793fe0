#include "core/gdpr/register.hpp"

#include <fmt/format.h>

#include <regex>

#include "core/context.hpp"
#include "core/crypto/bytes.hpp"
#include "core/crypto/random.hpp"
#include "core/errors.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::gdpr {

namespace {

constexpr const char* kUtc = "to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";

std::string utc(const std::string& column) { return fmt::format(kUtc, column); }

void require_uuid(const std::string& id) {
    static const std::regex uuid("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");
    if (!std::regex_match(id, uuid)) throw UsageError("request id must be a UUID, got " + util::in_quotes(id, 40));
}

json nullable(const pqxx::field& f) { return f.is_null() ? json(nullptr) : json(f.c_str()); }

}  // namespace

audit::Event request_event(const std::string& tenant_id, std::string action, const std::string& request_id,
                           json metadata) {
    audit::Event e;
    e.tenant_id = tenant_id;
    e.action = std::move(action);
    e.resource_type = "gdpr_request";
    e.resource_id = request_id;
    e.metadata = std::move(metadata);
    return e;
}

std::string new_request_id() {
    auto b = crypto::random_bytes(16);
    b[6] = static_cast<char>((b[6] & 0x0f) | 0x40);
    b[8] = static_cast<char>((b[8] & 0x3f) | 0x80);
    auto hex = crypto::hex_encode(b);
    return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
           hex.substr(20);
}

void require_open_request(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id,
                          const std::string& id, const std::string& kind) {
    require_uuid(id);
    auto row = tx.exec_params(fmt::format("SELECT kind, status FROM {} WHERE tenant_id = $1::uuid AND id = $2::uuid",
                                          ctx.platform_table("gdpr_requests")),
                              tenant_id, id);
    if (row.empty()) throw NotFound(fmt::format("no GDPR request {} for this tenant", id));
    if (row[0][1].as<std::string>() != "open")
        throw Refused(fmt::format("GDPR request {} is {}, not open", id, row[0][1].c_str()));
    if (row[0][0].as<std::string>() != kind)
        throw Refused(fmt::format("GDPR request {} is an {} request, not {}", id, row[0][0].c_str(), kind));
}

std::string record_request(Context& ctx, pqxx::transaction_base& tx, const RequestRecord& r,
                           const std::optional<std::string>& existing) {
    const std::string table = ctx.platform_table("gdpr_requests");
    std::optional<std::string> receipt = r.receipt ? std::optional<std::string>(r.receipt->dump()) : std::nullopt;
    if (existing) {
        require_open_request(ctx, tx, r.tenant_id, *existing, r.kind);
        // A failed attempt leaves the request's status and completion as they were. Chosen here,
        // not by CASE around now(), which Citus refuses in an UPDATE of a distributed table.
        const std::string keep = "artifact_sha256 = $3, artifact = $4, receipt = $5::jsonb, subject = $6, "
                                 "note = coalesce($7, note)";
        const std::string where = " WHERE tenant_id = $1::uuid AND id = $2::uuid";
        if (r.status == "failed")
            tx.exec_params(fmt::format("UPDATE {} SET {}{}", table, keep, where), r.tenant_id, *existing,
                           r.artifact_sha256, r.artifact, receipt, r.subject, r.note);
        else
            tx.exec_params(fmt::format("UPDATE {} SET {}, status = $8, completed_at = now(){}", table, keep, where),
                           r.tenant_id, *existing, r.artifact_sha256, r.artifact, receipt, r.subject, r.note, r.status);
        return *existing;
    }
    tx.exec_params(fmt::format("INSERT INTO {} (tenant_id, id, kind, subject, status, completed_at, artifact_sha256, "
                               "artifact, receipt, actor, note) "
                               "VALUES ($1::uuid, $2::uuid, $3, $4, $5, CASE WHEN $5 = 'failed' THEN NULL ELSE now() END, $6, $7, $8::jsonb, "
                               "$9, $10)",
                               table),
                   r.tenant_id, r.id, r.kind, r.subject, r.status, r.artifact_sha256, r.artifact, receipt, ctx.actor(),
                   r.note);
    return r.id;
}

std::string add_request(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id,
                        const std::string& kind, const std::string& subject,
                        const std::optional<std::string>& received_at, const std::optional<std::string>& note) {
    std::string id = new_request_id();
    try {
        tx.exec_params(fmt::format("INSERT INTO {} (tenant_id, id, kind, subject, status, received_at, due_at, actor, note) "
                                    "SELECT $1::uuid, $2::uuid, $3, $4, 'open', r, r + interval '1 month', $6, $7 "
                                    "FROM (SELECT coalesce($5::timestamptz, now()) AS r) x",
                                    ctx.platform_table("gdpr_requests")),
                        tenant_id, id, kind, subject, received_at, ctx.actor(), note);
    } catch (const pqxx::data_exception&) {
        throw UsageError("--received: expected an RFC 3339 time such as 2025-01-31T09:00:00Z");
    }
    return id;
}

Records list_requests(Context& ctx, pqxx::transaction_base& tx, const ListFilter& filter) {
    auto rows = tx.exec_params(
        fmt::format("SELECT r.id, t.slug, r.kind, r.subject, r.status, {}, {}, {}, "
                    "  (r.status = 'open' AND r.due_at < now()), r.artifact_sha256 "
                    "FROM {} r JOIN {} t ON t.id = r.tenant_id "
                    "WHERE ($1::uuid IS NULL OR r.tenant_id = $1::uuid) AND (NOT $2 OR r.status = 'open') "
                    "  AND (NOT $3 OR (r.status = 'open' AND r.due_at < now())) "
                    "ORDER BY r.received_at, r.id",
                    utc("r.received_at"), utc("r.due_at"), utc("r.completed_at"), ctx.platform_table("gdpr_requests"),
                    ctx.platform_table("tenants")),
        filter.tenant_id, filter.open_only, filter.overdue_only);
    Records out = Records::table(
        {"id", "tenant", "kind", "subject", "status", "received_at", "due_at", "completed_at", "overdue", "sha256"});
    for (const auto& r : rows)
        out.add({r[0].c_str(), r[1].c_str(), r[2].c_str(), nullable(r[3]), r[4].c_str(), r[5].c_str(), r[6].c_str(),
                 nullable(r[7]), r[8].as<bool>(), nullable(r[9])});
    return out;
}

json show_request(Context& ctx, pqxx::transaction_base& tx, const std::string& id) {
    require_uuid(id);
    auto rows = tx.exec_params(
        fmt::format("SELECT r.id, t.slug, r.kind, r.subject, r.status, {}, {}, {}, {}, r.artifact_sha256, r.artifact, "
                    "  r.actor, r.note, r.receipt::text, (r.status = 'open' AND r.due_at < now()) "
                    "FROM {} r JOIN {} t ON t.id = r.tenant_id WHERE r.id = $1::uuid",
                    utc("r.received_at"), utc("r.due_at"), utc("r.completed_at"), utc("r.closed_at"),
                    ctx.platform_table("gdpr_requests"), ctx.platform_table("tenants")),
        id);
    if (rows.empty()) throw NotFound(fmt::format("no GDPR request {}", id));
    const auto& r = rows[0];
    json doc = {{"id", r[0].c_str()},       {"tenant", r[1].c_str()},       {"kind", r[2].c_str()},
                {"subject", nullable(r[3])}, {"status", r[4].c_str()},       {"received_at", r[5].c_str()},
                {"due_at", r[6].c_str()},    {"completed_at", nullable(r[7])}, {"closed_at", nullable(r[8])},
                {"overdue", r[14].as<bool>()}, {"sha256", nullable(r[9])},   {"artifact", nullable(r[10])},
                {"actor", nullable(r[11])},  {"note", nullable(r[12])}};
    doc["receipt"] = r[13].is_null() ? json(nullptr) : json::parse(r[13].c_str());
    return doc;
}

json close_request(Context& ctx, pqxx::transaction_base& tx, const std::string& id, const std::optional<std::string>& note) {
    auto before = show_request(ctx, tx, id);
    if (before["status"] == "closed") throw Refused(fmt::format("GDPR request {} is already closed", id));
    tx.exec_params(fmt::format("UPDATE {} SET status = 'closed', closed_at = now(), note = coalesce($2, note) "
                               "WHERE id = $1::uuid",
                               ctx.platform_table("gdpr_requests")),
                   id, note);
    return show_request(ctx, tx, id);
}

std::vector<Overdue> overdue_requests(Context& ctx, pqxx::transaction_base& tx) {
    auto rows = tx.exec(fmt::format("SELECT r.id, t.slug, r.kind, {} FROM {} r JOIN {} t ON t.id = r.tenant_id "
                                    "WHERE r.status = 'open' AND r.due_at < now() ORDER BY r.due_at",
                                    utc("r.due_at"), ctx.platform_table("gdpr_requests"), ctx.platform_table("tenants")));
    std::vector<Overdue> out;
    for (const auto& r : rows) out.push_back({r[0].c_str(), r[1].c_str(), r[2].c_str(), r[3].c_str()});
    return out;
}

}  // namespace tenantctl::gdpr
