// Building a schema-isolated tenant's schema in another database the way its migrations built
// it here (`tenant copy` and `tenant move` of a tenant with its own schema), inside the one
// transaction that also brings its rows: a kill or a failed check leaves nothing there.
//
// The recipe is the tenant schema's own ledger: the tenant-scoped migrations recorded as applied
// to it, each read from the migrations directory and required to be the very file that ran
// (same checksum). Newer files the schema has not had are not run: the copy is at the source's
// version, and `migrate up` there brings it forward like any other tenant schema.
//
// Inside one transaction the files' own transaction control is moot: BEGIN/COMMIT/END
// statements of a no-transaction file are skipped (running COMMIT would end the caller's
// transaction), CREATE INDEX / DROP INDEX / REINDEX lose CONCURRENTLY (the same index, built
// on tables this transaction created and nobody else can see), and VACUUM is skipped (it
// changes no definition). Anything else PostgreSQL refuses in a transaction block fails the
// copy, naming the file and line.
#pragma once

#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "core/migrate/file.hpp"

namespace tenantctl {
class Context;
}

namespace tenantctl::migrate {

// The tenant-scoped migrations applied to `schema` according to `tx`'s ledger, as files of the
// configured migrations directory, in the order they ran (versions, then repeatables). Refused
// (exit 5) when a ledger row is a baseline marker or unfinished, or its file is missing from
// the directory or differs from the one that ran.
std::vector<MigrationFile> applied_tenant_files(Context& ctx, pqxx::transaction_base& tx, const std::string& schema);

// Inside `tx` (another database, whose platform schema is named as this one's), in `schema`,
// created empty by the same transaction: the files run with search_path = schema, public, and
// a ledger row each, as `migrate up` records them.
void replay_into_schema(Context& ctx, pqxx::transaction_base& tx, const std::string& schema,
                            const std::vector<MigrationFile>& files);

// A statement of a migration as it runs inside one transaction: "" when it is skipped there,
// else its text (CONCURRENTLY removed where the statement is an index build, drop or reindex).
std::string in_one_transaction(const std::string& sql);

}  // namespace tenantctl::migrate
