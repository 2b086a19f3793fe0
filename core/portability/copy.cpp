#include "core/portability/copy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <map>

#include "core/audit/append.hpp"
#include "core/context.hpp"
#include "core/crypto/bytes.hpp"
#include "core/crypto/envelope.hpp"
#include "core/crypto/master_key.hpp"
#include "core/crypto/random.hpp"
#include "core/db/connection.hpp"
#include "core/db/errors.hpp"
#include "core/db/lock.hpp"
#include "core/errors.hpp"
#include "core/gdpr/data_map.hpp"
#include "core/keys/master_key_check.hpp"
#include "core/model/predicate_literal.hpp"
#include "core/model/row_access.hpp"
#include "core/platform/migrations.hpp"
#include "core/portability/app_rows.hpp"
#include "core/portability/app_triggers.hpp"
#include "core/portability/audit_merge.hpp"
#include "core/portability/batched_copy.hpp"
#include "core/portability/online.hpp"
#include "core/portability/own_schema.hpp"
#include "core/portability/peer.hpp"
#include "core/portability/row_transform.hpp"
#include "core/tenants/lookup.hpp"
#include "core/tenants/model.hpp"
#include "core/util/failpoint.hpp"
#include "core/util/progress.hpp"
#include "core/util/slug.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::portability {

namespace {

using Snapshot = pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>;

// The `tenant.copy` event each side records: which way, where from or to, and how much.
audit::Event copy_event(const CopyResult& r, bool incoming, std::pair<const char*, std::string> other_side) {
    audit::Event ev;
    ev.tenant_id = incoming ? r.copy_id : r.tenant_id;
    ev.action = "tenant.copy";
    ev.resource_type = "tenant";
    ev.resource_id = incoming ? r.copy_slug : r.tenant;
    ev.metadata = json{{"direction", incoming ? "in" : "out"}, {other_side.first, other_side.second}, {"rows", r.rows},
                       {"tables", r.tables.size()}, {"audit_events", r.audit_events}};
    if (r.copy_slug != r.tenant) ev.metadata[incoming ? "copy_of" : "as"] = incoming ? r.tenant : r.copy_slug;
    if (!r.anonymized.empty()) ev.metadata["anonymized_columns"] = r.anonymized.size();
    if (incoming && r.reinstated) {
        ev.metadata["into_purged_row"] = true;
        if (!r.audit_chain_cut.is_null()) ev.metadata["audit_chain_cut"] = r.audit_chain_cut;
    }
    return ev;
}

// A random (version 4) uuid for the tenant's copy under --as.
std::string random_uuid() {
    std::string b = crypto::random_bytes(16);
    b[6] = static_cast<char>((b[6] & 0x0f) | 0x40);
    b[8] = static_cast<char>((b[8] & 0x3f) | 0x80);
    const std::string hex = crypto::hex_encode(b);
    return fmt::format("{}-{}-{}-{}-{}", hex.substr(0, 8), hex.substr(8, 4), hex.substr(12, 4), hex.substr(16, 4),
                       hex.substr(20));
}

// --as-key as the database prints a value of the tenancy column's type (bigint ' 007' is
// '7'), so it compares equal with what the copied rows will hold.
std::string canonical_key(pqxx::transaction_base& tx, const model::TenantData& data, const std::string& key) {
    std::string type = "text";
    for (const auto& r : data.relations())
        if (r.tenancy_column) {
            type = r.column(*r.tenancy_column)->type;
            break;
        }
    tx.exec("SAVEPOINT tenantctl_as_key");
    try {
        auto r = tx.exec_params1(fmt::format("SELECT $1::{}::text", type), key);
        tx.exec("RELEASE SAVEPOINT tenantctl_as_key");
        return r[0].c_str();
    } catch (const pqxx::data_exception&) {
        tx.exec("ROLLBACK TO SAVEPOINT tenantctl_as_key");
    }
    throw UsageError(fmt::format("--as-key {}: not a valid {}", util::in_quotes(key, 40), type));
}

// Who the tenant is at the destination: itself, or under --as a new tenant with a new id
// (and the tenancy key --as-key where the app keys tenants by something else than the id).
CopyIdentity identity_at_destination(const tenants::TenantRef& tenant, const CopyOptions& o) {
    const bool keyed = tenant.tenancy_value != tenant.id;
    if (!o.as_slug) {
        if (o.as_key) throw UsageError("--as-key goes with --as NEWSLUG");
        return CopyIdentity{tenant.id, tenant.slug, keyed ? std::optional(tenant.tenancy_value) : std::nullopt};
    }
    util::validate_slug(*o.as_slug);
    if (*o.as_slug == tenant.slug) throw UsageError(fmt::format("--as {}: that is the tenant's own slug", *o.as_slug));
    if (keyed && !o.as_key)
        throw UsageError(fmt::format("tenant '{}' is known to the app by the key '{}', not its id: give the copy its "
                                     "key with --as-key KEY",
                                     tenant.slug, tenant.tenancy_value));
    if (!keyed && o.as_key)
        throw UsageError(fmt::format("tenant '{}' is known to the app by its id: the copy gets a new id, not --as-key",
                                     tenant.slug));
    return CopyIdentity{random_uuid(), *o.as_slug, o.as_key};
}

// The copy's hash key for --anonymize, made for this one copy and forgotten after it: the
// destination's pseudonyms cannot be recomputed from a value by anyone, here or there. Its
// HMAC pads are session settings of the source's transaction, read by the anonymizing
// expressions, so the key is in no query text.
struct CopyHashKey {
    std::string ipad_sql = "decode(current_setting('tenantctl.copy_ipad'), 'hex')";
    std::string opad_sql = "decode(current_setting('tenantctl.copy_opad'), 'hex')";
    std::string ipad_hex, opad_hex;  // empty: no key (not anonymizing)

