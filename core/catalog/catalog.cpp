#include "core/catalog/catalog.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/db/connection.hpp"
#include "core/errors.hpp"

namespace tenantctl::catalog {

std::string TableName::quoted() const { return db::quote_qualified(schema, name); }
std::string TableName::display() const { return schema + "." + name; }

DeleteOrder delete_order(const std::vector<TableName>& tables, const std::vector<ForeignKey>& fks) {
    std::set<TableName> in_set(tables.begin(), tables.end());
    // Edges child -> parent among the tables; a parent may be deleted only when no
    // remaining child references it.
    std::vector<const ForeignKey*> live;
    DeleteOrder order;
    for (const auto& fk : fks) {
        if (!in_set.count(fk.child) || !in_set.count(fk.parent)) continue;
        if (fk.child == fk.parent) {
            // A self-reference: rows of one table deleted in batches may hit it.
            if (fk.deferrable || fk.child_columns_nullable) order.broken.push_back(fk);
            else if (fk.on_delete != 'c' &&
                     std::find(order.single_statement.begin(), order.single_statement.end(), fk.child) ==
                         order.single_statement.end())
                order.single_statement.push_back(fk.child);
            continue;
        }
        live.push_back(&fk);
    }
    std::set<TableName> remaining(in_set);
    while (!remaining.empty()) {
        std::vector<TableName> ready;
        for (const auto& t : tables) {
            if (!remaining.count(t)) continue;
            bool referenced = std::any_of(live.begin(), live.end(), [&](const ForeignKey* fk) {
                return fk->parent == t && remaining.count(fk->child);
            });
            if (!referenced) ready.push_back(t);
        }
        if (!ready.empty()) {
            for (const auto& t : ready) {
                order.tables.push_back(t);
                remaining.erase(t);
            }
            continue;
        }
        // Every remaining table is referenced: a cycle. Break it at the cheapest edge.
        const ForeignKey* pick = nullptr;
        for (const auto* fk : live)
            if (remaining.count(fk->child) && remaining.count(fk->parent) && fk->deferrable) pick = pick ? pick : fk;
        if (!pick)
            for (const auto* fk : live)
                if (remaining.count(fk->child) && remaining.count(fk->parent) && fk->child_columns_nullable)
                    pick = pick ? pick : fk;
        if (!pick) {
            std::string names;
            for (const auto& t : remaining) names += (names.empty() ? "" : ", ") + t.display();
            throw Refused(fmt::format("foreign keys form a cycle that cannot be broken (no deferrable constraint, no "
                                      "nullable column): {}",
                                      names),
                          "make one of the constraints DEFERRABLE");
        }
        order.broken.push_back(*pick);
        live.erase(std::find(live.begin(), live.end(), pick));
    }
    return order;
}

}  // namespace tenantctl::catalog
