#include "core/gdpr/subject.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/db/connection.hpp"
#include "core/db/errors.hpp"
#include "core/errors.hpp"
#include "core/util/strings.hpp"

namespace tenantctl::gdpr {

Subject resolve_subject(pqxx::transaction_base& tx, const DataMap& map, const std::vector<std::string>& lookup,
                        const std::string& tenancy_value, const Selector& selector) {
    const auto& table = map.subject_table();
    std::string column = selector.column == "id" ? map.subject_key() : selector.column;
    if (std::find(table.columns.begin(), table.columns.end(), column) == table.columns.end()) {
        std::string hint;
        if (auto near = util::did_you_mean(column, table.columns)) hint = fmt::format("did you mean '{}'?", *near);
        throw UsageError(fmt::format("--subject: {} has no column {}", table.name.display(), util::in_quotes(column)),
                         hint);
    }
    std::vector<std::string> wanted{map.subject_key()};
    for (const auto& l : lookup)
        if (l != map.subject_key()) wanted.push_back(l);
    std::vector<std::string> cols;
    for (const auto& w : wanted) cols.push_back("t." + db::quote_ident(w) + "::text");
    // The value is compared in the column's own type, so an index on it is used.
    std::string sql = fmt::format("SELECT {} FROM {} t WHERE {} AND t.{} = $2 ORDER BY 1 LIMIT 21",
                                  util::join(cols, ", "), table.name.quoted(),
                                  map.model->tenant_predicate(*table.relation, "t", 1), db::quote_ident(column));
    pqxx::result rows;
    // A value the column's type rejects aborts the caller's transaction, which is discarded
    // anyway as the error propagates.
    try {
        rows = tx.exec_params(sql, tenancy_value, selector.value);
    } catch (const pqxx::data_exception&) {
        throw UsageError(fmt::format("--subject: the value is not valid for column {}", util::in_quotes(column)));
    } catch (const pqxx::sql_error& e) {
        if (std::string(e.sqlstate()).rfind("22", 0) == 0)
            throw UsageError(fmt::format("--subject: the value is not valid for column {}", util::in_quotes(column)));
        throw;
    }
    if (rows.empty())
        throw NotFound(fmt::format("no data subject matches the selector in {}", table.name.display()),
                       "check the value; selectors compare exactly (case-sensitive)");
    if (rows.size() > 1) {
        Refused err(fmt::format("the selector matches {}{} subjects: use a unique column such as id:",
                                rows.size() > 20 ? "more than " : "", std::min<std::size_t>(rows.size(), 20)));
        for (std::size_t i = 0; i < rows.size() && i < 20; ++i)
            err.with_detail(fmt::format("{}:{}", map.subject_key(), rows[i][0].c_str()));
        throw err;
    }
    Subject s;
    s.key = rows[0][0].as<std::string>();
    for (const auto& f : rows[0])
        if (!f.is_null() && std::find(s.identifiers.begin(), s.identifiers.end(), f.c_str()) == s.identifiers.end())
            s.identifiers.push_back(f.c_str());
    return s;
}

}  // namespace tenantctl::gdpr
