#include "core/db/connection.hpp"
#include "core/db/redact.hpp"

#include <libpq-fe.h>
#include <pwd.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <vector>

#include "core/errors.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::db {

std::string describe_target(std::string_view conninfo) {
    char* err = nullptr;
    PQconninfoOption* opts = PQconninfoParse(std::string(conninfo).c_str(), &err);
    if (!opts) {
        if (err) PQfreemem(err);
        return "an unparsable connection string";
    }
    std::string host, port, dbname, user, service;
    for (auto* o = opts; o->keyword; ++o) {
        if (!o->val) continue;
        std::string_view k = o->keyword;
        if (k == "host") host = o->val;
        else if (k == "hostaddr" && host.empty()) host = o->val;
        else if (k == "port") port = o->val;
        else if (k == "dbname") dbname = o->val;
        else if (k == "user") user = o->val;
        else if (k == "service") service = o->val;
    }
    PQconninfoFree(opts);
    // Fill in what libpq would use from the environment, so messages name the real target.
    auto env = [](const char* name) -> std::string {
        const char* v = std::getenv(name);
        return v ? v : "";
    };
    if (host.empty()) host = env("PGHOST");
    if (port.empty()) port = env("PGPORT");
    if (dbname.empty()) dbname = env("PGDATABASE");
    if (user.empty()) user = env("PGUSER");
    std::string out;
    if (!service.empty()) out += fmt::format("service={} ", service);
    out += host.empty() ? "host=(default socket)" : (host.front() == '/' ? "socket dir=" : "host=") + host;
    if (!port.empty()) out += " port=" + port;
    if (!dbname.empty()) out += " dbname=" + dbname;
    if (!user.empty()) out += " user=" + user;
    // A URI whose password holds a '/' parses with the password as the port (libpq splits
    // at the '/'): mask what the string's password candidates match here too.
    return redact_conninfo_secrets(out, conninfo);
}

namespace {

// A keyword/value connection string equal to `conninfo` (a URI or keyword/value string) with
// application_name set: it then travels in the startup packet instead of costing a round
// trip after connecting, and wins over one the string carries. A password typed at the prompt
// goes in the same way (in memory only). Unparsable strings are passed through unchanged so
// libpq reports the problem in its own words.
std::string startup_conninfo(const std::string& conninfo, std::string_view application_name,
                                  const std::optional<std::string>& password) {
    char* err = nullptr;
    PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
    if (!opts) {
        if (err) PQfreemem(err);
        return conninfo;
    }
    auto quoted = [](std::string_view v) {
        std::string out = "'";
        for (char ch : v) {
            if (ch == '\\' || ch == '\'') out.push_back('\\');
            out.push_back(ch);
        }
        return out + "'";
    };
    std::string out;
    for (auto* o = opts; o->keyword; ++o) {
        if (!o->val || std::string_view(o->keyword) == "application_name") continue;
        if (password && std::string_view(o->keyword) == "password") continue;
        out += fmt::format("{}={} ", o->keyword, quoted(o->val));
    }
    PQconninfoFree(opts);
    if (password) out += "password=" + quoted(*password) + " ";
    return out + "application_name=" + quoted(application_name);
}

// The role libpq will log in as: the string's user, else PGUSER, else the OS user.
std::string login_user(const std::string& conninfo) {
    std::string user;
    char* err = nullptr;
    if (PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err)) {
        for (auto* o = opts; o->keyword; ++o)
            if (std::string_view(o->keyword) == "user" && o->val) user = o->val;
        PQconninfoFree(opts);
    } else if (err) {
        PQfreemem(err);
    }
    if (user.empty())
        if (const char* env = std::getenv("PGUSER"); env && *env) user = env;
    if (user.empty())
        if (const passwd* pw = ::getpwuid(::geteuid()); pw && pw->pw_name) user = pw->pw_name;
    return user;
}

// libpq's own words when the server asked for a password and none was supplied
// (PQnoPasswordSupplied): psql prompts exactly then.
bool needs_password(std::string_view message) {
    return message.find(std::string_view(PQnoPasswordSupplied).substr(0, 32)) != std::string_view::npos;
}

