// Output renderers for `-o table|wide|json|ndjson|yaml|csv|name` (DESIGN sections 1.4 and 10),
// and the sinks that shape a result on its way to them (--sort-by, --jq, the table's columns).
//
// Commands never print: they return Records or stream rows into a RecordSink. The CLI backs
// that sink with the renderer made here, so every format is one RecordSink implementation in
// its own cli/render_<format>.cpp. Renderers stream: a table result may be millions of rows, so
// none of them keeps more than a bounded number of rows (the table renderer buffers the first
// 500 to size its columns; every other format keeps none). Each renderer flushes its stream in
// end() and in document().
#pragma once

#include "core/records.hpp"

#include <cstddef>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tenantctl::cli {

enum class Format { table, wide, json, ndjson, yaml, csv, name };

// "table" -> Format::table, ...; anything else is a UsageError naming the allowed formats.
// Names are matched exactly (lower case), as kubectl does.
Format parse_format(std::string_view name);
std::string_view format_name(Format format);
// Every accepted name, in the order shown in --help (for CLI11's IsMember and completion).
const std::vector<std::string>& format_names();

struct RenderOptions {
    bool color = false;   // the caller sets it only for a TTY without NO_COLOR / --no-color
    bool tty = false;     // stdout is a terminal: the table renderer truncates long cells
    bool headers = true;  // table and csv: print the header row
    // Table: timestamps to the second (`-o table`) or as the command gave them (`-o wide`).
    bool full_precision = false;
};

std::unique_ptr<RecordSink> make_renderer(Format format, std::ostream& out, RenderOptions options = {});

// Sinks that change a result before the renderer sees it. Each forwards to `next`.
// Shows only `columns` (those the result has, in its order); a result with none of them is
// shown whole.
std::unique_ptr<RecordSink> select_columns(std::unique_ptr<RecordSink> next, std::vector<std::string> columns);
// Holds the rows and passes them on sorted by `column` (stable; numbers by value, strings
// bytewise, which orders RFC 3339 timestamps; null last). An unknown column is a UsageError.
std::unique_ptr<RecordSink> sort_rows(std::unique_ptr<RecordSink> next, std::string column);
// Runs the jq program `program` on the JSON that -o json prints (per_row: on each row object,
// as -o ndjson prints it, streaming) and writes each output on its own line, strings raw.
// libjq is loaded on first use, so commands without --jq never pay for it. A program that
// does not compile is a UsageError; so is one that fails on the data.
std::unique_ptr<RecordSink> make_jq_sink(std::string program, bool per_row, std::ostream& out);

// Renders a finished result (rows or document) in one call.
void render(const Records& records, Format format, std::ostream& out, RenderOptions options = {});

// Shared by the renderer implementations; not for command code.
namespace detail {

std::unique_ptr<RecordSink> make_table_renderer(std::ostream& out, RenderOptions options);
std::unique_ptr<RecordSink> make_json_renderer(std::ostream& out);
std::unique_ptr<RecordSink> make_ndjson_renderer(std::ostream& out);
std::unique_ptr<RecordSink> make_yaml_renderer(std::ostream& out);
std::unique_ptr<RecordSink> make_csv_renderer(std::ostream& out, RenderOptions options);
std::unique_ptr<RecordSink> make_name_renderer(std::ostream& out);

// A row that does not match its columns, or arrives outside begin()/end(), is a bug in the
// command that produced it: std::logic_error, reported as a runtime error.
void check_row(bool begun, std::size_t column_count, std::size_t value_count);

// One step of UTF-8 decoding at `pos` (which must be < text.size()). `valid` is false for a
// malformed, overlong or surrogate sequence; then `length` is 1 so the caller can step over
// the offending byte and show or replace it.
struct Utf8Step {
    char32_t code_point;
    std::size_t length;
    bool valid;
};
Utf8Step decode_utf8(std::string_view text, std::size_t pos);

// Code points beyond the C0 controls that no renderer writes raw where it can escape them:
// DEL and the C1 controls (U+009B is CSI on many terminals), the line and paragraph
// separators and NEL (line-oriented readers such as Python's splitlines() break lines on
// them), bidi overrides and isolates (they reorder what the operator sees) and U+FEFF.
bool is_hidden_control(char32_t code_point);

// What the table and YAML renderers write as an escape: the C0 controls and the hidden ones.
inline bool must_escape(char32_t code_point) { return code_point < 0x20 || is_hidden_control(code_point); }

// JSON text of a value: compact (indent < 0) or pretty-printed. Invalid UTF-8 becomes U+FFFD
// instead of throwing, so one bad byte in the database cannot abort a long export, and
// hidden controls are written as \uXXXX escapes (lossless: JSON readers decode them back), so
// ndjson lines split cleanly everywhere and a terminal only ever receives visible text.
std::string json_text(const json& value, int indent = -1);
inline std::string compact_json(const json& value) { return json_text(value); }

}  // namespace detail
}  // namespace tenantctl::cli
