// What commands return instead of printing (kubectl's printers, DESIGN section 10).
//
// A result is either a table (columns + rows of JSON values) or one structured document
// (`tenant show`, run summaries). Large results are not returned but written row by row to a
// RecordSink, which the CLI backs with the renderer for `-o`, so memory stays flat.
#pragma once

#include <nlohmann/json.hpp>

#include "core/errors.hpp"

#include <optional>
#include <string>
#include <vector>

namespace tenantctl {

using json = nlohmann::ordered_json;

struct Records {
    std::vector<std::string> columns;
    std::vector<std::vector<json>> rows;  // each row has columns.size() values
    std::optional<json> document;         // set instead of rows for a single structured result
    // Verbatim text printed instead of a rendering: in every format when `text_in_all_formats`
    // (completion scripts, `sandbox env`), else only for `-o table` (`sandbox up` prints just
    // the connection string for shell use; -o json still gets the document).
    std::optional<std::string> text;
    bool text_in_all_formats = false;
    // A result can carry a non-zero outcome (doctor found problems: 3; some values did not
    // decrypt: 8; a fan-out partly failed: 9). The data is still printed; `failure` is printed
    // as the error line on stderr.
    Exit exit = Exit::ok;
    std::string failure;

    static Records table(std::vector<std::string> columns) {
        Records r;
        r.columns = std::move(columns);
        return r;
    }
    static Records doc(json d) {
        Records r;
        r.document = std::move(d);
        return r;
    }
    static Records raw(std::string text) {
        Records r;
        r.text = std::move(text);
        r.text_in_all_formats = true;
        return r;
    }

    Records& add(std::vector<json> row) {
        rows.push_back(std::move(row));
        return *this;
    }
    bool is_document() const { return document.has_value(); }
};

// Streaming target for results too large to hold. begin() once, row() many, end() once.
class RecordSink {
public:
    virtual ~RecordSink() = default;
    virtual void begin(const std::vector<std::string>& columns) = 0;
    virtual void row(const std::vector<json>& values) = 0;
    virtual void end() = 0;
    virtual void document(const json& doc) = 0;  // a whole structured result at once
    // Push the rows written so far to the reader now (follow modes such as `audit tail -f`);
    // the table renderer stops buffering for column widths.
    virtual void flush() {}
};

// Feeds a finished Records into a sink.
inline void emit(const Records& r, RecordSink& sink) {
    if (r.document) {
        sink.document(*r.document);
        return;
    }
    sink.begin(r.columns);
    for (const auto& row : r.rows) sink.row(row);
    sink.end();
}

// Collects streamed rows in memory: for tests, and for callers that need the rows back.
class CollectingSink : public RecordSink {
public:
    Records result;
    void begin(const std::vector<std::string>& columns) override { result.columns = columns; }
    void row(const std::vector<json>& values) override { result.rows.push_back(values); }
    void end() override {}
    void document(const json& doc) override { result.document = doc; }
};

// Discards everything: `-q` with the table output (the report is for a person who asked for
// silence), and a Context nobody gave a sink.
class DiscardingSink : public RecordSink {
public:
    void begin(const std::vector<std::string>&) override {}
    void row(const std::vector<json>&) override {}
    void end() override {}
    void document(const json&) override {}
};

}  // namespace tenantctl
