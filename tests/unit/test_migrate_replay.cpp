// Unit: how a migration's statement runs inside the one transaction that builds a tenant's
// schema in another database (core/migrate/replay.hpp).
#include <catch2/catch.hpp>

#include "core/errors.hpp"
#include "core/migrate/replay.hpp"

using tenantctl::migrate::in_one_transaction;

TEST_CASE("replay: index builds, drops and reindexes lose CONCURRENTLY, and only that word", "[unit][migrate]") {
    CHECK(in_one_transaction("CREATE INDEX CONCURRENTLY posts_title ON posts (title)") ==
          "CREATE INDEX  posts_title ON posts (title)");
    CHECK(in_one_transaction("create unique index concurrently if not exists u ON t (a)") ==
          "create unique index  if not exists u ON t (a)");
    CHECK(in_one_transaction("CREATE\n  INDEX\n  Concurrently i ON t (a)") == "CREATE\n  INDEX\n   i ON t (a)");
    CHECK(in_one_transaction("DROP INDEX CONCURRENTLY IF EXISTS i") == "DROP INDEX  IF EXISTS i");
    CHECK(in_one_transaction("REINDEX TABLE CONCURRENTLY t") == "REINDEX TABLE  t");
    // An index or a column named concurrently is left alone, as is every other statement.
    CHECK(in_one_transaction("CREATE INDEX \"concurrently\" ON t (a)") == "CREATE INDEX \"concurrently\" ON t (a)");
    CHECK(in_one_transaction("CREATE INDEX i ON t (concurrently)") == "CREATE INDEX i ON t (concurrently)");
    CHECK(in_one_transaction("CREATE TABLE t (concurrently int)") == "CREATE TABLE t (concurrently int)");
    CHECK(in_one_transaction("SELECT 'CREATE INDEX CONCURRENTLY'") == "SELECT 'CREATE INDEX CONCURRENTLY'");
}

TEST_CASE("replay: the file's own transaction blocks fold into the one transaction, and VACUUM is skipped", "[unit][migrate]") {
    for (const char* skipped : {"BEGIN", "begin transaction isolation level serializable", "START TRANSACTION", "COMMIT",
                                "END", "VACUUM posts", "vacuum (analyze) posts"}) {
        INFO(skipped);
        CHECK(in_one_transaction(skipped).empty());
    }
    // What would end the transaction early or undo part of it cannot be honoured: refused.
    for (const char* refused : {"ROLLBACK", "SAVEPOINT a", "RELEASE SAVEPOINT a", "ABORT"}) {
        INFO(refused);
        CHECK_THROWS_AS(in_one_transaction(refused), tenantctl::Refused);
    }
    CHECK(in_one_transaction("  -- only a comment\n").empty());
}