    static CopyHashKey make() {
        CopyHashKey k;
        const std::string key = crypto::random_bytes(32);
        std::string ipad(64, '\x36'), opad(64, '\x5c');
        for (std::size_t i = 0; i < key.size(); ++i) {
            ipad[i] = static_cast<char>(ipad[i] ^ key[i]);
            opad[i] = static_cast<char>(opad[i] ^ key[i]);
        }
        k.ipad_hex = crypto::hex_encode(ipad);
        k.opad_hex = crypto::hex_encode(opad);
        return k;
    }
    void install(pqxx::transaction_base& tx) const {
        if (ipad_hex.empty()) return;
        tx.exec_params("SELECT set_config('tenantctl.copy_ipad', $1, true), set_config('tenantctl.copy_opad', $2, true)",
                       ipad_hex, opad_hex);
    }
};

// A table without the tenancy column whose key into the tenant's tables does not cascade (a
// Rails has_and_belongs_to_many join table) is not in the model: its rows that reference the
// tenant's rows would stay behind, and the copy would verify without them. Purge refuses the
// same tables (model::TenantData::blocking_references); a copy does when such rows exist.
void refuse_rows_left_behind(pqxx::transaction_base& src, const model::TenantData& data, const std::string& value,
                             const std::string& where) {
    for (const auto& fk : data.blocking_references()) {
        const model::Relation& parent = data.get(fk.parent);
        const auto n = src.exec_params1(fmt::format("SELECT count(*) FROM {} c WHERE {} IN (SELECT {} FROM {} p WHERE {})",
                                                    fk.child.quoted(), model::column_tuple(fk.child_columns, "c"),
                                                    model::column_tuple(fk.parent_columns, "p"), parent.name.quoted(),
                                                    data.tenant_predicate(parent, "p", 1)),
                                        value)[0]
                           .as<long long>();
        if (n == 0) continue;
        throw Refused(fmt::format("{} references {} ({}) and has no {} column: its {} row{} that reference the "
                                  "tenant's rows are not part of the tenant's data and would not be copied {}",
                                  fk.child.display(), fk.parent.display(), fk.constraint, data.tenancy_column(), n,
                                  n == 1 ? "" : "s", where),
                      "add the tenancy column to it, or make the foreign key ON DELETE CASCADE (its rows then "
                      "belong to the tenant through it)");
    }
}

}  // namespace

