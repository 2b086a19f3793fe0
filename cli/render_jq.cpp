// --jq EXPR: field extraction with jq's own language (gh's --jq), through libjq.
//
// The program sees exactly the JSON that -o json prints (an array of row objects, or the
// document); with -o ndjson it sees each row object as it streams, so memory stays flat on a
// large result. Each output is one line: a string raw (`--jq '.[].slug' | xargs`), anything
// else as compact JSON.
//
// libjq is opened with dlopen() on first use instead of being linked: every other command
// would otherwise pay for loading libjq and libonig at start-up, and startup time is what a
// `tenantctl audit query` in a loop spends most. Types come from jq.h; the functions come
// from the library, so a missing libjq1 is a clear error for --jq only.
#include "cli/render.hpp"

#include <dlfcn.h>

#include <climits>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <ostream>
#include <sstream>

// jq.h has no C++ guards of its own. Its jv.h defines jv_is_valid() in the header, which calls
// jv_get_kind(); an unoptimised build emits that function although nothing calls it. The weak
// reference lets such a build link without libjq, which is only ever opened with dlopen().
extern "C" {
#include <jq.h>
}
#pragma weak jv_get_kind

namespace tenantctl::cli {

namespace {

struct LibJq {
    decltype(&::jq_init) init = nullptr;
    decltype(&::jq_set_error_cb) set_error_cb = nullptr;
    decltype(&::jq_compile) compile = nullptr;
    decltype(&::jq_start) start = nullptr;
    decltype(&::jq_next) next = nullptr;
    decltype(&::jq_teardown) teardown = nullptr;
    decltype(&::jv_parse_sized) parse_sized = nullptr;
    decltype(&::jv_get_kind) get_kind = nullptr;
    decltype(&::jv_copy) copy = nullptr;
    decltype(&::jv_free) free = nullptr;
    decltype(&::jv_invalid_has_msg) invalid_has_msg = nullptr;
    decltype(&::jv_invalid_get_msg) invalid_get_msg = nullptr;
    decltype(&::jv_string_value) string_value = nullptr;
    decltype(&::jv_string_length_bytes) string_length_bytes = nullptr;
    decltype(&::jv_dump_string) dump_string = nullptr;
};

template <class F>
void resolve(void* handle, F& function, const char* name) {
    function = reinterpret_cast<F>(dlsym(handle, name));
    if (!function) throw Error(Exit::runtime, std::string("--jq: libjq has no ") + name, "install libjq1 1.6 or later");
}

// Loaded once per process; the handle is never closed (the process is short-lived).
const LibJq& libjq() {
    static const LibJq lib = [] {
        void* handle = dlopen("libjq.so.1", RTLD_NOW | RTLD_LOCAL);
        if (!handle) throw Error(Exit::runtime, "--jq needs libjq, which is not installed", "apt install libjq1");
        LibJq l;
        resolve(handle, l.init, "jq_init");
        resolve(handle, l.set_error_cb, "jq_set_error_cb");
        resolve(handle, l.compile, "jq_compile");
        resolve(handle, l.start, "jq_start");
        resolve(handle, l.next, "jq_next");
        resolve(handle, l.teardown, "jq_teardown");
        resolve(handle, l.parse_sized, "jv_parse_sized");
        resolve(handle, l.get_kind, "jv_get_kind");
        resolve(handle, l.copy, "jv_copy");
        resolve(handle, l.free, "jv_free");
        resolve(handle, l.invalid_has_msg, "jv_invalid_has_msg");
        resolve(handle, l.invalid_get_msg, "jv_invalid_get_msg");
        resolve(handle, l.string_value, "jv_string_value");
        resolve(handle, l.string_length_bytes, "jv_string_length_bytes");
        resolve(handle, l.dump_string, "jv_dump_string");
        return l;
    }();
    return lib;
}

// jq's text of a message value (a string, or anything else dumped), consuming it.
std::string message_text(const LibJq& jq, jv message) {
    if (jq.get_kind(message) == JV_KIND_STRING) {
        std::string text(jq.string_value(message), static_cast<std::size_t>(jq.string_length_bytes(jq.copy(message))));
        jq.free(message);
        return text;
    }
    jv dumped = jq.dump_string(message, 0);
    std::string text = jq.string_value(dumped);
    jq.free(dumped);
    return text;
}

// One compiled program, run on one input at a time.
class JqProgram {
public:
    explicit JqProgram(const std::string& program) : m_jq(libjq()) {
        m_state = m_jq.init();
        if (!m_state) throw Error(Exit::runtime, "--jq: libjq could not start");
        m_jq.set_error_cb(m_state, &JqProgram::collect_error, this);
        if (!m_jq.compile(m_state, program.c_str())) {
            std::string first = m_errors.empty() ? "it does not compile" : m_errors.front();
            if (first.rfind("jq: error: ", 0) == 0) first.erase(0, 11);
            // jq quotes the program on the lines after the message: keep the error one line.
            if (auto end = first.find('\n'); end != std::string::npos) first.erase(end);
            m_jq.teardown(&m_state);
            throw UsageError("--jq: " + first, "see https://jqlang.github.io/jq/manual/");
        }
    }
    ~JqProgram() {
        if (m_state) m_jq.teardown(&m_state);
    }
    JqProgram(const JqProgram&) = delete;
    JqProgram& operator=(const JqProgram&) = delete;

