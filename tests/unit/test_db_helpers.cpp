// Pure helpers of core/db: quoting, target descriptions, version checks, lock keys.
#include <catch2/catch.hpp>

#include "core/db/connection.hpp"
#include "core/db/lock.hpp"
#include "core/errors.hpp"

using namespace tenantctl;

TEST_CASE("identifiers are quoted, embedded quotes doubled", "[db]") {
    CHECK(db::quote_ident("users") == "\"users\"");
    CHECK(db::quote_ident("Weird \"Tbl\"") == "\"Weird \"\"Tbl\"\"\"");
    CHECK(db::quote_qualified("app", "x; DROP TABLE y") == "\"app\".\"x; DROP TABLE y\"");
}

TEST_CASE("a connection target is described without its password", "[db]") {
    auto uri = db::describe_target("postgresql://ops:s3cret@db.internal:6543/app?sslmode=require");
    CHECK(uri.find("host=db.internal") != std::string::npos);
    CHECK(uri.find("port=6543") != std::string::npos);
    CHECK(uri.find("dbname=app") != std::string::npos);
    CHECK(uri.find("s3cret") == std::string::npos);
    auto kv = db::describe_target("host=/tmp/sock port=5999 password=hunter2 dbname=x");
    CHECK(kv.find("socket dir=/tmp/sock") != std::string::npos);
    CHECK(kv.find("hunter2") == std::string::npos);
    CHECK(db::describe_target("host='unterminated") == "an unparsable connection string");
}

TEST_CASE("servers older than PostgreSQL 14 are refused", "[db]") {
    CHECK_NOTHROW(db::check_server_version_num(150018));
    CHECK_NOTHROW(db::check_server_version_num(140000));
    try {
        db::check_server_version_num(130012);
        FAIL("expected Refused");
    } catch (const Error& e) {
        CHECK(e.code() == Exit::refused);
        CHECK(std::string(e.what()).find("PostgreSQL 13.12 is not supported") != std::string::npos);
    }
}

TEST_CASE("lock keys are stable and distinct per name", "[db]") {
    CHECK(db::lock_key("init") == db::lock_key("init"));
    CHECK(db::lock_key("init") != db::lock_key("tenant:acme"));
}