CopyResult copy(Context& ctx, const CopyOptions& o) {
    platform::require_current(ctx);
    if (o.allow_unclassified && !o.anonymize) throw UsageError("--allow-unclassified goes with --anonymize");
    Peer peer = open_peer(ctx, o.to, "--to");
    const std::string copy_slug = o.as_slug.value_or(o.slug);
    // The destination is where the data changes: a protected one wants its name typed, as
    // every mutating command asks of a protected --context.
    if (ctx.config().contexts.at(o.to).is_protected && !ctx.dry_run())
        ctx.confirm_by_typing(fmt::format("`tenantctl {}` writes tenant '{}' into the protected context '{}'",
                                          ctx.command(), copy_slug, o.to),
                              o.to);
    // The tenant's lock here and the copy's there: no purge, re-encryption or second copy of
    // either meanwhile.
    auto here_lock = ctx.lock(tenants::lock_name(o.slug));
    db::AdvisoryLock there_lock(peer.info, tenants::lock_name(copy_slug), ctx.lock_timeout(),
                                fmt::format("tenantctl {} ({})", ctx.command(), ctx.actor()));
    return copy_locked(ctx, o, peer, CopyRun::plain);
}

std::string check_streamed_keys(Context& ctx, const CopyOptions& o, Peer& peer) {
    try {
        Snapshot src(ctx.db());
        const auto tenant = tenants::resolve(ctx, src, o.slug);
        const auto data = gdpr::load_model(ctx, src, tenant);
        src.commit();
        Snapshot dst(*peer.connection);
        const auto theirs = model::TenantData::load(ctx, dst);
        model::require_unfiltered(dst, theirs);
        model::enter_tenant(ctx, dst, tenant.tenancy_value);
        std::vector<const model::Relation*> streamed;
        for (const auto& pair : pair_relations(data, theirs))
            if (pair.source && pair.target && online::streamed(*pair.source)) streamed.push_back(pair.target);
        const std::string xmin = dst.exec("SELECT pg_snapshot_xmin(pg_current_snapshot())::text")[0][0].c_str();
        // Not yet the keys into the relations the copy writes at the switch (no rows there yet).
        const std::string where = "at --to " + o.to;
        check_foreign_keys(dst, theirs, streamed, tenant.tenancy_value, KeysChecked::out_of_to_outside, where);
        check_foreign_keys(dst, theirs, streamed, tenant.tenancy_value, KeysChecked::among, where);
        dst.commit();
        return xmin;
    } catch (const Error&) {
        throw;
    } catch (...) {
        db::rethrow_translated("checking the keys of the streamed rows");
    }
}

