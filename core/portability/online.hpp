// `tenant move --online` (issue 18): the tenant's rows reach the destination by PostgreSQL's
// own logical replication, with a row filter per table (PostgreSQL 15), while the app keeps
// writing; the app pauses only for the switch (drain, catch-up, platform rows, verification).
//
// The stream is three objects that share one name (stream_name): a publication here, of the
// tenant's tables, each with a row filter on its tenancy column (publish_via_partition_root,
// so a partitioned table travels as itself); a logical replication slot here, made by
// tenantctl and not by CREATE SUBSCRIPTION (which hangs when both databases are on one
// server); and a subscription at the destination, which copies each table's filtered rows
// and then applies every later change. They exist only while the tenant moves; each step
// looks for what an earlier, killed run left and goes on from there.
//
// What the stream does not carry: tables without the tenancy column (dependents, whose rows
// belong to the tenant through a parent: a row filter cannot follow a foreign key) and
// tenantctl's platform rows. Those are copied at the switch, from a snapshot taken while the
// tenant is frozen (CopyRun::switching).
//
// What it needs, checked before anything is made (problems()): PostgreSQL 15 on both sides,
// wal_level = logical here, a role here that may replicate and a superuser there (PostgreSQL 15
// lets only superusers create subscriptions), a connection string without a password (it is
// stored in the destination's catalog and written in DDL a server may log), and on every
// streamed table a replica identity that includes the tenancy column: PostgreSQL refuses
// every UPDATE and DELETE of a published table whose row filter uses a column outside it, for
// every tenant, not only the one moving.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/model/tenant_data.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::portability::online {

// The relations the stream carries: those with a tenancy column (the app's tenants table
// through its key). The others are copied at the switch.
bool streamed(const model::Relation& r);

// The name of the tenant's stream from this database: `tenantctl_move_` and 24 hex digits of
// a hash of the tenant id and this database's name (a slot's name is unique per server).
std::string stream_name(const std::string& tenant_id, const std::string& source_database);

// What stops an online move, one line each; empty when it can go.
std::vector<std::string> problems(pqxx::transaction_base& src, pqxx::transaction_base& dst, const model::TenantData& data,
                                  const std::string& source_conninfo);

// CREATE PUBLICATION for the tenant's streamed relations (`value` is its tenancy value).
std::string publication_sql(pqxx::transaction_base& tx, const model::TenantData& data, const std::string& name,
                            const std::string& value);

// Which of the stream's objects exist.
bool published(pqxx::connection& src, const std::string& name);
bool subscribed(pqxx::connection& dst, const std::string& name);

// Makes whatever of the publication, slot and subscription is missing. The subscription
// copies the existing rows first (copy_data).
void start(pqxx::connection& src, pqxx::connection& dst, const model::TenantData& data, const std::string& value,
           const std::string& name, const std::string& source_conninfo);

// Waits until every streamed table has been copied and the subscription is applying changes.
// IntegrityError when its workers fail there (a key conflict, a missing column): the server's
// log at the destination says why. Busy when no worker has run for it for a minute (the
// destination out of background worker slots).
void wait_synced(Context& ctx, pqxx::connection& dst, const std::string& name, std::size_t tables);

// Waits until the destination has applied every change committed here so far: writes a
// mark into the WAL (flushed, with everything before it) and waits for the slot's
// confirmed_flush_lsn to pass it. Busy after `timeout`.
void wait_caught_up(pqxx::connection& src, pqxx::connection& dst, const std::string& name,
                    std::chrono::milliseconds timeout);

// Drops the subscription and the slots (its own and any table-copy slot an interrupted copy
// left); the publication stays, as the mark that the tenant's rows came by the stream. The
// subscription is first disabled in a transaction of its own.
void stop(pqxx::connection& src, pqxx::connection& dst, const std::string& name);

// Whether a stop() was interrupted: the subscription is there, disabled. It streams no more.
bool stopping(pqxx::connection& dst, const std::string& name);

void unpublish(pqxx::connection& src, const std::string& name);

}  // namespace tenantctl::portability::online
