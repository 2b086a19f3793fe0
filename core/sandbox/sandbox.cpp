#include "core/sandbox/sandbox.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/crypto/hash.hpp"
#include "core/crypto/master_key.hpp"
#include "core/errors.hpp"
#include "core/util/process.hpp"

namespace fs = std::filesystem;

namespace tenantctl::sandbox {

namespace {

constexpr const char* kStateFile = "sandbox.json";

std::string getenv_or(const char* name, const std::string& fallback) {
    const char* v = std::getenv(name);
    return v && *v ? v : fallback;
}

// Holds an exclusive flock on dir/.lock so two `sandbox up` runs do not race.
class DirLock {
public:
    explicit DirLock(const fs::path& dir) {
        m_fd = ::open((dir / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (m_fd < 0) throw Refused(fmt::format("cannot use sandbox directory {}: {}", dir.string(), std::strerror(errno)));
        ::flock(m_fd, LOCK_EX);
    }
    ~DirLock() { ::close(m_fd); }

private:
    int m_fd = -1;
};

bool port_is_free(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

bool socket_in_use(const fs::path& sock_dir, int port) {
    return fs::exists(sock_dir / fmt::format(".s.PGSQL.{}", port));
}

int pick_port(const fs::path& dir, const fs::path& sock_dir) {
    // Start from a port derived from the directory, so parallel sandboxes rarely probe the same.
    auto digest = crypto::sha256(dir.string());
    int start = 20000 + (digest[0] << 8 | digest[1]) % 20000;
    for (int k = 0; k < 200; ++k) {
        int port = start + k;
        if (port_is_free(port) && !socket_in_use(sock_dir, port) && !socket_in_use("/tmp", port) &&
            !socket_in_use("/var/run/postgresql", port))
            return port;
    }
    throw Refused("no free port found for the sandbox server", "pass --port");
}

std::vector<std::string> as_server_user(const State& s, std::vector<std::string> argv) {
    if (!s.run_as_postgres) return argv;
    std::vector<std::string> wrapped{"runuser", "-u", "postgres", "--"};
    wrapped.insert(wrapped.end(), argv.begin(), argv.end());
    return wrapped;
}

void chown_to_postgres(const fs::path& p) {
    passwd* pw = ::getpwnam("postgres");
    if (!pw) throw Refused("running as root needs a `postgres` user to run the server", "install postgresql");
    if (::chown(p.c_str(), pw->pw_uid, pw->pw_gid) != 0)
        throw Refused(fmt::format("cannot hand {} to the postgres user: {}", p.string(), std::strerror(errno)));
}

// Whether the postgres user can reach `p` (every parent directory must be searchable).
bool postgres_can_reach(const fs::path& p) {
    auto r = util::run_process({"runuser", "-u", "postgres", "--", "test", "-x", p.string()});
    return r.exit_code == 0;
}

void save(const State& s) {
    nlohmann::ordered_json j{{"port", s.port},
                             {"cluster_dir", s.cluster_dir.string()},
                             {"bin_dir", s.bin_dir.string()},
                             {"run_as_postgres", s.run_as_postgres}};
    auto tmp = s.dir / (std::string(kStateFile) + ".tmp");
    {
        std::ofstream out(tmp);
        out << j.dump(2) << '\n';
    }
    fs::rename(tmp, s.dir / kStateFile);
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_master_key(const fs::path& path) {
    if (fs::exists(path)) return;
    std::string key = crypto::generate_master_key_base64();
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) throw Refused(fmt::format("cannot create {}: {}", path.string(), std::strerror(errno)));
    key += "\n";
    bool ok = ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size());
    ::fsync(fd);
    ::close(fd);
    if (!ok) throw Error(Exit::runtime, fmt::format("cannot write {}", path.string()));
}

void start_server(const State& s, Logger& log) {
    log.debug(fmt::format("starting PostgreSQL from {} on port {}", s.bin_dir.string(), s.port));
    auto r = util::run_process(as_server_user(s, {(s.bin_dir / "pg_ctl").string(), "-D", s.data_dir().string(), "-l",
                                                  s.log_file().string(), "-w", "-t", "60", "start"}));
    if (r.exit_code != 0) {
        std::string tail = read_file(s.log_file());
        if (tail.size() > 600) tail = tail.substr(tail.size() - 600);
        throw Refused(fmt::format("the sandbox server did not start (port {}): {}", s.port,
                                  r.err.empty() ? "see " + s.log_file().string() : r.err.substr(0, r.err.find('\n'))),
                      "server log tail:\n" + tail);
    }
}

}  // namespace

std::string State::conninfo(const std::string& dbname) const {
    return fmt::format("host={} port={} user=postgres dbname={}", socket_dir().string(), port, dbname);
}

std::string State::url(const std::string& dbname) const {
    return fmt::format("postgresql://postgres@/{}?host={}&port={}", dbname, socket_dir().string(), port);
}

fs::path default_dir() {
    // Set by `eval "$(tenantctl sandbox env --dir D)"`, so status, psql and down follow the
    // same sandbox instead of the default one.
    if (const char* exported = std::getenv("TENANTCTL_SANDBOX_DIR"); exported && *exported) return exported;
    std::string home = getenv_or("HOME", "/tmp");
    fs::path state = getenv_or("XDG_STATE_HOME", (fs::path(home) / ".local" / "state").string());
    return state / "tenantctl" / "sandbox";
}

fs::path find_server_binaries() {
    if (const char* v = std::getenv("TENANTCTL_PG_BIN"); v && *v) return v;
    fs::path best;
    int best_version = 0;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
        int version = std::atoi(entry.path().filename().c_str());
        if (version > best_version && fs::exists(entry.path() / "bin" / "initdb")) {
            best_version = version;
            best = entry.path() / "bin";
        }
    }
    if (best.empty())
        throw Refused("no PostgreSQL server binaries found under /usr/lib/postgresql",
                      "apt-get install postgresql, or set TENANTCTL_PG_BIN");
    return best;
}

std::optional<State> load(const fs::path& dir) {
    auto file = dir / kStateFile;
    if (!fs::exists(file)) return std::nullopt;
    auto j = nlohmann::json::parse(read_file(file), nullptr, false);
    if (j.is_discarded() || !j.contains("port"))
        throw Refused(fmt::format("{} is damaged", file.string()), "remove the directory and run `sandbox up` again");
    State s;
    s.dir = dir;
    s.port = j.at("port").get<int>();
    s.cluster_dir = j.at("cluster_dir").get<std::string>();
    s.bin_dir = j.at("bin_dir").get<std::string>();
    s.run_as_postgres = j.value("run_as_postgres", false);
    return s;
}

bool is_running(const State& s) {
    auto pidfile = s.data_dir() / "postmaster.pid";
    std::ifstream in(pidfile);
    long pid = 0;
    if (!(in >> pid) || pid <= 0) return false;
    return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

std::optional<State> running(const fs::path& dir) {
    try {
        auto s = load(dir);
        if (s && is_running(*s)) return s;
    } catch (const Error&) {
    }
    return std::nullopt;
}

UpResult up(const fs::path& dir_in, int port, Logger& log) {
    fs::path dir = fs::absolute(dir_in).lexically_normal();
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw Refused(fmt::format("cannot create sandbox directory {}: {}", dir.string(), ec.message()));
    if (!fs::exists(dir / kStateFile)) {
        for (const auto& entry : fs::directory_iterator(dir)) {
            auto name = entry.path().filename().string();
            if (name != ".lock" && name != "master.key")
                throw Refused(fmt::format("directory {} is not empty and is not a tenantctl sandbox", dir.string()),
                              "choose another --dir");
        }
    }
    ::chmod(dir.c_str(), 0700);
    DirLock lock(dir);

    if (auto existing = load(dir)) {
        write_master_key(existing->key_file());
        if (is_running(*existing)) {
            if (port != 0 && port != existing->port)
                throw Refused(fmt::format("the sandbox in {} already runs on port {}", dir.string(), existing->port));
            return {*existing, true};
        }
        if (port != 0) existing->port = port;
        if (!port_is_free(existing->port) || socket_in_use(existing->socket_dir(), existing->port))
            throw Refused(fmt::format("port {} is in use", existing->port), "stop what uses it, or pass --port");
        save(*existing);
        start_server(*existing, log);
        return {*existing, false};
    }

    State s;
    s.dir = dir;
    s.bin_dir = find_server_binaries();
    s.run_as_postgres = util::is_root();
    s.cluster_dir = dir / "cluster";
    // Unix socket paths are limited to 107 bytes, and as root the postgres user must be able
    // to reach the cluster: when either fails, the cluster lives in a private /tmp directory
    // recorded in sandbox.json.
    bool too_long = (s.socket_dir() / ".s.PGSQL.65535").string().size() > 100;
    fs::create_directories(s.cluster_dir);
    if (s.run_as_postgres) chown_to_postgres(s.cluster_dir);
    if (too_long || (s.run_as_postgres && !postgres_can_reach(s.cluster_dir))) {
        fs::remove(s.cluster_dir);
        char tmpl[] = "/tmp/tenantctl-sandbox-XXXXXX";
        if (!::mkdtemp(tmpl)) throw Refused(fmt::format("cannot create a cluster directory: {}", std::strerror(errno)));
        s.cluster_dir = tmpl;
        if (s.run_as_postgres) chown_to_postgres(s.cluster_dir);
    }
    // Until the state is saved nothing records this directory, so no `sandbox down` would ever
    // remove it: a refusal from here on (a port in use, initdb failing) takes it away itself.
    struct RemoveUnlessSaved {
        fs::path path;
        bool saved = false;
        ~RemoveUnlessSaved() {
            std::error_code ec;
            if (!saved) fs::remove_all(path, ec);
        }
    } unsaved{s.cluster_dir};
    log.debug(fmt::format("cluster directory {}", s.cluster_dir.string()));
    fs::create_directories(s.socket_dir());
    if (s.run_as_postgres) chown_to_postgres(s.socket_dir());

    if (port != 0) {
        if (!port_is_free(port) || socket_in_use(s.socket_dir(), port))
            throw Refused(fmt::format("port {} is in use", port), "stop what uses it, or omit --port");
        s.port = port;
    } else {
        s.port = pick_port(dir, s.socket_dir());
    }

    log.info(fmt::format("creating a sandbox cluster in {}", s.cluster_dir.string()));
    auto r = util::run_process(as_server_user(s, {(s.bin_dir / "initdb").string(), "-D", s.data_dir().string(),
                                                  "--auth=trust", "-U", "postgres", "-E", "UTF8",
                                                  "--locale=C.UTF-8", "--no-sync"}));
    if (r.exit_code != 0)
        throw Refused(fmt::format("initdb failed: {}", r.err.substr(0, r.err.find('\n'))));

    // The sandbox is throwaway: durability is traded for speed, and it listens only on its socket.
    {
        std::ofstream conf(s.data_dir() / "postgresql.conf", std::ios::app);
        conf << "\n# tenantctl sandbox\n"
             << "port = " << s.port << "\n"
             << "listen_addresses = ''\n"
             << "unix_socket_directories = '" << s.socket_dir().string() << "'\n"
             << "unix_socket_permissions = 0700\n"
             << "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
             << "max_connections = 200\nshared_buffers = 256MB\n"
             << "max_locks_per_transaction = 256\n"
             // `tenant move --online` streams a tenant by logical replication.
             << "wal_level = logical\nmax_replication_slots = 32\nmax_wal_senders = 32\n"
             << "max_logical_replication_workers = 16\nmax_sync_workers_per_subscription = 8\n"
             << "max_worker_processes = 32\n"
             // Logical replication starts a worker at most this often (default 5 s): a
             // sandbox that runs many short moves should not wait.
             << "wal_retrieve_retry_interval = 100ms\n";
    }
    save(s);
    unsaved.saved = true;
    write_master_key(s.key_file());
    start_server(s, log);
    return {s, false};
}

bool down(const fs::path& dir_in, bool keep, Logger& log) {
    fs::path dir = fs::absolute(dir_in).lexically_normal();
    auto s = load(dir);
    if (!s) return false;
    DirLock lock(dir);
    bool was_running = is_running(*s);
    if (was_running) {
        auto r = util::run_process(
            as_server_user(*s, {(s->bin_dir / "pg_ctl").string(), "-D", s->data_dir().string(), "-m", "fast", "-w", "stop"}));
        if (r.exit_code != 0)
            throw Error(Exit::runtime, fmt::format("pg_ctl stop failed: {}", r.err.substr(0, r.err.find('\n'))));
    }
    if (!keep) {
        log.debug(fmt::format("removing {}", s->cluster_dir.string()));
        std::error_code ec;
        fs::remove_all(s->cluster_dir, ec);
        fs::remove(dir / kStateFile, ec);
        fs::remove(s->key_file(), ec);
    }
    return was_running;
}

}  // namespace tenantctl::sandbox
