#include "core/migrate/statements.hpp"

#include <array>
#include <optional>

namespace tenantctl::migrate {

namespace {

std::string format_source_message(const std::string& file, int line, int col, const std::string& problem) {
    if (file.empty()) return "line " + std::to_string(line) + ":" + std::to_string(col) + ": " + problem;
    if (line <= 0) return file + ": " + problem;
    return file + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " + problem;
}

bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
bool is_ascii_letter(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
// PostgreSQL treats every byte with the high bit set as a letter in identifiers.
bool is_ident_start(unsigned char c) { return is_ascii_letter(c) || c == '_' || c >= 0x80; }
bool is_dollar_tag_char(unsigned char c) { return is_ident_start(c) || is_digit(c); }
bool is_ident_char(unsigned char c) { return is_dollar_tag_char(c) || c == '$'; }
bool is_utf8_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

enum class LexKind { space, comment, word, quoted_identifier, string, number, parameter, symbol };

struct Lexeme {
    LexKind kind;
    std::size_t begin;
    std::size_t end;
    int line;
    int col;
};

// One pass over the text; every byte belongs to exactly one lexeme.
class Lexer {
public:
    Lexer(std::string_view text, int first_line, int first_col, std::string_view file)
        : m_text(text), m_line(first_line), m_col(first_col), m_file(file) {}

    bool next(Lexeme& out) {
        if (m_pos >= m_text.size()) return false;
        out.begin = m_pos;
        out.line = m_line;
        out.col = m_col;
        out.kind = scan_one(out.line, out.col);
        out.end = m_pos;
        return true;
    }

    std::string_view text(const Lexeme& l) const { return m_text.substr(l.begin, l.end - l.begin); }

private:
    unsigned char at(std::size_t offset) const {
        std::size_t p = m_pos + offset;
        return p < m_text.size() ? static_cast<unsigned char>(m_text[p]) : 0;
    }
    bool at_end() const { return m_pos >= m_text.size(); }

    void advance(std::size_t n = 1) {
        for (; n > 0 && m_pos < m_text.size(); --n, ++m_pos) {
            auto c = static_cast<unsigned char>(m_text[m_pos]);
            if (c == '\n') {
                ++m_line;
                m_col = 1;
            } else if (!is_utf8_continuation(c)) {
                ++m_col;
            }
        }
    }

    [[noreturn]] void fail(int line, int col, std::string problem, std::string hint = {}) const {
        throw SourceError(m_file, line, col, std::move(problem), std::move(hint));
    }

    LexKind scan_one(int line, int col) {
        unsigned char c = at(0);
        if (is_space(c)) {
            while (!at_end() && is_space(at(0))) advance();
            return LexKind::space;
        }
        if (c == '-' && at(1) == '-') {
            while (!at_end() && at(0) != '\n') advance();
            return LexKind::comment;
        }
        if (c == '/' && at(1) == '*') {
            scan_block_comment(line, col);
            return LexKind::comment;
        }
        if (c == '\'') {
            scan_quoted('\'', false, line, col, "unterminated quoted string");
            return LexKind::string;
        }
        if (c == '"') {
            scan_quoted('"', false, line, col, "unterminated quoted identifier");
            return LexKind::quoted_identifier;
        }
        if (c == '$') return scan_dollar(line, col);
        if (is_ident_start(c)) {
            std::size_t start = m_pos;
            while (!at_end() && is_ident_char(at(0))) advance();
            // E'...' is the one string prefix whose quoting rules differ (backslash escapes).
            if (m_pos - start == 1 && (c == 'e' || c == 'E') && at(0) == '\'') {
                scan_quoted('\'', true, line, col, "unterminated E'' string");
                return LexKind::string;
            }
            return LexKind::word;
        }
        if (is_digit(c) || (c == '.' && is_digit(at(1)))) {
            while (!at_end()) {
                unsigned char d = at(0);
                if ((d == 'e' || d == 'E') && (at(1) == '+' || at(1) == '-')) {
                    advance(2);
                } else if (is_digit(d) || is_ascii_letter(d) || d == '_' || d == '.') {
                    advance();
                } else {
                    break;
                }
            }
            return LexKind::number;
        }
        advance();
        return LexKind::symbol;
    }

    void scan_block_comment(int line, int col) {
        advance(2);
        int depth = 1;
        while (depth > 0) {
            if (at_end()) fail(line, col, "unterminated /* comment", "block comments nest: every /* needs its own */");
            if (at(0) == '/' && at(1) == '*') {
                ++depth;
                advance(2);
            } else if (at(0) == '*' && at(1) == '/') {
                --depth;
                advance(2);
            } else {
                advance();
            }
        }
    }

    // At the opening quote (for E'', at the E: the caller has consumed it).
    void scan_quoted(char quote, bool backslash_escapes, int line, int col, const char* what) {
        advance();  // opening quote
        for (;;) {
            if (at_end()) fail(line, col, what);
            unsigned char c = at(0);
            if (backslash_escapes && c == '\\') {
                if (m_pos + 1 >= m_text.size()) fail(line, col, what);
                advance(2);
            } else if (c == static_cast<unsigned char>(quote)) {
                if (at(1) == static_cast<unsigned char>(quote)) {
                    advance(2);  // doubled quote stands for itself
                } else {
                    advance();
                    return;
                }
            } else {
                advance();
            }
        }
    }

    // Length of the `$tag$` delimiter starting here, if it is one.
    std::optional<std::size_t> dollar_delimiter_length() const {
        std::size_t i = 1;
        if (at(i) != '$') {
            if (!is_ident_start(at(i))) return std::nullopt;
            while (is_dollar_tag_char(at(i))) ++i;
            if (at(i) != '$') return std::nullopt;
        }
        return i + 1;
    }

    LexKind scan_dollar(int line, int col) {
        if (is_digit(at(1))) {
            advance();
            while (!at_end() && is_digit(at(0))) advance();
            return LexKind::parameter;
        }
        auto length = dollar_delimiter_length();
        if (!length) {
            advance();
            return LexKind::symbol;
        }
        std::string_view delimiter = m_text.substr(m_pos, *length);
        std::size_t close = m_text.find(delimiter, m_pos + *length);
        if (close == std::string_view::npos)
            fail(line, col, "unterminated dollar-quoted string " + std::string(delimiter),
                 "close it with the same " + std::string(delimiter));
        advance(close + *length - m_pos);
        return LexKind::string;
    }

    std::string_view m_text;
    std::size_t m_pos = 0;
    int m_line;
    int m_col;
    std::string m_file;
};

// psql's rule for SQL-standard routine bodies (CREATE FUNCTION ... BEGIN ATOMIC ... END): while
// such a body is open, `;` does not end the statement. Only routines are tracked, so the BEGIN
// of a transaction (its own statement) is never mistaken for a body.
class AtomicBodyTracker {
public:
    void on_word(const std::string& lowered, int paren_depth) {
        if (m_leading_count < m_leading.size()) m_leading[m_leading_count++] = lowered;
        if (!is_routine() || paren_depth != 0) return;
        if (lowered == "begin") {
            ++m_depth;
        } else if (lowered == "case") {
            if (m_depth > 0) ++m_depth;  // CASE also closes with END
        } else if (lowered == "end") {
            if (m_depth > 0) --m_depth;
        }
    }
    bool inside_body() const { return m_depth > 0; }

private:
    bool leading_is(std::size_t i, std::string_view word) const { return i < m_leading_count && m_leading[i] == word; }
    bool leading_is_routine_kind(std::size_t i) const {
        return leading_is(i, "function") || leading_is(i, "procedure");
    }
    // CREATE FUNCTION|PROCEDURE or CREATE OR REPLACE FUNCTION|PROCEDURE
    bool is_routine() const {
        return leading_is(0, "create") &&
               (leading_is_routine_kind(1) ||
                (leading_is(1, "or") && leading_is(2, "replace") && leading_is_routine_kind(3)));
    }

    std::array<std::string, 4> m_leading;  // the statement's first words, lowercased
    std::size_t m_leading_count = 0;
    int m_depth = 0;
};

}  // namespace

SourceError::SourceError(std::string file, int line, int col, std::string problem, std::string hint)
    : UsageError(format_source_message(file, line, col, problem), std::move(hint)),
      m_file(std::move(file)),
      m_line(line),
      m_col(col),
      m_problem(std::move(problem)) {}

std::vector<Statement> split_statements(std::string_view sql, int first_line, std::string_view file) {
    std::vector<Statement> out;
    Lexer lexer(sql, first_line, 1, file);

    bool in_statement = false;
    Statement current;
    std::size_t start = 0;
    std::size_t last_end = 0;
    int paren_depth = 0;
    AtomicBodyTracker body;

    auto finish = [&] {
        if (!in_statement) return;
        current.sql = std::string(sql.substr(start, last_end - start));
        out.push_back(std::move(current));
        current = Statement{};
        in_statement = false;
    };

    Lexeme lexeme{};
    while (lexer.next(lexeme)) {
        if (lexeme.kind == LexKind::space || lexeme.kind == LexKind::comment) continue;
        std::string_view text = lexer.text(lexeme);
        bool is_semicolon = lexeme.kind == LexKind::symbol && text == ";";
        if (is_semicolon && paren_depth == 0 && !body.inside_body()) {
            finish();
            continue;
        }
        if (!in_statement) {
            in_statement = true;
            start = lexeme.begin;
            current.line = lexeme.line;
            current.col = lexeme.col;
            paren_depth = 0;
            body = AtomicBodyTracker{};
        }
        if (lexeme.kind == LexKind::symbol) {
            if (text == "(") ++paren_depth;
            if (text == ")" && paren_depth > 0) --paren_depth;
        } else if (lexeme.kind == LexKind::word) {
            body.on_word(ascii_lower(text), paren_depth);
        }
        last_end = lexeme.end;
    }
    finish();
    return out;
}

std::vector<Token> tokenize(std::string_view sql, int first_line, int first_col, std::string_view file) {
    std::vector<Token> out;
    Lexer lexer(sql, first_line, first_col, file);
    Lexeme lexeme{};
    while (lexer.next(lexeme)) {
        std::string_view text = lexer.text(lexeme);
        switch (lexeme.kind) {
            case LexKind::space:
            case LexKind::comment: continue;
            case LexKind::word: out.push_back({TokenKind::word, ascii_lower(text), lexeme.line, lexeme.col}); break;
            case LexKind::quoted_identifier: {
                std::string name;
                std::string_view inner = text.substr(1, text.size() - 2);
                for (std::size_t i = 0; i < inner.size(); ++i) {
                    name.push_back(inner[i]);
                    if (inner[i] == '"') ++i;  // "" stands for one quote
                }
                out.push_back({TokenKind::quoted_identifier, std::move(name), lexeme.line, lexeme.col});
                break;
            }
            case LexKind::string: out.push_back({TokenKind::string, std::string(text), lexeme.line, lexeme.col}); break;
            case LexKind::number: out.push_back({TokenKind::number, std::string(text), lexeme.line, lexeme.col}); break;
            case LexKind::parameter:
                out.push_back({TokenKind::parameter, std::string(text), lexeme.line, lexeme.col});
                break;
            case LexKind::symbol: out.push_back({TokenKind::symbol, std::string(text), lexeme.line, lexeme.col}); break;
        }
    }
    return out;
}

bool is_transaction_control(const std::vector<Token>& t) {
    if (t.empty() || t[0].kind != TokenKind::word) return false;
    const std::string& w = t[0].text;
    if (w == "begin" || w == "commit" || w == "rollback" || w == "end" || w == "abort" || w == "savepoint" ||
        w == "release")
        return true;
    return (w == "start" || w == "prepare") && t.size() > 1 && t[1].kind == TokenKind::word &&
           t[1].text == "transaction";
}

std::size_t invalid_text_offset(std::string_view text) {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c == 0) return i;
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t len = 0;
        unsigned min = 0;
        unsigned cp = 0;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2, min = 0x80, cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3, min = 0x800, cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4, min = 0x10000, cp = c & 0x07;
        } else {
            return i;
        }
        if (i + len > n) return i;
        for (std::size_t k = 1; k < len; ++k) {
            if ((s[i + k] & 0xC0) != 0x80) return i;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
        i += len;
    }
    return std::string_view::npos;
}

SourcePosition position_in_text(std::string_view text, int first_line, int first_col, std::size_t char_position) {
    if (char_position == 0) char_position = 1;
    int line = first_line;
    int col = first_col;
    std::size_t chars_seen = 0;
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        if (!is_utf8_continuation(c)) {
            if (++chars_seen == char_position) return {line, col};
        }
        if (c == '\n') {
            ++line;
            col = 1;
        } else if (!is_utf8_continuation(c)) {
            ++col;
        }
    }
    return {line, col};
}

}  // namespace tenantctl::migrate