std::string percent_decoded(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
            out.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

// Everything in `conninfo` that may be a password, found without relying on it parsing.
std::vector<std::string> password_candidates(std::string_view conninfo) {
    std::vector<std::string> out;
    auto add = [&](std::string v) {
        if (!v.empty()) out.push_back(std::move(v));
    };
    char* err = nullptr;
    if (PQconninfoOption* opts = PQconninfoParse(std::string(conninfo).c_str(), &err)) {
        for (auto* o = opts; o->keyword; ++o)
            if (o->val && std::string_view(o->keyword) == "password") add(o->val);
        PQconninfoFree(opts);
    } else if (err) {
        PQfreemem(err);
    }
    // URI userinfo: scheme://user:password@host...; a password may hold '@', '/' or ':'.
    for (std::string_view scheme : {"postgresql://", "postgres://"}) {
        if (conninfo.substr(0, scheme.size()) != scheme) continue;
        std::string_view rest = conninfo.substr(scheme.size());
        const auto at = rest.rfind('@');
        if (at == std::string_view::npos) break;
        std::string_view userinfo = rest.substr(0, at);
        const auto colon = userinfo.find(':');
        if (colon == std::string_view::npos) break;
        std::string_view password = userinfo.substr(colon + 1);
        add(std::string(password));
        add(percent_decoded(password));
        // The part before a '/' or '?' too: libpq may stop there when the host part is bad.
        const auto cut = password.find_first_of("/?#");
        if (cut != std::string_view::npos) add(std::string(password.substr(0, cut)));
        break;
    }
    // keyword=value strings: password = value | password='quoted value' (also in a URI query).
    for (std::size_t pos = 0; (pos = conninfo.find("password", pos)) != std::string_view::npos; pos += 8) {
        std::size_t i = pos + 8;
        while (i < conninfo.size() && conninfo[i] == ' ') ++i;
        if (i >= conninfo.size() || conninfo[i] != '=') continue;
        ++i;
        while (i < conninfo.size() && conninfo[i] == ' ') ++i;
        std::string value;
        if (i < conninfo.size() && conninfo[i] == '\'') {
            for (++i; i < conninfo.size() && conninfo[i] != '\''; ++i) {
                if (conninfo[i] == '\\' && i + 1 < conninfo.size()) ++i;
                value.push_back(conninfo[i]);
            }
        } else {
            while (i < conninfo.size() && conninfo[i] != ' ' && conninfo[i] != '&') value.push_back(conninfo[i++]);
            add(percent_decoded(value));
        }
        add(value);
    }
    // Longest first, so a candidate that contains another is masked whole.
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    return out;
}

}  // namespace

std::string redact_conninfo_secrets(std::string_view text, std::string_view conninfo) {
    // Every occurrence of every candidate is found in the text as given and masked in one pass.
    // (Masking candidate by candidate searched the masks already written: a candidate made of
    // '*' matched them, every pass could double the text, and a 371-byte string took 90 s,
    // found by the conninfo fuzzer.)
    std::vector<bool> secret_at(text.size(), false);
    for (const auto& secret : password_candidates(conninfo))
        for (std::size_t pos = 0; (pos = text.find(secret, pos)) != std::string_view::npos; ++pos)
            std::fill(secret_at.begin() + static_cast<std::ptrdiff_t>(pos),
                      secret_at.begin() + static_cast<std::ptrdiff_t>(pos + secret.size()), true);
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (!secret_at[i]) {
            out.push_back(text[i]);
        } else if (i == 0 || !secret_at[i - 1]) {
            out += "****";  // one mask per masked stretch
        }
    }
    char* err = nullptr;
    PQconninfoOption* opts = PQconninfoParse(std::string(conninfo).c_str(), &err);
    if (opts) {
        PQconninfoFree(opts);
        return out;
    }
    if (err) PQfreemem(err);
    // An unparsable string: libpq quotes the token it choked on, which may be any part of the
    // string (a password it could not recognise as one). Keep only quoted punctuation.
    std::string masked;
    std::size_t i = 0;
    while (i < out.size()) {
        const auto open = out.find('"', i);
        if (open == std::string::npos) break;
        const auto close = out.find('"', open + 1);
        if (close == std::string::npos) break;
        const std::string quoted = out.substr(open + 1, close - open - 1);
        const bool punctuation = quoted.size() == 1 && !std::isalnum(static_cast<unsigned char>(quoted[0]));
        masked += out.substr(i, open - i + 1) + (punctuation ? quoted : std::string("****")) + "\"";
        i = close + 1;
    }
    return masked + out.substr(i);
}

std::optional<std::string> PasswordPrompt::typed() const {
    std::lock_guard<std::mutex> guard(m_mutex);
    return m_typed;
}

std::optional<std::string> PasswordPrompt::ask_once(const std::string& user) {
    std::lock_guard<std::mutex> guard(m_mutex);
    if (!m_asked) {
        m_asked = true;
        m_typed = m_ask(user);
    }
    return m_typed;
}

