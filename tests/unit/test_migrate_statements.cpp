#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/migrate/statements.hpp"

using namespace tenantctl;
using namespace tenantctl::migrate;

namespace {

std::vector<std::string> sqls(std::string_view text) {
    std::vector<std::string> out;
    for (const auto& s : split_statements(text, 1)) out.push_back(s.sql);
    return out;
}

SourceError split_error(std::string_view text, int first_line = 1, std::string_view file = {}) {
    try {
        split_statements(text, first_line, file);
    } catch (const SourceError& e) {
        return e;
    }
    FAIL("split_statements did not throw for: " << text);
    throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("migrate split: plain statements with positions", "[migrate][statements]") {
    auto out = split_statements("SELECT 1;\n  SELECT 2 ;SELECT\n  3", 10);
    REQUIRE(out.size() == 3);
    CHECK(out[0].sql == "SELECT 1");
    CHECK(out[0].line == 10);
    CHECK(out[0].col == 1);
    CHECK(out[1].sql == "SELECT 2");
    CHECK(out[1].line == 11);
    CHECK(out[1].col == 3);
    CHECK(out[2].sql == "SELECT\n  3");  // final statement without ';' is kept
    CHECK(out[2].line == 11);
    CHECK(out[2].col == 13);
}

TEST_CASE("migrate split: empty and comment-only statements are dropped", "[migrate][statements]") {
    CHECK(sqls("").empty());
    CHECK(sqls("   \n\t").empty());
    CHECK(sqls(";;  -- nothing here\n ; /* nor; here */ ;").empty());
    CHECK(sqls("SELECT 1; -- trailing comment; with semicolon\n") == std::vector<std::string>{"SELECT 1"});
    CHECK(sqls("SELECT 1;\n/* trailing block */\n") == std::vector<std::string>{"SELECT 1"});
}

TEST_CASE("migrate split: leading comments are not part of the statement, inner ones are", "[migrate][statements]") {
    auto out = split_statements("-- header; comment\n/* block; */  SELECT /* inner; */ 1 -- tail\n;", 1);
    REQUIRE(out.size() == 1);
    CHECK(out[0].sql == "SELECT /* inner; */ 1");
    CHECK(out[0].line == 2);
    CHECK(out[0].col == 15);
}

TEST_CASE("migrate split: semicolons in single-quoted strings", "[migrate][statements]") {
    CHECK(sqls("INSERT INTO t VALUES ('a;b'); SELECT 2;") ==
          std::vector<std::string>{"INSERT INTO t VALUES ('a;b')", "SELECT 2"});
    CHECK(sqls("SELECT 'it''s; fine'; SELECT 2") == std::vector<std::string>{"SELECT 'it''s; fine'", "SELECT 2"});
    CHECK(sqls("SELECT ''; SELECT ''''; SELECT 3").size() == 3);
    // With standard_conforming_strings a backslash is an ordinary character: 'a\' is complete.
    CHECK(sqls("SELECT 'a\\'; SELECT 2;") == std::vector<std::string>{"SELECT 'a\\'", "SELECT 2"});
    // A word ending in e (time, date...) before a string is not an E'' prefix.
    CHECK(sqls("SELECT time'12:00\\'; SELECT 2;").size() == 2);
    // String prefixes that keep standard quoting.
    CHECK(sqls("SELECT B'1;0', X'1F;', N'x;y', U&'d;a'; SELECT 2").size() == 2);
}

TEST_CASE("migrate split: E'' strings use backslash escapes", "[migrate][statements]") {
    CHECK(sqls("SELECT E'a\\';b'; SELECT 2;") == std::vector<std::string>{"SELECT E'a\\';b'", "SELECT 2"});
    CHECK(sqls("SELECT e'x\\\\'; SELECT 2;") == std::vector<std::string>{"SELECT e'x\\\\'", "SELECT 2"});
    CHECK(sqls("SELECT E'it''s;\\n'; SELECT 2;").size() == 2);
}

TEST_CASE("migrate split: double-quoted identifiers", "[migrate][statements]") {
    CHECK(sqls("CREATE TABLE \"we;ird\"\"t\" (\"a;b\" int); SELECT 1;") ==
          std::vector<std::string>{"CREATE TABLE \"we;ird\"\"t\" (\"a;b\" int)", "SELECT 1"});
    CHECK(sqls("SELECT 1 AS \"it's\"; SELECT 2").size() == 2);  // a quote inside an identifier
    CHECK(sqls("SELECT U&\"d;0061t\" FROM t; SELECT 2").size() == 2);
}

TEST_CASE("migrate split: dollar-quoted bodies", "[migrate][statements]") {
    CHECK(sqls("SELECT $$a;'b\"$$; SELECT 2") == std::vector<std::string>{"SELECT $$a;'b\"$$", "SELECT 2"});
    CHECK(sqls("SELECT $fn$ $$ ; $$ $fn$; SELECT 2").size() == 2);
    CHECK(sqls("SELECT $a$ x $ab$ ; $a$; SELECT 2").size() == 2);  // $ab$ does not close $a$
    CHECK(sqls("SELECT $_x1$;$_x1$; SELECT 2").size() == 2);
    // $1 is a parameter, not a delimiter.
    CHECK(sqls("PREPARE p(int) AS SELECT $1; SELECT 2;") ==
          std::vector<std::string>{"PREPARE p(int) AS SELECT $1", "SELECT 2"});
    // A $ inside an identifier belongs to it: foo$bar$ is a name, not the start of a body.
    CHECK(sqls("SELECT foo$bar$ FROM t; SELECT 2;") == std::vector<std::string>{"SELECT foo$bar$ FROM t", "SELECT 2"});
    // A lone $ is just a character.
    CHECK(sqls("SELECT 1 $ 2; SELECT 3").size() == 2);
}

TEST_CASE("migrate split: comments hide semicolons and quotes", "[migrate][statements]") {
    CHECK(sqls("SELECT 1 -- it's; not the end\n+ 1; SELECT 2") ==
          std::vector<std::string>{"SELECT 1 -- it's; not the end\n+ 1", "SELECT 2"});
    CHECK(sqls("/* a; /* nested; */ still comment; it's */ SELECT 1; SELECT 2") ==
          std::vector<std::string>{"SELECT 1", "SELECT 2"});
    CHECK(sqls("SELECT 1 /* $$ unbalanced dollar in comment */; SELECT 2").size() == 2);
    CHECK(sqls("SELECT '--not a comment;'; SELECT 2").size() == 2);
    CHECK(sqls("SELECT '/* not a comment'; SELECT 2").size() == 2);
}

TEST_CASE("migrate split: functions, DO blocks and routine bodies", "[migrate][statements]") {
    std::string plpgsql =
        "CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $body$\n"
        "BEGIN\n"
        "  NEW.updated_at := now();\n"
        "  RETURN NEW;\n"
        "END;\n"
        "$body$;\n"
        "CREATE TRIGGER t BEFORE UPDATE ON x FOR EACH ROW EXECUTE FUNCTION touch();\n";
    auto out = split_statements(plpgsql, 5);
    REQUIRE(out.size() == 2);
    CHECK(out[0].sql.substr(0, 26) == "CREATE OR REPLACE FUNCTION");
    CHECK(out[0].sql.back() == '$');
    CHECK(out[1].line == 11);

    CHECK(sqls("DO $$ BEGIN PERFORM 1; END $$; SELECT 2;").size() == 2);

    // SQL-standard bodies: psql keeps BEGIN ATOMIC ... END together, CASE ... END included.
    std::string atomic =
        "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql\n"
        "BEGIN ATOMIC\n"
        "  SELECT CASE WHEN a > 0 THEN 1 ELSE 0 END;\n"
        "  SELECT a + 1;\n"
        "END;\n"
        "SELECT f(1);";
    auto routines = split_statements(atomic, 1);
    REQUIRE(routines.size() == 2);
    CHECK(routines[0].sql.substr(routines[0].sql.size() - 3) == "END");
    CHECK(routines[1].sql == "SELECT f(1)");
    CHECK(sqls("create or replace procedure p() begin atomic insert into t values (1); end; call p();").size() == 2);

    // A transaction's BEGIN is its own statement, not a body.
    CHECK(sqls("BEGIN; SELECT 1; COMMIT;") == std::vector<std::string>{"BEGIN", "SELECT 1", "COMMIT"});
    // BEGIN inside an ordinary statement does not open a body either.
    CHECK(sqls("SELECT 1 AS begin; SELECT 2").size() == 2);
}

TEST_CASE("migrate split: semicolons inside parentheses stay in the statement, like psql", "[migrate][statements]") {
    CHECK(
        sqls("CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2)); SELECT 3;")
            .size() == 2);
}

TEST_CASE("migrate split: CRLF and UTF-8 positions", "[migrate][statements]") {
    auto out = split_statements("SELECT 1;\r\nSELECT 2;\r\n", 1);
    REQUIRE(out.size() == 2);
    CHECK(out[0].sql == "SELECT 1");
    CHECK(out[1].sql == "SELECT 2");
    CHECK(out[1].line == 2);
    CHECK(out[1].col == 1);

    // Columns count characters, not bytes: 'é' is two bytes but one column.
    auto utf8 = split_statements("SELECT 'é'; SELECT 2;", 1);
    REQUIRE(utf8.size() == 2);
    CHECK(utf8[1].col == 13);
    // Non-ASCII identifiers are letters.
    CHECK(sqls("SELECT 1 AS größe; SELECT 2").size() == 2);
}

TEST_CASE("migrate split: unterminated quoting is an error at its start", "[migrate][statements]") {
    auto e = split_error("SELECT 1;\nSELECT 'abc;\nSELECT 2;", 7, "m.sql");
    CHECK(e.code() == Exit::usage);
    CHECK(e.file() == "m.sql");
    CHECK(e.line() == 8);
    CHECK(e.col() == 8);
    CHECK(std::string(e.what()) == "m.sql:8:8: unterminated quoted string");

    CHECK(split_error("SELECT E'abc\\';").problem() == "unterminated E'' string");
    CHECK(split_error("SELECT E'abc\\").problem() == "unterminated E'' string");
    CHECK(split_error("SELECT \"abc;").problem() == "unterminated quoted identifier");
    CHECK(split_error("SELECT $$abc;").problem() == "unterminated dollar-quoted string $$");
    CHECK(split_error("SELECT $fn$abc; $$;").problem() == "unterminated dollar-quoted string $fn$");
    CHECK(split_error("SELECT 1; /* a /* b */ c;").problem() == "unterminated /* comment");
    CHECK(split_error("SELECT 'it''s").problem() == "unterminated quoted string");

    auto no_file = split_error("\n  'x", 3);
    CHECK(no_file.line() == 4);
    CHECK(no_file.col() == 3);
    CHECK(std::string(no_file.what()) == "line 4:3: unterminated quoted string");
}

TEST_CASE("migrate tokenize: kinds, case folding and positions", "[migrate][statements]") {
    auto t = tokenize("CREATE Table \"My\"\"T\".x -- c\n(id INT DEFAULT 'A', n $1 1.5e-3)", 4, 3);
    REQUIRE(t.size() == 15);
    CHECK(t[0].kind == TokenKind::word);
    CHECK(t[0].text == "create");
    CHECK(t[0].line == 4);
    CHECK(t[0].col == 3);
    CHECK(t[1].text == "table");
    CHECK(t[2].kind == TokenKind::quoted_identifier);
    CHECK(t[2].text == "My\"T");
    CHECK(t[3].kind == TokenKind::symbol);
    CHECK(t[3].text == ".");
    CHECK(t[4].text == "x");
    CHECK(t[5].text == "(");
    CHECK(t[5].line == 5);
    CHECK(t[5].col == 1);
    CHECK(t[7].text == "int");
    CHECK(t[9].kind == TokenKind::string);
    CHECK(t[9].text == "'A'");
    CHECK(t[12].kind == TokenKind::parameter);
    CHECK(t[13].kind == TokenKind::number);
    CHECK(t[13].text == "1.5e-3");
}

TEST_CASE("migrate position_in_text maps server error positions to the file", "[migrate][statements]") {
    Statement s{"SELECT 1,\n  nope(é, x)", 20, 5};
    CHECK(position_in_file(s, 1).line == 20);
    CHECK(position_in_file(s, 1).col == 5);
    CHECK(position_in_file(s, 8).col == 12);
    auto nope = position_in_file(s, 13);  // 'n' of nope: 10 characters on line 1 incl. the newline, 2 spaces
    CHECK(nope.line == 21);
    CHECK(nope.col == 3);
    auto x = position_in_file(s, 21);  // after the two-byte é, positions still count characters
    CHECK(x.line == 21);
    CHECK(x.col == 11);
    CHECK(position_in_text("ab", 1, 1, 99).col == 3);  // past the end: the end
    CHECK(position_in_text("ab", 1, 1, 0).col == 1);
}
