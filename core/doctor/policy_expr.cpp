#include "core/doctor/policy_expr.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>
#include <vector>

namespace tenantctl::doctor {

namespace {

enum class Tok { ident, quoted_ident, string, number, lparen, rparen, comma, cast, dot, op, other };

struct Token {
    Tok kind;
    std::string text;  // identifiers lower-cased (pg_get_expr prints unquoted ones lower-case), strings unescaped
    std::size_t begin, end;
};

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$'; }

std::vector<Token> tokenize(std::string_view s) {
    std::vector<Token> out;
    std::size_t i = 0;
    const std::string ops = "+-*/<>=~!@#%^&|`?";
    while (i < s.size()) {
        char c = s[i];
        if (std::isspace(static_cast<unsigned char>(c))) {
            ++i;
            continue;
        }
        std::size_t b = i;
        if (c == '\'' || ((c == 'E' || c == 'e') && i + 1 < s.size() && s[i + 1] == '\'')) {
            if (c != '\'') ++i;
            ++i;
            std::string v;
            while (i < s.size()) {
                if (s[i] == '\'' && i + 1 < s.size() && s[i + 1] == '\'') {
                    v += '\'';
                    i += 2;
                } else if (s[i] == '\'') {
                    ++i;
                    break;
                } else {
                    v += s[i++];
                }
            }
            out.push_back({Tok::string, v, b, i});
        } else if (c == '"') {
            ++i;
            std::string v;
            while (i < s.size()) {
                if (s[i] == '"' && i + 1 < s.size() && s[i + 1] == '"') {
                    v += '"';
                    i += 2;
                } else if (s[i] == '"') {
                    ++i;
                    break;
                } else {
                    v += s[i++];
                }
            }
            out.push_back({Tok::quoted_ident, v, b, i});
        } else if (ident_start(c)) {
            while (i < s.size() && ident_char(s[i])) ++i;
            std::string v(s.substr(b, i - b));
            std::transform(v.begin(), v.end(), v.begin(), [](unsigned char ch) { return std::tolower(ch); });
            out.push_back({Tok::ident, v, b, i});
        } else if (std::isdigit(static_cast<unsigned char>(c))) {
            while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
            out.push_back({Tok::number, std::string(s.substr(b, i - b)), b, i});
        } else if (c == '(') {
            out.push_back({Tok::lparen, "(", b, ++i});
        } else if (c == ')') {
            out.push_back({Tok::rparen, ")", b, ++i});
        } else if (c == ',') {
            out.push_back({Tok::comma, ",", b, ++i});
        } else if (c == ':' && i + 1 < s.size() && s[i + 1] == ':') {
            i += 2;
            out.push_back({Tok::cast, "::", b, i});
        } else if (c == '.') {
            out.push_back({Tok::dot, ".", b, ++i});
        } else if (ops.find(c) != std::string::npos) {
            while (i < s.size() && ops.find(s[i]) != std::string::npos) ++i;
            out.push_back({Tok::op, std::string(s.substr(b, i - b)), b, i});
        } else {
            out.push_back({Tok::other, std::string(1, c), b, ++i});
        }
    }
    return out;
}

using Span = std::pair<std::size_t, std::size_t>;  // token index range [first, last)

class Analyzer {
public:
    Analyzer(std::string_view src, std::string_view column, std::string_view setting)
        : m_src(src), m_toks(tokenize(src)), m_column(column), m_setting(setting) {}

    ExprAnalysis run() {
        if (m_toks.empty()) return {ExprVerdict::always_true, "", ""};
        return node({0, m_toks.size()});
    }

private:
    std::string_view m_src;
    std::vector<Token> m_toks;
    std::string m_column, m_setting;

    std::string text(Span s) const {
        if (s.first >= s.second) return "";
        return std::string(m_src.substr(m_toks[s.first].begin, m_toks[s.second - 1].end - m_toks[s.first].begin));
    }
    bool is_kw(std::size_t i, std::string_view kw) const {
        return i < m_toks.size() && m_toks[i].kind == Tok::ident && m_toks[i].text == kw;
    }

    // Index of the parenthesis closing the one at `open`, or npos.
    std::size_t closing(std::size_t open, std::size_t end) const {
        int depth = 0;
        for (std::size_t i = open; i < end; ++i) {
            if (m_toks[i].kind == Tok::lparen) ++depth;
            if (m_toks[i].kind == Tok::rparen && --depth == 0) return i;
        }
        return std::string::npos;
    }