namespace {

// The session settings every connection of tenantctl's gets, in one round trip:
// - JIT off. It pays for long analytical queries, which tenantctl does not run; what it runs
//   are catalog queries and tenant-scoped reads whose estimated costs can still pass
//   jit_above_cost (pg_partition_tree() is estimated at 1,000 rows a call). Measured: the
//   foreign-key catalog query of a copy, on a model of 10 tables, ran 9 ms and was compiled
//   for 680 ms, twice inside `tenant move --online`'s pause.
// - On a Citus coordinator, a transaction that has read or written several shards in
//   parallel cannot then modify a reference table ("cannot modify table "tenants" because
//   there was a parallel operation on a distributed table"), and tenantctl's transactions do
//   exactly that (check the tenant's keys, then update its row). Sequential mode makes them
//   valid; single-tenant work is routed to one shard anyway. Not set without Citus.
std::unique_ptr<pqxx::connection> prepared_session(std::unique_ptr<pqxx::connection> c) {
    pqxx::nontransaction tx(*c);
    tx.exec("SELECT set_config('jit', 'off', false), (SELECT set_config('citus.multi_shard_modify_mode', "
            "'sequential', false) FROM pg_catalog.pg_extension WHERE extname = 'citus')");
    return c;
}

}  // namespace

std::unique_ptr<pqxx::connection> connect(const ConnInfo& info, std::string_view application_name) {
    const std::string& conninfo = info.conninfo;
    const std::string app = std::string(application_name).substr(0, 63);
    std::optional<std::string> password = info.password ? info.password->typed() : std::nullopt;
    try {
        try {
            return prepared_session(std::make_unique<pqxx::connection>(startup_conninfo(conninfo, app, password)));
        } catch (const pqxx::broken_connection& e) {
            if (password || !info.password || !needs_password(e.what())) throw;
            password = info.password->ask_once(login_user(conninfo));
            if (!password) throw;
            return prepared_session(std::make_unique<pqxx::connection>(startup_conninfo(conninfo, app, password)));
        }
    } catch (const pqxx::broken_connection& e) {
        if (needs_password(e.what()))
            throw DbUnavailable(fmt::format("cannot connect to the database ({}): the server asks for a password and "
                                            "none was given",
                                            describe_target(conninfo)),
                                "give it in PGPASSWORD or ~/.pgpass (cron, CI), or run on a terminal to be asked");
        throw DbUnavailable(fmt::format("cannot connect to the database ({}): {}", describe_target(conninfo),
                                        redact_conninfo_secrets(util::first_line(e.what()), conninfo)),
                            "check --database / TENANTCTL_DATABASE_URL, or start one with `tenantctl sandbox up`");
    } catch (const pqxx::sql_error& e) {
        // Authentication and "database does not exist" arrive as sql errors on connect.
        throw DbUnavailable(fmt::format("cannot connect to the database ({}): {}", describe_target(conninfo),
                                        redact_conninfo_secrets(util::first_line(e.what()), conninfo)));
    } catch (const pqxx::failure& e) {
        throw DbUnavailable(fmt::format("cannot connect to the database ({}): {}", describe_target(conninfo),
                                        redact_conninfo_secrets(util::first_line(e.what()), conninfo)));
    }
}

void check_server_version(pqxx::connection& c) { check_server_version_num(c.server_version()); }

void check_server_version_num(int v) {
    if (v < kMinServerVersion)
        throw Refused(fmt::format("PostgreSQL {}.{} is not supported: tenantctl needs PostgreSQL 14 or newer", v / 10000,
                                  v % 10000),
                      "upgrade the server, or point --database at a supported one");
}

std::string quote_ident(std::string_view ident) {
    std::string out = "\"";
    for (char ch : ident) {
        if (ch == '"') out.push_back('"');
        out.push_back(ch);
    }
    out.push_back('"');
    return out;
}

std::string quote_qualified(std::string_view schema, std::string_view name) {
    return quote_ident(schema) + "." + quote_ident(name);
}

std::string text_array(const std::vector<std::string>& values) {
    std::string out = "{";
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (i) out += ',';
        out += '"';
        for (char c : values[i]) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
        }
        out += '"';
    }
    return out + "}";
}

void set_tenant_local(pqxx::transaction_base& tx, std::string_view setting, std::string_view tenant_id) {
    tx.exec_params("SELECT set_config($1, $2, true)", std::string(setting), std::string(tenant_id));
}

}  // namespace tenantctl::db
