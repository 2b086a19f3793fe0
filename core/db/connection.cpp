#include "core/db/connection.hpp"

#include <libpq-fe.h>

#include <fmt/format.h>

#include "core/errors.hpp"

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
    return out;
}

namespace {
std::string first_line(std::string_view s) {
    auto pos = s.find('\n');
    std::string line(s.substr(0, pos));
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
    return line;
}

// A keyword/value connection string equal to `conninfo` (a URI or keyword/value string) with
// application_name set: it then travels in the startup packet instead of costing a round
// trip after connecting, and wins over one the string carries. Unparsable strings are passed
// through unchanged so libpq reports the problem in its own words.
std::string with_application_name(const std::string& conninfo, std::string_view application_name) {
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
        out += fmt::format("{}={} ", o->keyword, quoted(o->val));
    }
    PQconninfoFree(opts);
    return out + "application_name=" + quoted(application_name);
}

}  // namespace

std::unique_ptr<pqxx::connection> connect(const ConnInfo& info, std::string_view application_name) {
    const std::string& conninfo = info.conninfo;
    const std::string app = std::string(application_name).substr(0, 63);
    try {
        return std::make_unique<pqxx::connection>(with_application_name(conninfo, app));
    } catch (const pqxx::broken_connection& e) {
        throw DbUnavailable(fmt::format("cannot connect to the database ({}): {}", describe_target(conninfo),
                                        first_line(e.what())),
                            "check --database / TENANTCTL_DATABASE_URL, or start one with `tenantctl sandbox up`");
    } catch (const pqxx::sql_error& e) {
        // Authentication and "database does not exist" arrive as sql errors on connect.
        throw DbUnavailable(fmt::format("cannot connect to the database ({}): {}", describe_target(conninfo),
                                        first_line(e.what())));
    } catch (const pqxx::failure& e) {
        throw DbUnavailable(fmt::format("cannot connect to the database ({}): {}", describe_target(conninfo),
                                        first_line(e.what())));
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
