#include "core/portability/diff.hpp"

#include <fmt/format.h>

#include <future>

#include "core/context.hpp"
#include "core/db/errors.hpp"
#include "core/errors.hpp"
#include "core/gdpr/data_map.hpp"
#include "core/model/predicate_literal.hpp"
#include "core/model/row_access.hpp"
#include "core/platform/migrations.hpp"
#include "core/portability/online.hpp"
#include "core/portability/peer.hpp"
#include "core/portability/row_transform.hpp"
#include "core/tenants/lookup.hpp"
#include "core/util/progress.hpp"
#include "core/util/slug.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::portability {

namespace {

using Snapshot = pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>;
// A baseline's snapshot where a change journal is kept: it deletes the entries it sees.
using WritingSnapshot = pqxx::transaction<pqxx::repeatable_read, pqxx::read_write>;

// One database's view of the tenant, read in one snapshot.
struct Side {
    std::unique_ptr<pqxx::transaction_base> tx;
    tenants::TenantRef tenant;
    model::TenantData data;
    // With a baseline: the SQL condition over alias `t` that a row version is new since.
    const DiffBaseline* since = nullptr;
    std::string written_since;
};

// What the transaction's snapshot saw, as 32-bit transaction ids (pg_snapshot_* give them
// with their epoch).
DiffBaseline::SnapshotSeen snapshot_seen(pqxx::transaction_base& tx) {
    const auto r = tx.exec1("SELECT pg_snapshot_xmax(s)::text, array_to_string(ARRAY(SELECT pg_snapshot_xip(s)::text), ',') "
                            "FROM pg_current_snapshot() s");
    const auto xid = [](const std::string& full) { return std::to_string(std::stoull(full) & 0xffffffffULL); };
    DiffBaseline::SnapshotSeen out{xid(r[0].c_str()), {}};
    for (const auto& x : util::split(r[1].c_str(), ','))
        if (!x.empty()) out.in_progress.push_back(xid(x));
    return out;
}

// The tenant's model and session settings on a side whose snapshot is open.
void enter(Context& ctx, Side& side) {
    auto& tx = *side.tx;
    // A policy that filtered this session's reads would make two different sides look equal.
    model::require_unfiltered(tx, side.data);
    model::enter_tenant(ctx, tx, side.tenant.tenancy_value);
    use_canonical_text(tx);
}

std::unique_ptr<pqxx::transaction_base> snapshot(pqxx::connection& connection, bool writes) {
    if (writes) return std::make_unique<WritingSnapshot>(connection);
    return std::make_unique<Snapshot>(connection);
}

Side open_side(Context& ctx, pqxx::connection& connection, const std::string& slug, const std::string& where,
               bool writes = false) {
    Side side{snapshot(connection, writes), {}, {}, nullptr, {}};
    auto& tx = *side.tx;
    auto tenant = tenants::find(ctx, tx, slug);
    if (!tenant) throw NotFound(fmt::format("unknown tenant '{}'{}", slug, where), "list tenants with `tenantctl tenant list`");
    if (tenant->status == "purged")
        throw Refused(fmt::format("tenant '{}' is purged{}: it has no data left to compare", slug, where));
    side.tenant = *tenant;
    side.data = gdpr::load_model(ctx, tx, side.tenant);
    enter(ctx, side);
    return side;
}

// The other side of a baseline: the shared tables there, read with this side's tenant, whose
// row need not be there yet.
Side open_side_for(Context& ctx, pqxx::connection& connection, const tenants::TenantRef& tenant, bool writes) {
    Side side{snapshot(connection, writes), tenant, {}, nullptr, {}};
    side.data = model::TenantData::load(ctx, *side.tx);
    enter(ctx, side);
    return side;
}

// Takes the baseline into a side: `then` is what the side's snapshot saw. A row version is
// new since when the baseline's snapshot did not see it: its transaction is at or after that
// snapshot's xmax, or was in progress then. (Not "after its xmin": a transaction after the
// xmin that had committed was seen, and counting its rows as new voids the derivation.) The
// snapshot lists top-level transactions only: a row written by a savepoint's subtransaction of
// a transaction in progress then counts as seen. It was not in the comparison, so the count of
// seen rows differs and the table is read whole; or, with a counted row deleted as well, this
// side's fingerprint comes out wrong and the two sides differ (the move stops, and a re-run
// verifies everything). Never a false "same": the other side would have to go wrong alike.
// age() counts back from one transaction id, fixed for the whole of a transaction that writes
// nothing, so `age(row's xmin) <= age(xmax)` in this snapshot is "the row's xmin is xmax or
// later", modulo 2^32 (a frozen row is as old as can be). Computed once here: per row, it
// doubles the cost.
void take_baseline(Side& side, const DiffBaseline& baseline, const DiffBaseline::SnapshotSeen& then) {
    side.since = &baseline;
    auto& tx = *side.tx;
    side.written_since =
        fmt::format("age(t.xmin) <= {}", tx.exec_params1("SELECT age($1::xid)", then.xmax)[0].as<long long>());
    if (!then.in_progress.empty())
        side.written_since = fmt::format("({} OR t.xmin = ANY ({}::xid[]))", side.written_since,
                                         tx.quote("{" + util::join(then.in_progress, ",") + "}"));
}

// The oids of `r` and of its partitions, and their file nodes: what a table renamed into its
// place, a partition attached or detached, a TRUNCATE or a table rewrite changes.
std::string storage_of(const Side& side, const model::Relation& r) {
    return side.tx
        ->exec_params1("SELECT string_agg(o::text || '/' || coalesce(pg_relation_filenode(o)::text, ''), ',' ORDER BY o) "
                       "FROM (SELECT $1::regclass::oid UNION "
                       "SELECT relid::oid FROM pg_partition_tree($1::regclass)) tree(o)",  // none for a plain table
                       r.name.quoted())[0]
        .c_str();
}

// SQL condition over alias `t`: the row version was written since the side's baseline.
const std::string& written_since(const Side& side) { return side.written_since; }

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

// What the side's change journal says of `r` since the baseline (DiffBaseline): nothing
// (`usable` false) when the relation was not journaled then or its triggers are not as they
// were; else the fingerprint now, or nothing when a row was updated or deleted since (the
// relation is read whole).
struct FromJournal {
    bool usable = false;
    std::optional<Fingerprint> fingerprint;
};

FromJournal from_journal(const Side& side, const RelationPair& pair, const model::Relation& r, const Fingerprint& then,
                         const std::string& seen_state, const std::string& predicate) {
    if (!side.since->journal || seen_state.empty() || !journal::journalable(r)) return {};
    auto& tx = *side.tx;
    const journal::Journal& j = *side.since->journal;
    if (journal::state(tx, j, r) != seen_state) return {};
    const auto changes = journal::changes(tx, j, r);
    if (changes.other > 0) return {true, std::nullopt};
    if (changes.inserted == 0) return {true, then};
    const auto added = fingerprint_where(tx, r.name.quoted(), pair.compared_columns,
                                         fmt::format("({}) AND {}", predicate, journal::inserted(tx, j, r)),
                                         side.tenant.tenancy_value);
    // Each journaled insert is a row still there, unless it was updated or deleted since.
    if (added.rows != changes.inserted) return {true, std::nullopt};
    return {true, combined(then, added)};
}

// The side's fingerprint of `pair` derived from the baseline (DiffBaseline): the baseline's
// when every row it counted is still there, plus the rows written since; nothing when a row
// it counted is gone (updated or deleted), or the relation was not in it.
struct Derived {
    Fingerprint fingerprint;
    bool by_journal = false;
};

std::optional<Derived> from_baseline(const Side& side, const RelationPair& pair, const model::Relation& r, bool of_source,
                                     const RowTransform& transform) {
    if (!side.since || !online::streamed(r) || transform.changes(r)) return std::nullopt;
    const auto it = side.since->relations.find(pair.key);
    if (it == side.since->relations.end() || it->second.columns != pair.compared_columns) return std::nullopt;
    const DiffBaseline::Seen& seen = of_source ? it->second.source : it->second.target;
    if (storage_of(side, r) != seen.storage) return std::nullopt;
    const Fingerprint& then = seen.fingerprint;
    auto& tx = *side.tx;
    const std::string predicate = side.data.tenant_predicate(r, "t", 1);
    if (const auto journaled = from_journal(side, pair, r, then, seen.journal, predicate); journaled.usable) {
        if (!journaled.fingerprint) return std::nullopt;
        return Derived{*journaled.fingerprint, true};
    }
    const auto counts = tx.exec1(fmt::format("SELECT count(*), count(*) FILTER (WHERE {}) FROM {} t WHERE {}",
                                             written_since(side), r.name.quoted(),
                                             model::with_literal(predicate, tx.quote(side.tenant.tenancy_value))));
    const auto written = counts[1].as<long long>();
    if (counts[0].as<long long>() - written != then.rows) return std::nullopt;
    if (written == 0) return Derived{then};
    return Derived{combined(then, fingerprint_where(tx, r.name.quoted(), pair.compared_columns,
                                                    fmt::format("({}) AND {}", predicate, written_since(side)),
                                                    side.tenant.tenancy_value))};
}

struct SideFingerprints {
    std::vector<Fingerprint> of;  // one per pair
    int from_baseline = 0;
    int from_journal = 0;
};

SideFingerprints fingerprints(const Side& side, const std::vector<RelationPair>& pairs, bool of_source,
                              const RowTransform& transform, util::ProgressLine* progress) {
    SideFingerprints out;
    for (const auto& pair : pairs) {
        const model::Relation* r = of_source ? pair.source : pair.target;
        if (!r) {
            out.of.emplace_back();
        } else if (auto kept = from_baseline(side, pair, *r, of_source, transform)) {
            out.of.push_back(kept->fingerprint);
            ++out.from_baseline;
            if (kept->by_journal) ++out.from_journal;
        } else {
            out.of.push_back(fingerprint_of(side, *r, pair.compared_columns, transform));
        }
        if (progress) progress->update(static_cast<long long>(out.of.size()));
    }
    return out;
}

// Both sides' fingerprints of `pairs`, the two servers working at the same time; the progress
// line follows the source's side.
std::pair<SideFingerprints, SideFingerprints> fingerprints_of_both(const Side& source, const Side& target,
                                                                  const std::vector<RelationPair>& pairs,
                                                                  const RowTransform& source_transform,
                                                                  util::ProgressLine* progress) {
    const RowTransform as_is;
    auto of_target = std::async(std::launch::async, [&] { return fingerprints(target, pairs, false, as_is, nullptr); });
    SideFingerprints of_source;
    try {
        of_source = fingerprints(source, pairs, true, source_transform, progress);
    } catch (...) {
        of_target.wait();  // never leave the other thread using `target` while it unwinds
        throw;
    }
    return {std::move(of_source), of_target.get()};
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

DiffBaseline baseline(Context& ctx, const std::string& slug, const std::string& against, const journal::Journal* journal) {
    Peer peer = open_peer(ctx, against, "--to");
    DiffBaseline out;
    try {
        const bool writes = journal != nullptr;
        Side source = open_side(ctx, ctx.db(), slug, "", writes);
        Side target = open_side_for(ctx, *peer.connection, source.tenant, writes);
        std::vector<RelationPair> pairs;
        for (auto& pair : pair_relations(source.data, target.data))
            if (pair.source && pair.target && online::streamed(*pair.source) && online::streamed(*pair.target))
                pairs.push_back(std::move(pair));
        const auto [ours, theirs] = fingerprints_of_both(source, target, pairs, RowTransform{}, nullptr);
        const auto journal_state = [&](const Side& side, const model::Relation& r) {
            return journal && journal::journalable(r) ? journal::state(*side.tx, *journal, r) : std::string();
        };
        for (std::size_t i = 0; i < pairs.size(); ++i)
            out.relations.emplace(pairs[i].key,
                                  DiffBaseline::Entry{pairs[i].compared_columns,
                                                      {ours.of[i], storage_of(source, *pairs[i].source),
                                                       journal_state(source, *pairs[i].source)},
                                                      {theirs.of[i], storage_of(target, *pairs[i].target),
                                                       journal_state(target, *pairs[i].target)}});
        out.source_snapshot = snapshot_seen(*source.tx);
        out.target_snapshot = snapshot_seen(*target.tx);
        if (journal) {
            // What this snapshot saw is in the fingerprints: the entries left are changes since.
            for (Side* side : {&source, &target}) {
                if (!journal::exists_in(*side->tx, *journal)) continue;
                journal::forget_seen(*side->tx, *journal);
                side->tx->commit();
            }
            out.journal = *journal;
        }
    } catch (const Error&) {
        throw;
    } catch (...) {
        db::rethrow_translated("comparing the tenant's data");
    }
    return out;
}

DiffResult diff(Context& ctx, const DiffOptions& o, const DiffBaseline* since_baseline) {
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
        if (since_baseline) {
            take_baseline(source, *since_baseline, since_baseline->source_snapshot);
            take_baseline(target, *since_baseline, since_baseline->target_snapshot);
        }
        const RowTransform copied = o.as_slug ? as_the_copy(ctx, source, target) : RowTransform{};
        const auto pairs = pair_relations(source.data, target.data);
        util::ProgressLine progress(ctx.progress_enabled() ? &ctx.log().stream() : nullptr, "comparing " + o.slug,
                                    static_cast<long long>(pairs.size()), "tables");
        const auto [ours, theirs] = fingerprints_of_both(source, target, pairs, copied, &progress);
        for (std::size_t i = 0; i < pairs.size(); ++i) {
            result.tables.push_back(compare(pairs[i], ours.of[i], theirs.of[i]));
            if (result.tables.back().status != "same") ++result.differing;
        }
        result.from_baseline = ours.from_baseline + theirs.from_baseline;
        result.from_journal = ours.from_journal + theirs.from_journal;
    } catch (const Error&) {
        throw;
    } catch (...) {
        db::rethrow_translated("comparing the tenant's data");
    }
    return result;
}

}  // namespace tenantctl::portability