    Span strip(Span s) const {
        while (s.second - s.first >= 2 && m_toks[s.first].kind == Tok::lparen &&
               closing(s.first, s.second) == s.second - 1)
            s = {s.first + 1, s.second - 1};
        return s;
    }

    // Splits at top-level occurrences of the keyword (outside parentheses and CASE ... END).
    std::vector<Span> split(Span s, std::string_view kw) const {
        std::vector<Span> parts;
        int depth = 0;
        std::size_t start = s.first;
        for (std::size_t i = s.first; i < s.second; ++i) {
            const auto& t = m_toks[i];
            if (t.kind == Tok::lparen || is_kw(i, "case")) ++depth;
            else if (t.kind == Tok::rparen || is_kw(i, "end")) --depth;
            else if (depth == 0 && is_kw(i, kw)) {
                parts.push_back({start, i});
                start = i + 1;
            }
        }
        parts.push_back({start, s.second});
        return parts;
    }

    ExprAnalysis node(Span s) {
        s = strip(s);
        auto ors = split(s, "or");
        if (ors.size() > 1) {
            for (auto& p : ors) {
                auto a = node(p);
                if (!a.restricts()) return a;
            }
            return {};
        }
        auto ands = split(s, "and");
        if (ands.size() > 1) {
            std::optional<ExprAnalysis> first_failure;
            for (auto& p : ands) {
                auto a = node(p);
                if (a.restricts()) return a;
                if (!first_failure) first_failure = a;
            }
            // No conjunct confines the tenant: report the whole conjunction.
            first_failure->culprit = text(s);
            return *first_failure;
        }
        return leaf(s);
    }

    struct SideInfo {
        bool columns = false;             // refers to a column (or anything row-dependent)
        bool tenancy_column = false;      // the tenancy column itself
        std::set<std::string> settings;   // current_setting('x') names read
        std::vector<std::string> unknown_functions;
        bool subquery = false;
    };

    bool is_current_setting(std::size_t i, std::size_t end, std::string* name) const {
        if (!is_kw(i, "current_setting") || i + 2 >= end || m_toks[i + 1].kind != Tok::lparen) return false;
        if (m_toks[i + 2].kind != Tok::string) return false;
        *name = m_toks[i + 2].text;
        return true;
    }

    SideInfo inspect(Span s) const {
        static const std::set<std::string> known_functions = {
            "current_setting", "nullif", "coalesce", "btrim", "trim", "lower", "upper", "text", "uuid",
            "int4", "int8", "int2", "numeric", "varchar", "bpchar"};
        static const std::set<std::string> constants = {"true", "false", "null", "is", "not", "distinct", "from"};
        SideInfo info;
        for (std::size_t i = s.first; i < s.second; ++i) {
            const auto& t = m_toks[i];
            if (t.kind == Tok::cast) {
                // Skip the type name: possibly several words (character varying) and a typmod.
                std::size_t j = i + 1;
                while (j < s.second && (m_toks[j].kind == Tok::ident || m_toks[j].kind == Tok::quoted_ident ||
                                        m_toks[j].kind == Tok::dot))
                    ++j;
                if (j < s.second && m_toks[j].kind == Tok::lparen && j > i + 1) {
                    auto c = closing(j, s.second);
                    if (c != std::string::npos) j = c + 1;
                }
                while (j + 1 < s.second && m_toks[j].kind == Tok::other && m_toks[j].text == "[") j += 2;
                i = j - 1;
                continue;
            }
            if (t.kind != Tok::ident && t.kind != Tok::quoted_ident) continue;
            bool call = i + 1 < s.second && m_toks[i + 1].kind == Tok::lparen;
            if (call) {
                std::string name;
                if (is_current_setting(i, s.second, &name)) {
                    info.settings.insert(name);
                    i += 2;
                    continue;
                }
                if (!known_functions.count(t.text)) info.unknown_functions.push_back(t.text);
                continue;
            }
            if (t.kind == Tok::ident && (t.text == "select" || t.text == "exists")) {
                info.subquery = true;
                continue;
            }
            if (t.kind == Tok::ident && constants.count(t.text)) continue;
            if (t.kind == Tok::ident && (t.text == "case" || t.text == "when" || t.text == "then" ||
                                         t.text == "else" || t.text == "end" || t.text == "any" || t.text == "all"))
                continue;
            // A bare name: a column, possibly qualified (t.tenant_id).
            info.columns = true;
            bool qualified_next = i + 2 < s.second && m_toks[i + 1].kind == Tok::dot;
            if (qualified_next) continue;
            if (t.text == m_column) info.tenancy_column = true;
        }
        return info;
    }

