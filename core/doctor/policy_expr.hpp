// Reads a row-level security expression as pg_get_expr prints it and decides whether it
// confines rows to the tenant named by the tenancy setting. Permissive policies are OR'ed, so
// one disjunct that does not compare the tenancy column with the setting admits rows of every
// tenant; the verdict names that disjunct and why it leaks.
#pragma once

#include <string>
#include <string_view>

namespace tenantctl::doctor {

enum class ExprVerdict {
    restricts,       // every row it admits has column = current_setting(setting)
    always_true,     // true for every row (`true`, `1 = 1`, ...)
    unset_admits,    // true for every row when the setting is unset or empty
    other_setting,   // a switch on another setting (`current_setting('app.bypass_rls') = 'on'`)
    other_compare,   // compares the tenancy column with something other than the setting
    not_restricting  // depends on rows but never confines the tenancy column
};

struct ExprAnalysis {
    ExprVerdict verdict = ExprVerdict::restricts;
    std::string culprit;  // the (sub)expression that leaks, as printed by the server
    std::string other;    // other_setting: that setting; other_compare: what it compares with
    bool restricts() const { return verdict == ExprVerdict::restricts; }
};

// `expr` as pg_get_expr prints it; `column` the tenancy column; `setting` the tenancy GUC.
ExprAnalysis analyze_policy_expr(std::string_view expr, std::string_view column, std::string_view setting);

// One line for the operator: why the expression leaks (empty for `restricts`).
std::string explain(const ExprAnalysis& a, std::string_view column, std::string_view setting);

}  // namespace tenantctl::doctor
