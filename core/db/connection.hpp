// Opening connections, translating libpq/libpqxx failures into tenantctl errors, and the
// small SQL helpers every feature uses (identifier quoting, platform table names, tenancy).
#pragma once

#include <pqxx/pqxx>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tenantctl::db {

// A password typed at a terminal when the server asked for one and nothing else (the string,
// PGPASSWORD, .pgpass) supplied it, as psql does. Asked once per process; every connection of
// the run (work, locks, workers) shares it through the ConnInfo's copies. Never printed, never
// written anywhere.
class PasswordPrompt {
public:
    // `ask(user)` reads it without echo, or returns nullopt when it cannot ask.
    explicit PasswordPrompt(std::function<std::optional<std::string>(const std::string& user)> ask)
        : m_ask(std::move(ask)) {}
    std::optional<std::string> typed() const;
    // The password typed earlier, else asks now (one thread asks; the others wait and share it).
    std::optional<std::string> ask_once(const std::string& user);

private:
    std::function<std::optional<std::string>(const std::string&)> m_ask;
    mutable std::mutex m_mutex;
    std::optional<std::string> m_typed;
    bool m_asked = false;
};

// Where a connection string came from, for messages ("from --database", "from sandbox").
struct ConnInfo {
    ConnInfo() = default;
    ConnInfo(std::string conninfo_, std::string source_, std::shared_ptr<PasswordPrompt> password_ = nullptr)
        : conninfo(std::move(conninfo_)), source(std::move(source_)), password(std::move(password_)) {}

    std::string conninfo;  // handed to libpq untouched; may contain a password: never print it
    std::string source;    // human description of where it came from
    std::shared_ptr<PasswordPrompt> password;  // null: never ask (no terminal)
};

// A printable description of a connection target: host/socket, port, database, user.
// Built with PQconninfoParse, so passwords in the string never appear.
std::string describe_target(std::string_view conninfo);

// Opens a connection, tagging it with application_name so lock holders can be named.
// Failure throws DbUnavailable naming the target (never the password).
std::unique_ptr<pqxx::connection> connect(const ConnInfo& info, std::string_view application_name);

// Minimum supported server version (server_version_num).
inline constexpr int kMinServerVersion = 140000;
// Throws Refused when the server is older than we support.
void check_server_version(pqxx::connection& c);
void check_server_version_num(int server_version_num);

// Identifier quoting without a connection (same rules as quote_ident()).
std::string quote_ident(std::string_view ident);
// "schema"."name"
std::string quote_qualified(std::string_view schema, std::string_view name);

// A PostgreSQL array literal of text values ({"a","b\"c"}), sent as one parameter ($1::text[]).
std::string text_array(const std::vector<std::string>& values);

// Sets the tenancy setting (e.g. app.tenant_id) for the current transaction only, so RLS
// policies see the tenant: set_config(setting, value, is_local => true).
void set_tenant_local(pqxx::transaction_base& tx, std::string_view setting, std::string_view tenant_id);

}  // namespace tenantctl::db