    // The side is exactly the tenancy column, possibly parenthesised and cast.
    bool is_column(Span s) const {
        s = strip(s);
        std::size_t end = s.second;
        for (std::size_t i = s.first; i < s.second; ++i)
            if (m_toks[i].kind == Tok::cast) {
                end = i;
                break;
            }
        Span core = strip({s.first, end});
        if (core.second - core.first == 3 && m_toks[core.first + 1].kind == Tok::dot) core.first += 2;
        return core.second - core.first == 1 &&
               (m_toks[core.first].kind == Tok::ident || m_toks[core.first].kind == Tok::quoted_ident) &&
               m_toks[core.first].text == m_column;
    }

    ExprAnalysis leaf(Span s) {
        // Find a top-level equality (=, IS NOT DISTINCT FROM).
        int depth = 0;
        std::size_t eq = std::string::npos, eq_len = 0;
        for (std::size_t i = s.first; i < s.second; ++i) {
            const auto& t = m_toks[i];
            if (t.kind == Tok::lparen || is_kw(i, "case")) ++depth;
            else if (t.kind == Tok::rparen || is_kw(i, "end")) --depth;
            else if (depth == 0 && t.kind == Tok::op && t.text == "=" && eq == std::string::npos) {
                eq = i;
                eq_len = 1;
            } else if (depth == 0 && is_kw(i, "is") && is_kw(i + 1, "not") && is_kw(i + 2, "distinct") &&
                       is_kw(i + 3, "from") && eq == std::string::npos) {
                eq = i;
                eq_len = 4;
            }
        }
        auto whole = inspect(s);
        if (eq != std::string::npos) {
            Span lhs{s.first, eq}, rhs{eq + eq_len, s.second};
            bool any = is_kw(rhs.first, "any") || is_kw(rhs.first, "all");
            for (int side = 0; side < 2; ++side) {
                Span col = side == 0 ? lhs : rhs, other = side == 0 ? rhs : lhs;
                if (!is_column(col)) continue;
                auto info = inspect(other);
                if (!any && !info.columns && !info.subquery && info.unknown_functions.empty()) {
                    if (info.settings.count(m_setting)) return {};
                    if (!info.settings.empty())
                        return {ExprVerdict::other_compare, text(s), "current_setting('" + *info.settings.begin() + "')"};
                    return {ExprVerdict::other_compare, text(s), text(other)};
                }
                return {ExprVerdict::other_compare, text(s), text(other)};
            }
        }
        if (!whole.columns && !whole.subquery) {
            if (whole.settings.count(m_setting)) return {ExprVerdict::unset_admits, text(s), ""};
            if (!whole.settings.empty()) return {ExprVerdict::other_setting, text(s), *whole.settings.begin()};
            if (s.second - s.first == 1 && is_kw(s.first, "false")) return {};  // admits nothing
            if (whole.unknown_functions.empty()) return {ExprVerdict::always_true, text(s), ""};
        }
        if (whole.tenancy_column) return {ExprVerdict::other_compare, text(s), ""};
        return {ExprVerdict::not_restricting, text(s), ""};
    }
};

}  // namespace

ExprAnalysis analyze_policy_expr(std::string_view expr, std::string_view column, std::string_view setting) {
    return Analyzer(expr, column, setting).run();
}

std::string explain(const ExprAnalysis& a, std::string_view column, std::string_view setting) {
    switch (a.verdict) {
        case ExprVerdict::restricts:
            return "";
        case ExprVerdict::always_true:
            return fmt::format("`{}` is true for every row, so every tenant's rows pass", a.culprit);
        case ExprVerdict::unset_admits:
            return fmt::format("`{}` admits every row when '{}' is unset or empty: one forgotten SET reads all tenants",
                               a.culprit, setting);
        case ExprVerdict::other_setting:
            return fmt::format("`{}` admits every row to any session that sets '{}'", a.culprit, a.other);
        case ExprVerdict::other_compare:
            if (a.other.empty())
                return fmt::format("`{}` does not compare {} with current_setting('{}')", a.culprit, column, setting);
            return fmt::format("`{}` compares {} with {}, not with current_setting('{}')", a.culprit, column,
                               a.other, setting);
        case ExprVerdict::not_restricting:
            return fmt::format("`{}` does not confine {} to current_setting('{}')", a.culprit, column, setting);
    }
    return "";
}

}  // namespace tenantctl::doctor
