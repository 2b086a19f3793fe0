// The GDPR request register (Art. 12(3): answer within one month, Art. 5(2): be able to
// show it). Every export and erasure is recorded with its received/due/completed dates and
// the SHA-256 of what was handed out; `doctor` reports open requests past their due date.
//
// The register names a subject by key ("key:<id>"), never by email; erasure replaces that by
// the subject's pseudonym in every request of the tenant.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/audit/append.hpp"
#include "core/records.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::gdpr {

struct RequestRecord {
    std::string tenant_id;
    std::string id;  // uuid
    std::string kind;  // export | export_all | erase
    std::string subject;
    std::string status = "completed";
    std::optional<std::string> artifact_sha256;
    std::optional<std::string> artifact;
    std::optional<json> receipt;
    std::optional<std::string> note;
};

// The audit event of a register operation ("gdpr.export", ...): resource gdpr_request/<id>.
// `metadata` must never hold personal data: name the subject by pseudonym only.
audit::Event request_event(const std::string& tenant_id, std::string action, const std::string& request_id,
                           json metadata = json::object());

// A fresh request id (uuid v4 text), known before the artifact is written so the manifest
// can carry it.
std::string new_request_id();

// Records a finished request. Status "failed" (an export that exits 8) is recorded without a
// completion date, and leaves an existing open request open. When `existing` names an open request of the tenant (received
// earlier with `gdpr requests add`), that one is completed instead (NotFound if it does
// not exist, Refused if it is not open or of another kind), and its id is returned.
std::string record_request(Context& ctx, pqxx::transaction_base& tx, const RequestRecord& r,
                           const std::optional<std::string>& existing);

// Checks that `id` is an open request of the tenant of this kind (before the work starts).
void require_open_request(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id,
                          const std::string& id, const std::string& kind);

// Registers a request received now (or at `received_at`, RFC 3339) and still to be answered.
std::string add_request(Context& ctx, pqxx::transaction_base& tx, const std::string& tenant_id,
                        const std::string& kind, const std::string& subject,
                        const std::optional<std::string>& received_at, const std::optional<std::string>& note);

struct ListFilter {
    std::optional<std::string> tenant_id;
    bool open_only = false;
    bool overdue_only = false;
};
Records list_requests(Context& ctx, pqxx::transaction_base& tx, const ListFilter& filter);
json show_request(Context& ctx, pqxx::transaction_base& tx, const std::string& id);
// Closes a request (open or completed); NotFound for an unknown id, Refused if already closed.
json close_request(Context& ctx, pqxx::transaction_base& tx, const std::string& id, const std::optional<std::string>& note);

// Open requests past their due date (doctor).
struct Overdue {
    std::string id, tenant_slug, kind, due_at;
};
std::vector<Overdue> overdue_requests(Context& ctx, pqxx::transaction_base& tx);

}  // namespace tenantctl::gdpr
