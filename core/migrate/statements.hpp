// Lexing SQL migration text the way PostgreSQL and psql do, without a database.
//
// split_statements() cuts a section of a migration file into the statements psql -f would send
// one by one. It is what no-transaction migrations execute (one statement at a time, progress
// recorded per statement index), what `migrate lint` inspects, and how a server error position
// is mapped back to file:line:col. tokenize() gives the same lexer's tokens to the linter.
//
// Lexical rules followed (PostgreSQL 15 with standard_conforming_strings=on, the default since
// 9.1):
//   'text' with '' as the escaped quote; backslash is an ordinary character
//   E'text' / e'text' where backslash escapes the next character (so E'\'' is one quote)
//   "identifier" with "" as the escaped quote (U&"..." and U&'...' lex the same way)
//   $$body$$ and $tag$body$tag$ (tag: a letter or _ then letters, digits, _); `$1` is a
//   parameter, and a `$` inside an identifier (foo$bar) belongs to the identifier
//   -- comments to the end of the line; /* block comments */ which nest
// A `;` ends a statement only at parenthesis depth 0 and, as psql 14+ does, not inside the
// BEGIN ATOMIC ... END body of a CREATE [OR REPLACE] FUNCTION|PROCEDURE (CASE ... END inside
// that body is counted too). Unbalanced parentheses therefore keep the rest of the text in one
// statement, exactly like psql; the server then reports the syntax error.
//
// Positions: lines are 1-based; columns are 1-based and count Unicode code points (UTF-8 lead
// bytes), which is what editors show and what PostgreSQL's error position counts.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.hpp"

namespace tenantctl::migrate {

// A problem at a place in an input file (exit 2, usage). what() reads `file:line:col: problem`
// (`file: problem` when line is 0, i.e. the whole file; `line L:C: problem` when no file name is
// known). The parts are kept so `migrate lint` can report them as findings.
class SourceError : public UsageError {
public:
    SourceError(std::string file, int line, int col, std::string problem, std::string hint = {});

    const std::string& file() const noexcept { return m_file; }
    int line() const noexcept { return m_line; }  // 0: the file as a whole (e.g. its name)
    int col() const noexcept { return m_col; }
    const std::string& problem() const noexcept { return m_problem; }

private:
    std::string m_file;
    int m_line;
    int m_col;
    std::string m_problem;
};

// One statement, without its terminating `;`, without leading/trailing whitespace and comments
// (comments inside it are kept: the server ignores them and error positions stay exact).
// line/col: where its first character is in the original file.
struct Statement {
    std::string sql;
    int line = 1;
    int col = 1;
};

// Splits `sql` (whose first character is at line `first_line`, column 1 of `file`) on top-level
// semicolons. Empty and comment-only statements are dropped, so `;;` and a trailing comment
// produce nothing. A final statement without `;` is kept.
// Throws SourceError (naming `file` when given) for an unterminated quoted string, quoted
// identifier, dollar-quoted body or block comment, at the position where it starts.
std::vector<Statement> split_statements(std::string_view sql, int first_line, std::string_view file = {});

enum class TokenKind {
    word,               // keyword or unquoted identifier; text is ASCII-lowercased
    quoted_identifier,  // text is the identifier itself: quotes removed, "" unescaped
    string,             // any string literal or dollar-quoted body; text is the raw source
    number,
    parameter,  // $1
    symbol,     // one punctuation/operator character: ; ( ) , . = etc.
};

struct Token {
    TokenKind kind;
    std::string text;
    int line;
    int col;
};

// The tokens of `sql` with whitespace and comments removed. Positions are counted from
// (first_line, first_col); pass a Statement's line/col to get positions in the file.
// Throws SourceError like split_statements.
std::vector<Token> tokenize(std::string_view sql, int first_line = 1, int first_col = 1, std::string_view file = {});

// True when the statement whose tokens these are is transaction control: BEGIN, START
// TRANSACTION, COMMIT, END, ROLLBACK, ABORT, SAVEPOINT, RELEASE, PREPARE TRANSACTION.
bool is_transaction_control(const std::vector<Token>& tokens);

// The first byte offset of `text` that is not valid UTF-8 (or a NUL byte), or npos.
std::size_t invalid_text_offset(std::string_view text);

struct SourcePosition {
    int line;
    int col;
};

// Where the `char_position`-th character (1-based, in code points, as in PostgreSQL's error
// "position" field, PG_DIAG_STATEMENT_POSITION) of `text` is in the file, given that `text`
// starts at (first_line, first_col). Positions past the end map to the end of the text.
SourcePosition position_in_text(std::string_view text, int first_line, int first_col, std::size_t char_position);

// Same for an error raised while executing one statement from split_statements.
inline SourcePosition position_in_file(const Statement& statement, std::size_t char_position) {
    return position_in_text(statement.sql, statement.line, statement.col, char_position);
}

}  // namespace tenantctl::migrate
