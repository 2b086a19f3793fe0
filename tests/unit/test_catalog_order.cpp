// Delete order over foreign keys: children before parents, cycles broken where possible.
#include <catch2/catch.hpp>

#include <algorithm>

#include "core/catalog/catalog.hpp"
#include "core/errors.hpp"

using namespace tenantctl;
using catalog::ForeignKey;
using catalog::TableName;

namespace {
TableName t(const std::string& name) { return TableName{"public", name}; }
ForeignKey fk(const std::string& child, const std::string& parent, bool deferrable = false, bool nullable = false) {
    ForeignKey f;
    f.constraint = child + "_" + parent + "_fkey";
    f.child = t(child);
    f.parent = t(parent);
    f.child_columns = {parent + "_id"};
    f.parent_columns = {"id"};
    f.deferrable = deferrable;
    f.child_columns_nullable = nullable;
    return f;
}
std::size_t position(const catalog::DeleteOrder& o, const std::string& name) {
    return static_cast<std::size_t>(std::find(o.tables.begin(), o.tables.end(), t(name)) - o.tables.begin());
}
}  // namespace

TEST_CASE("children are deleted before their parents", "[catalog]") {
    auto order = catalog::delete_order({t("users"), t("documents"), t("comments")},
                                       {fk("documents", "users"), fk("comments", "documents"), fk("comments", "users")});
    REQUIRE(order.tables.size() == 3);
    CHECK(position(order, "comments") < position(order, "documents"));
    CHECK(position(order, "documents") < position(order, "users"));
    CHECK(order.broken.empty());
}

TEST_CASE("foreign keys to tables outside the set do not constrain the order", "[catalog]") {
    auto order = catalog::delete_order({t("users")}, {fk("users", "plans"), fk("audit", "users")});
    CHECK(order.tables == std::vector<TableName>{t("users")});
}

TEST_CASE("a cycle is broken at a nullable foreign key", "[catalog]") {
    // users.team_id -> teams (NOT NULL), teams.manager_id -> users (nullable)
    auto order = catalog::delete_order({t("users"), t("teams")},
                                       {fk("users", "teams"), fk("teams", "users", false, true)});
    REQUIRE(order.broken.size() == 1);
    CHECK(order.broken[0].child == t("teams"));
    CHECK(position(order, "users") < position(order, "teams"));
}

TEST_CASE("a deferrable foreign key is preferred to break a cycle", "[catalog]") {
    auto order = catalog::delete_order({t("a"), t("b")}, {fk("a", "b", false, true), fk("b", "a", true, false)});
    REQUIRE(order.broken.size() == 1);
    CHECK(order.broken[0].deferrable);
}

TEST_CASE("an unbreakable cycle is refused naming its tables", "[catalog]") {
    try {
        catalog::delete_order({t("a"), t("b")}, {fk("a", "b"), fk("b", "a")});
        FAIL("expected Refused");
    } catch (const Error& e) {
        CHECK(e.code() == Exit::refused);
        CHECK(std::string(e.what()).find("public.a, public.b") != std::string::npos);
    }
}

TEST_CASE("a nullable self-reference is reported to be neutralised first", "[catalog]") {
    auto order = catalog::delete_order({t("employees")}, {fk("employees", "employees", false, true)});
    CHECK(order.tables == std::vector<TableName>{t("employees")});
    REQUIRE(order.broken.size() == 1);
}

TEST_CASE("a NOT NULL, non-deferrable self-reference makes the table one statement, not a refusal", "[catalog]") {
    auto order = catalog::delete_order({t("nodes"), t("docs")}, {fk("nodes", "nodes"), fk("docs", "nodes")});
    CHECK(order.single_statement == std::vector<TableName>{t("nodes")});
    CHECK(order.broken.empty());
    CHECK(position(order, "docs") < position(order, "nodes"));
}
