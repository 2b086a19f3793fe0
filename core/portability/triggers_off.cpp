#include "core/portability/triggers_off.hpp"

#include <fmt/format.h>

#include "core/db/connection.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::portability {

UserTriggersOff::UserTriggersOff(pqxx::transaction_base& tx, const std::vector<std::string>& tables) : m_tx(tx) {
    if (tables.empty()) return;
    std::vector<std::string> oids;
    for (const auto& t : tables) oids.push_back(tx.quote(t) + "::regclass");
    for (const auto& r : tx.exec(fmt::format("SELECT t.tgrelid::regclass::text, t.tgname, t.tgenabled "
                                             "FROM pg_trigger t JOIN pg_proc f ON f.oid = t.tgfoid "
                                             "WHERE t.tgrelid IN ({}) AND NOT t.tgisinternal AND t.tgenabled <> 'D' "
                                             "AND f.proname NOT LIKE 'citus\\_%' AND f.proname NOT LIKE "
                                             "'tenantctl\\_move\\_%' ORDER BY 1, 2",
                                             util::join(oids, ", "))))
        m_off.push_back({r[0].c_str(), r[1].c_str(), r[2].c_str()[0]});
    for (const auto& t : m_off) m_tx.exec(fmt::format("ALTER TABLE {} DISABLE TRIGGER {}", t.table, db::quote_ident(t.name)));
}

int UserTriggersOff::restore() {
    for (const auto& t : m_off)
        m_tx.exec(fmt::format("ALTER TABLE {} ENABLE {}TRIGGER {}", t.table,
                              t.enabled == 'R' ? "REPLICA " : t.enabled == 'A' ? "ALWAYS " : "", db::quote_ident(t.name)));
    return static_cast<int>(m_off.size());
}

}  // namespace tenantctl::portability