CopyResult copy_locked(Context& ctx, const CopyOptions& o, Peer& peer, CopyRun run,
                       const std::string& streamed_keys_checked_before) {
    const bool moving = run == CopyRun::moving || run == CopyRun::switching;
    // What this run writes of the app's data: everything, or what the stream did not bring.
    const auto writes = [run](const model::Relation& r) { return run != CopyRun::switching || !online::streamed(r); };
    const std::string where = "at --to " + o.to;
    const std::string copy_slug = o.as_slug.value_or(o.slug);
    CopyResult result;
    result.tenant = o.slug;
    result.copy_slug = copy_slug;
    result.to = o.to;
    result.target = peer.target;
    result.dry_run = ctx.dry_run();
    const crypto::MasterKey* to_key = &ctx.master_key();
    std::optional<crypto::MasterKey> loaded;
    if (o.to_master_key) to_key = &loaded.emplace(crypto::load_master_key(*o.to_master_key));
    try {
        Snapshot src(ctx.db());
        const auto tenant = tenants::resolve(ctx, src, o.slug);
        result.tenant_id = tenant.id;
        if (moving ? tenant.status != "moving" : tenant.status != "active" && tenant.status != "suspended")
            throw Refused(fmt::format("tenant '{}' is {}: only an active or suspended tenant is copied", o.slug, tenant.status));
        CopyIdentity as = identity_at_destination(tenant, o);
        result.copy_id = as.id;
        const auto data = std::make_shared<const model::TenantData>(gdpr::load_model(ctx, src, tenant));
        if (o.as_key) {
            as.tenancy_key = canonical_key(src, *data, *o.as_key);
            if (as.tenancy_key == tenant.tenancy_value)
                throw UsageError(fmt::format("--as-key {}: that is the tenant's own key", *o.as_key));
        }
        model::require_unfiltered(src, *data);
        model::enter_tenant(ctx, src, tenant.tenancy_value);
        use_canonical_text(src);

        // What each column becomes at the destination.
        RowTransform transform;
        if (o.as_slug) {
            result.rewritten_columns =
                rewrite_tenant_identity(transform, *data, ctx.config(), src.quote(tenant.tenancy_value),
                                        src.quote(as.tenancy_value()), src.quote(as.slug));
        }
        std::optional<crypto::FernetKey> new_data_key;
        CopyHashKey hash_key;
        if (o.anonymize) {
            new_data_key = crypto::FernetKey::generate();
            hash_key = CopyHashKey::make();
            hash_key.install(src);
            const auto map = gdpr::load_data_map(ctx, data, gdpr::tenant_schema(tenant));
            const auto now = std::chrono::duration_cast<std::chrono::seconds>(ctx.now().time_since_epoch()).count();
            auto anonymization = anonymize_columns(transform, map, ctx.config().data, *new_data_key,
                                                   static_cast<std::uint64_t>(now), hash_key.ipad_sql, hash_key.opad_sql);
            result.anonymized = std::move(anonymization.columns);
            result.unclassified = std::move(anonymization.unclassified);
            if (!result.unclassified.empty() && !o.allow_unclassified) {
                Refused e(fmt::format("--anonymize: {} column{} of the tenant's data {} not classified by the data map and "
                                      "would be copied as {} (`tenantctl gdpr lint` lists them)",
                                      result.unclassified.size(), result.unclassified.size() == 1 ? "" : "s",
                                      result.unclassified.size() == 1 ? "is" : "are",
                                      result.unclassified.size() == 1 ? "it is" : "they are"),
                          "list each under pii, encrypted or non_pii in data.tables, or pass --allow-unclassified");
                for (const auto& c : result.unclassified) e.with_detail(c);
                throw e;
            }
        }

        // One transaction there, or (a move in batches) one per batch and a final one.
        std::optional<pqxx::work> dst_tx;
        pqxx::work* dst = &dst_tx.emplace(*peer.connection);
        const bool own_schema = data->whole_schema();
        // A move copies in batches that each commit there with their checkpoint (batched_copy.hpp),
        // except a tenant with its own schema, which is made and filled in one transaction.
        const bool in_batches = run == CopyRun::moving && o.batch_size > 0 && !own_schema;
        // A killed run's checkpoint there: the tenant's row, platform rows and the batches it
        // records are there already, and the copy goes on from it.
        std::optional<CopyCheckpoint> job;
        if (in_batches) job = find_copy_checkpoint(ctx, *dst, as.id);
        // A tenant that left there (moved, then purged) comes back into its own row.
        if (!job) result.reinstated = require_absent_at_destination(ctx, *dst, as, o.to) == Arrival::over_tombstone;
        // A tenant with its own schema gets it there first, built in this transaction by the
        // migrations that built it here and completed from here (own_schema.hpp); under --as it
        // is named after the copy's slug.
        const std::string dest_schema = own_schema ? util::schema_name_for_slug(copy_slug) : std::string();
        std::optional<OwnSchema> own;
        if (own_schema) {
            if (result.reinstated) forget_dropped_schema(ctx, *dst, dest_schema);
            own.emplace(ctx, src, gdpr::tenant_schema(tenant), *dst, dest_schema, copy_slug);
            result.schema = dest_schema;
            result.migrations_replayed = own->migrations_replayed();
        }
        const auto theirs =
            own_schema ? model::TenantData::load_schema(ctx, *dst, dest_schema) : model::TenantData::load(ctx, *dst);
        model::require_unfiltered(*dst, theirs);
        model::enter_tenant(ctx, *dst, as.tenancy_value());
        use_canonical_text(*dst);
        const auto pairs = pair_relations(*data, theirs);
        auto problems = schema_problems(pairs);
        if (own)
            for (auto& d : own->differences()) problems.push_back(std::move(d));
        if (!problems.empty()) {
            Refused e(fmt::format("the schema {} does not match the tenant's data here ({} difference{})", where,
                                  problems.size(), problems.size() == 1 ? "" : "s"),
                      own_schema ? "the tenant's schema here differs from what its migrations build (changed by hand, "
                                   "or made without tenant-scoped migrations): make the change a migration, or undo it "
                                   "here; nothing was written there"
                                 : "migrate the destination to the same version first; `tenantctl tenant diff` shows "
                                   "each table");
            for (auto& p : problems) e.with_detail(std::move(p));
            throw e;
        }
        // Rows with the copy's tenancy value already there (left by an earlier copy done by
        // hand, or another tenant with the same key): the copy would mix with them. (A resumed
        // copy's own rows are there, as its checkpoint says.)
        for (const auto& pair : pairs) {
            if (job || !pair.source || !writes(*pair.source)) continue;
            const auto there = fingerprint(*dst, theirs, *pair.target, {}, as.tenancy_value());
            if (there.rows > 0)
                throw Refused(fmt::format("{} already holds {} row{} of tenant '{}' {}", pair.key, there.rows,
                                          there.rows == 1 ? "" : "s", copy_slug, where),
                              "remove them first, or compare with `tenantctl tenant diff`");
        }
        keys::require_master_key_matches(ctx, *dst, *to_key);
        // A row of the tenant that references another tenant's row (an app's cross-tenant
        // link): the copy cannot take that row, so the reference would dangle there, or find
        // a stranger's row with the same key. Found here, before a move freezes the tenant.
        // (At a move's switch the streamed rows are checked there instead.)
        if (run != CopyRun::switching) {
            std::vector<const model::Relation*> mine;
            for (const auto& r : data->relations()) mine.push_back(&r);
            check_foreign_keys(src, *data, mine, tenant.tenancy_value, KeysChecked::within_tenant, where);
            refuse_rows_left_behind(src, *data, tenant.tenancy_value, where);
        }
        if (run == CopyRun::checks_only) {
            // A move back's audit merge refuses too (the chain there must verify): tried here and
            // rolled back with the rest, so that the app is not paused for a move that cannot copy.
            if (result.reinstated && !o.as_slug && !o.anonymize) {
                json cut;
                merge_audit_trail(ctx, src, *dst, tenant.id, ctx.master_key(), *to_key, where, cut);
            }
            return result;  // both transactions roll back
        }

        // Row counts for the progress line, on a terminal only (an index scan each).
        std::map<std::string, long long> rows_of;
        long long total = 0;
        if (ctx.progress_enabled())
            for (const auto& pair : pairs)
                if (pair.source && writes(*pair.source))
                    total += rows_of[pair.key] =
                        src.exec_params1(fmt::format("SELECT count(*) FROM {} t WHERE {}", pair.source->name.quoted(),
                                                     data->tenant_predicate(*pair.source, "t", 1)),
                                         tenant.tenancy_value)[0]
                            .as<long long>();

        if (!job) {
            const Arrival arrival = result.reinstated ? Arrival::over_tombstone : Arrival::fresh;
            if (result.reinstated) clear_tombstone(ctx, *dst, as.id);
            copy_tenant_row(ctx, src, *dst, tenant.id, as, o.anonymize, arrival);
            if (new_data_key) {
                insert_new_data_key(ctx, *dst, as.id, *to_key, *new_data_key);
                result.data_keys = 1;
            } else {
                result.data_keys = copy_data_keys(ctx, src, *dst, tenant.id, as.id, ctx.master_key(), *to_key);
            }
            // The rest of the platform rows belong to this tenant only: a copy under another
            // identity or without personal data does not take its credentials, its register of
            // data subjects, or an audit trail whose hash chain commits to its id.
            if (!o.as_slug && !o.anonymize) {
                result.api_keys = copy_rows_of(ctx, src, *dst, "api_keys", tenant.id);
                result.gdpr_requests = copy_rows_of(ctx, src, *dst, "gdpr_requests", tenant.id);
                result.audit_events =
                    result.reinstated ? merge_audit_trail(ctx, src, *dst, tenant.id, ctx.master_key(), *to_key, where,
                                                          result.audit_chain_cut)
                                      : copy_audit_trail(ctx, src, *dst, tenant.id, ctx.master_key(), *to_key, where);
            }
        }

        util::ProgressLine progress(ctx.progress_enabled() ? &ctx.log().stream() : nullptr, "copying " + o.slug, total);
        long long done = 0;
        std::vector<BatchedRelation> batched;
        if (in_batches)
            for (const auto* r : batched_relations(*data, writes))
                for (const auto& pair : pairs)
                    if (pair.source == r) batched.push_back(BatchedRelation{*r, *pair.target, pair.key});
        const auto is_batched = [&](const model::Relation& r) {
            return std::any_of(batched.begin(), batched.end(), [&](const BatchedRelation& b) { return &b.source == &r; });
        };
        RowsCopy rows{*data, transform, src.quote(tenant.tenancy_value), as.tenancy_value(),
                      [&](const model::Relation& r) { return writes(r) && !is_batched(r); },
                      [&](const model::Relation& r) {
                          done += rows_of[relation_key(*data, r)];
                          progress.update(done);
                          util::failpoint("copy.table");
                      },
                      dest_schema};
        std::vector<SentRelation> sent;
        if (in_batches) {
            if (job) {
                if (const auto it = job->cursor.find("arrival"); it != job->cursor.end()) {
                    result.reinstated = it->value("into_purged_row", false);
                    result.audit_events = it->value("audit_events_added", 0LL);
                    result.audit_chain_cut = json::parse(it->value("audit_chain_cut", nlohmann::json()).dump());
                }
                done = rows_copied(*job);
                ctx.log().info(fmt::format("going on with the copy {}: {} rows of the tenant are there from an earlier run",
                                           where, done));
                dst->abort();  // it only checked
            } else {
                // The tenant's row (moving), its platform rows and the checkpoint, committed first.
                nlohmann::json arrival = nlohmann::json::object();  // the checkpoint's cursor type
                if (result.reinstated)
                    arrival = {{"into_purged_row", true},
                               {"audit_events_added", result.audit_events},
                               {"audit_chain_cut", nlohmann::json::parse(result.audit_chain_cut.dump())}};
                job = start_copy_checkpoint(ctx, *dst, as.id, db::describe_target(ctx.conninfo().conninfo), arrival);
                dst->commit();
            }
            Batches b{ctx, src, *peer.connection, rows, theirs, o.batch_size, o.fire_triggers, [&](long long n) {
                          done += n;
                          progress.update(done);
                      }};
            for (const auto& r : batched) {
                copy_in_batches(b, r, *job);
                sent.push_back(sent_in_batches(*job, r));
                util::failpoint("copy.table");
            }
            // The rest, the checks and the proof: one last transaction.
            dst = &dst_tx.emplace(*peer.connection);
            model::enter_tenant(ctx, *dst, as.tenancy_value());
            use_canonical_text(*dst);
        }
        // The app's triggers on shared tables stay quiet (app_triggers.hpp); a tenant's own
        // new schema has its triggers off already (OwnSchema).
        std::vector<const model::Relation*> written;
        if (!own_schema)
            for (const auto& pair : pairs)
                if (pair.source && rows.selected(*pair.source)) written.push_back(pair.target);
        std::vector<std::string> warnings;
        AppTriggersQuiet quiet(*dst, theirs, written, o.fire_triggers, warnings);
        for (const auto& w : warnings) ctx.log().warn(w);
        result.triggers_quieted = quiet.quieted();
        for (auto& s : copy_tenant_rows(src, *dst, rows)) sent.push_back(std::move(s));
        quiet.finish(as.tenancy_value(), false, where);
        // The keys of the rows batches wrote with the app's triggers quiet (the server's checks
        // are triggers too), checked as quiet.finish checks those written here.
        std::vector<const model::Relation*> unchecked;
        for (const auto& r : batched)
            if (keys_unchecked(*job, r)) unchecked.push_back(&r.target);
        check_foreign_keys(*dst, theirs, unchecked, as.tenancy_value(), KeysChecked::out_of, where);
        // The stream's apply worker wrote the streamed tables as a replica, which checks no
        // foreign key: their rows equal the source's (the move compares them next), so what can
        // still be missing is a row of a table outside the tenant's data that they reference.
        if (run == CopyRun::switching) {
            std::vector<const model::Relation*> streamed;
            for (const auto& pair : pairs)
                if (pair.source && pair.target && !writes(*pair.source)) streamed.push_back(pair.target);
            check_foreign_keys(*dst, theirs, streamed, as.tenancy_value(), KeysChecked::out_of_to_outside, where);
            // Keys into the tenant's own tables: a parent the tenant has is streamed or copied
            // with its children, so only a reference to another tenant's row dangles. Those
            // among the streamed tables were checked in full before the freeze: here only for
            // the rows written since.
            check_foreign_keys(*dst, theirs, streamed, as.tenancy_value(), KeysChecked::out_of_to_inside, where,
                               streamed_keys_checked_before);
        }

        // Proof, read back inside the destination's transaction: each table's rows of the tenant
        // are the lines sent, value for value. A trigger that changed a row, a default that
        // differs, a value that did not survive its text: the copy is rolled back.
        for (const auto& pair : pairs) {
            if (!pair.source || !writes(*pair.source)) continue;
            const auto found = std::find_if(sent.begin(), sent.end(),
                                            [&](const SentRelation& x) { return x.relation == pair.source; });
            if (found == sent.end())  // every relation of the model is in its delete order
                throw Error(Exit::runtime, fmt::format("internal: {} was not copied", pair.key));
            const auto& s = *found;
            const model::Relation& r = *pair.source;
            // A table of a foreign-key cycle was sent with NULL keys and set afterwards: what it
            // must hold is read from the source's snapshot, through the same transformation.
            Fingerprint expected;
            if (s.sent) {
                expected = *s.sent;
            } else {
                std::vector<std::string> values;
                for (const auto& c : s.columns) values.push_back(transform.value(r, *r.column(c)));
                expected = fingerprint_values(src, r.name.quoted(), values, data->tenant_predicate(r, "t", 1),
                                              tenant.tenancy_value);
            }
            const auto got = fingerprint_as_sent(*dst, theirs, *pair.target, s, as.tenancy_value());
            if (got != expected)
                throw IntegrityError(fmt::format("{} {} does not match the source after the copy ({} rows, checksum {}; "
                                                 "source {} rows, checksum {}): nothing was committed",
                                                 pair.key, where, got.rows, got.checksum, expected.rows,
                                                 expected.checksum),
                                     "look for triggers on the destination's table that change rows on insert");
            result.tables.push_back(CopiedTable{pair.key, got});
            result.rows += got.rows;
        }

        audit::append(ctx, *dst, copy_event(result, true, {"from", db::describe_target(ctx.conninfo().conninfo)}));
        if (ctx.dry_run()) {
            dst->abort();
            return result;
        }
        if (own) result.sequences_set = own->finish();
        for (const auto& pair : pairs)
            if (pair.source) advance_sequences(*dst, *pair.target);
        if (job) finish_copy_checkpoint(ctx, *dst, *job, result.rows);
        dst->commit();
        src.commit();
    } catch (const Error&) {
        throw;
    } catch (...) {
        db::rethrow_translated("copying the tenant");
    }
    // The source records that the tenant's data left, after the destination has it.
    try {
        pqxx::work tx(ctx.db());
        auto out = copy_event(result, false, {"to", o.to});
        out.metadata["target"] = peer.target;
        audit::append(ctx, tx, out);
        tx.commit();
    } catch (...) {
        db::rethrow_translated("recording the copy in the audit log here (the copy itself is committed " + where + ")");
    }
    return result;
}
}  // namespace tenantctl::portability