    // Runs the program on `input` (JSON text) and writes each output on a line of its own.
    void run(const std::string& input, std::ostream& out) {
        if (input.size() > static_cast<std::size_t>(INT_MAX))
            throw UsageError("--jq: the result is larger than libjq can read", "use -o ndjson to run --jq per row");
        m_jq.start(m_state, m_jq.parse_sized(input.data(), static_cast<int>(input.size())), 0);
        for (;;) {
            jv result = m_jq.next(m_state);
            if (m_jq.get_kind(result) == JV_KIND_INVALID) {
                if (!m_jq.invalid_has_msg(m_jq.copy(result))) {
                    m_jq.free(result);  // the program is done
                    break;
                }
                const std::string message = message_text(m_jq, m_jq.invalid_get_msg(result));
                // -o json prints a command's rows as a list, even a list of one (tenant create).
                throw UsageError("--jq: " + message, message.rfind("Cannot index array with ", 0) == 0
                                                         ? "the result is a list of rows: index it first, as in .[0].id "
                                                           "or .[].id"
                                                         : "");
            }
            if (m_jq.get_kind(result) == JV_KIND_STRING) {
                const auto length = static_cast<std::size_t>(m_jq.string_length_bytes(m_jq.copy(result)));
                out.write(m_jq.string_value(result), static_cast<std::streamsize>(length));
                m_jq.free(result);
            } else {
                jv text = m_jq.dump_string(result, 0);
                out << m_jq.string_value(text);
                m_jq.free(text);
            }
            out << '\n';
        }
        out.flush();
    }

private:
    static void collect_error(void* self, jv message) {
        auto* program = static_cast<JqProgram*>(self);
        program->m_errors.push_back(message_text(program->m_jq, message));
    }

    const LibJq& m_jq;
    jq_state* m_state = nullptr;
    std::vector<std::string> m_errors;
};

// Renders the result with the json (or ndjson) renderer into a buffer and hands that text to
// the program: what --jq reads is by construction what -o json prints.
class JqSink : public RecordSink {
public:
    JqSink(std::string program, bool per_row, std::ostream& out)
        : m_program(program), m_per_row(per_row), m_out(out),
          m_renderer(per_row ? detail::make_ndjson_renderer(m_buffer) : detail::make_json_renderer(m_buffer)) {}

    void begin(const std::vector<std::string>& columns) override { m_renderer->begin(columns); }
    void row(const std::vector<json>& values) override {
        m_renderer->row(values);
        if (m_per_row) run_buffer();
    }
    void end() override {
        m_renderer->end();
        run_buffer();
    }
    void document(const json& doc) override {
        m_renderer->document(doc);
        run_buffer();
    }
    void flush() override { m_out.flush(); }

private:
    void run_buffer() {
        std::string text = m_buffer.str();
        m_buffer.str({});
        if (text.find_first_not_of(" \n") == std::string::npos) return;  // ndjson's end() writes nothing
        m_program.run(text, m_out);
    }

    JqProgram m_program;
    bool m_per_row;
    std::ostream& m_out;
    std::ostringstream m_buffer;
    std::unique_ptr<RecordSink> m_renderer;
};

}  // namespace

std::unique_ptr<RecordSink> make_jq_sink(std::string program, bool per_row, std::ostream& out) {
    return std::make_unique<JqSink>(std::move(program), per_row, out);
}

}  // namespace tenantctl::cli
