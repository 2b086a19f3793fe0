#include "core/portability/diff.hpp"

#include <fmt/format.h>

#include <future>

#include "core/context.hpp"
#include "core/db/errors.hpp"
#include "core/errors.hpp"
#include "core/gdpr/data_map.hpp"
#include "core/model/row_access.hpp"
#include "core/platform/migrations.hpp"
#include "core/portability/peer.hpp"
#include "core/portability/row_transform.hpp"
#include "core/tenants/lookup.hpp"
#include "core/util/progress.hpp"
#include "core/util/slug.hpp"

namespace tenantctl::portability {

namespace {

using Snapshot = pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>;

// One database's view of the tenant, read in one snapshot.
struct Side {
    std::unique_ptr<Snapshot> tx;
    tenants::TenantRef tenant;
    model::TenantData data;
};

Side open_side(Context& ctx, pqxx::connection& connection, const std::string& slug, const std::string& where) {
    Side side{std::make_unique<Snapshot>(connection), {}, {}};
    auto& tx = *side.tx;
    auto tenant = tenants::find(ctx, tx, slug);
    if (!tenant) throw NotFound(fmt::format("unknown tenant '{}'{}", slug, where), "list tenants with `tenantctl tenant list`");
    if (tenant->status == "purged")
        throw Refused(fmt::format("tenant '{}' is purged{}: it has no data left to compare", slug, where));
    side.tenant = *tenant;
    side.data = gdpr::load_model(ctx, tx, side.tenant);
    // A policy that filtered this session's reads would make two different sides look equal.
    model::require_unfiltered(tx, side.data);
    model::enter_tenant(ctx, tx, side.tenant.tenancy_value);
    use_canonical_text(tx);
    return side;
}

// The fingerprint of one side's relation over the compared columns, each read as `transform`
// makes it (the plain column unless --as rewrote it).
Fingerprint fingerprint_of(const Side& side, const model::Relation& r, const std::vector<std::string>& columns,
                           const RowTransform& transform) {
    if (!transform.changes(r)) return fingerprint(*side.tx, side.data, r, columns, side.tenant.tenancy_value);
    std::vector<std::string> values;
    for (const auto& c : columns) values.push_back(transform.value(r, *r.column(c)));
    return fingerprint_values(*side.tx, r.name.quoted(), values, side.data.tenant_predicate(r, "t", 1),
                              side.tenant.tenancy_value);
}

std::vector<Fingerprint> fingerprints(const Side& side, const std::vector<RelationPair>& pairs, bool of_source,
                                      const RowTransform& transform, util::ProgressLine* progress) {
    std::vector<Fingerprint> out;
    for (const auto& pair : pairs) {
        const model::Relation* r = of_source ? pair.source : pair.target;
        out.push_back(r ? fingerprint_of(side, *r, pair.compared_columns, transform) : Fingerprint{});
        if (progress) progress->update(static_cast<long long>(out.size()));
    }
    return out;
}

// --as: what `tenant copy --as` wrote instead of the source's values (core/portability/copy.cpp
// builds the same transformation).
RowTransform as_the_copy(Context& ctx, const Side& source, const Side& target) {
    RowTransform transform;
    auto& tx = *source.tx;
    rewrite_tenant_identity(transform, source.data, ctx.config(), tx.quote(source.tenant.tenancy_value),
                            tx.quote(target.tenant.tenancy_value), tx.quote(target.tenant.slug));
    return transform;
}

TableDiff compare(const RelationPair& pair, const Fingerprint& source, const Fingerprint& target) {
    TableDiff d{pair.key, "same", std::nullopt, std::nullopt, pair.column_differences};
    if (pair.source) d.source = source;
    if (pair.target) d.target = target;
    if (!pair.target) {
        d.status = "only at source";
        return d;
    }
    if (!pair.source) {
        d.status = "only at target";
        return d;
    }
    if (source.rows != target.rows) {
        const auto more = source.rows - target.rows;
        d.details.insert(d.details.begin(), fmt::format("{} row{} more at the {}", std::llabs(more),
                                                        std::llabs(more) == 1 ? "" : "s", more > 0 ? "source" : "target"));
    } else if (source.checksum != target.checksum) {
        d.details.insert(d.details.begin(), "same row count, different values");
    }
    if (!d.details.empty()) d.status = "differs";
    return d;
}

}  // namespace

DiffResult diff(Context& ctx, const DiffOptions& o) {
    platform::require_current(ctx);
    Peer peer = open_peer(ctx, o.against, "--against");
    const std::string at_peer = " at --against " + o.against;
    DiffResult result{db::describe_target(ctx.conninfo().conninfo), peer.target, {}, 0};
    try {
        Side source = open_side(ctx, ctx.db(), o.slug, "");
        if (o.as_slug) {
            util::validate_slug_format(*o.as_slug);
            if (*o.as_slug == o.slug)
                throw UsageError(fmt::format("--as {}: that is the tenant's own slug; leave --as out", *o.as_slug));
        }
        Side target = open_side(ctx, *peer.connection, o.as_slug.value_or(o.slug), at_peer);
        if (source.tenant.isolation != target.tenant.isolation)
            throw Refused(fmt::format("tenant '{}' is {} here and '{}' is {}{}: their tables cannot be paired", o.slug,
                                      source.tenant.isolation, target.tenant.slug, target.tenant.isolation, at_peer));
        const RowTransform as_is, copied = o.as_slug ? as_the_copy(ctx, source, target) : RowTransform{};
        const auto pairs = pair_relations(source.data, target.data);
        util::ProgressLine progress(ctx.progress_enabled() ? &ctx.log().stream() : nullptr, "comparing " + o.slug,
                                    static_cast<long long>(pairs.size()), "tables");
        // The two servers work at the same time; the line follows the source's side.
        auto of_target = std::async(std::launch::async, [&] { return fingerprints(target, pairs, false, as_is, nullptr); });
        std::vector<Fingerprint> of_source;
        try {
            of_source = fingerprints(source, pairs, true, copied, &progress);
        } catch (...) {
            of_target.wait();  // never leave the other thread using `target` while it unwinds
            throw;
        }
        const auto theirs = of_target.get();
        for (std::size_t i = 0; i < pairs.size(); ++i) {
            result.tables.push_back(compare(pairs[i], of_source[i], theirs[i]));
            if (result.tables.back().status != "same") ++result.differing;
        }
    } catch (const Error&) {
        throw;
    } catch (...) {
        db::rethrow_translated("comparing the tenant's data");
    }
    return result;
}

}  // namespace tenantctl::portability
