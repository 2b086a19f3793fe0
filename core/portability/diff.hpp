// `tenant diff SLUG --against CONTEXT`: one tenant's data in this database and in another,
// relation by relation: row counts, checksums and column differences (see compare.hpp).
//
// Read-only. Each side is read in one REPEATABLE READ snapshot, so every figure of a side is
// of one moment; the two sides are read at the same time, on two connections.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/portability/compare.hpp"
#include "core/portability/journal.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::portability {

struct DiffOptions {
    std::string slug;
    std::string against;  // a context of the config file
    // The tenant's slug at the other database, when it is a `tenant copy --as` of this one:
    // the source's rows are compared as the copy rewrote them (its tenancy value in every
    // column that holds it, its slug in the app's tenants table).
    std::optional<std::string> as_slug;
};

struct TableDiff {
    std::string table;
    std::string status;  // same | differs | only at source | only at target
    std::optional<Fingerprint> source, target;
    std::vector<std::string> details;  // "2 rows more at the source", "column x missing at the target"
};

struct DiffResult {
    std::string source;  // target descriptions (host, port, dbname, user)
    std::string target;
    std::vector<TableDiff> tables;
    int differing = 0;
    // Fingerprints (one relation on one side) derived from a baseline instead of read whole.
    int from_baseline = 0;
    // Of those, the ones whose changes since were read from the move's change journal.
    int from_journal = 0;
};

// A comparison made while `tenant move --online` streams, before the app pauses, so that the
// verification at the switch reads again only what changed since (the switch's pause would
// otherwise be a checksum of every row on both sides).
//
// It keeps, for each streamed relation (those with a tenancy column), each side's
// fingerprint then, and each side's snapshot xmin: every transaction older than it had ended
// when the snapshot was taken. At the switch, each side's rows of such a relation are split
// by their row version's xmin:
//   - the rows older than that xmin had all ended their transaction then, so each was in the
//     snapshot (a row once deleted stays deleted): they are a part of the rows fingerprinted
//     then, and all of them when as many remain;
//   - the rows written since (an insert, or an update's new version) are the others.
// When as many older rows remain as the baseline counted, the fingerprint now is the
// baseline's plus that of the rows written since (the checksum is a sum over rows): the
// insert-only tables an app keeps writing to are read only for their new rows. Otherwise
// (an update or delete since) the relation is read whole, as it is when the table or one of
// its partitions is not the one it was (a table renamed into its place, a partition swapped:
// rows that come with their old xmin). A transaction left open during the
// comparison holds the xmin back, so more rows count as new: more is read, never less.
// Dependents (no tenancy column) are always read whole: their rows belong to the tenant
// through a parent, which can change without writing them.
//
// With the move's change journal (journal.hpp) on a side, that side's rows need not be
// counted at all: the relations whose journal holds only inserts since are derived from the
// baseline plus the rows with the journaled identities, read through the key; one with an
// update or delete since is read whole. Where the journal's triggers are not as the baseline
// saw them, the rule above applies.
struct DiffBaseline {
    struct Seen {
        Fingerprint fingerprint;
        std::string storage;  // the oids and file nodes of the table and of its partitions
        std::string journal;  // journal::state then; empty: not journaled
    };
    struct Entry {
        std::vector<std::string> columns;  // the compared columns then: a change of schema voids it
        Seen source, target;
    };
    std::map<std::string, Entry> relations;  // by RelationPair::key
    // What each side's snapshot saw: a row version is new since when its transaction is at or
    // after `xmax`, or was `in_progress` then (32-bit transaction ids, as text).
    struct SnapshotSeen {
        std::string xmax;
        std::vector<std::string> in_progress;
    };
    SnapshotSeen source_snapshot, target_snapshot;
    std::optional<journal::Journal> journal;  // the move's, on each side where it was made
};

// `against` is a context; the tenant, found here by `slug`, need not exist there yet: the
// other side is read with this side's tenancy value. With `journal` (made on either side or
// both), each side's journal entries that the baseline's snapshot sees are deleted in it.
DiffBaseline baseline(Context& ctx, const std::string& slug, const std::string& against,
                      const journal::Journal* journal = nullptr);

// With `since`, the fingerprints of relations that only gained rows since that baseline are
// derived from it (above).
DiffResult diff(Context& ctx, const DiffOptions& options, const DiffBaseline* since = nullptr);

}  // namespace tenantctl::portability
