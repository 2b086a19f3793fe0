#include "tests/citus/citus_support.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <pqxx/pqxx>

#include <fstream>
#include <optional>
#include <random>

namespace tenantctl::test {

namespace {

std::string node_conninfo(int port, const std::string& dbname) {
    return fmt::format("host=127.0.0.1 port={} user=postgres dbname={}", port, dbname);
}

}  // namespace

const CitusCluster& citus_cluster() {
    static std::optional<CitusCluster> cluster;
    if (!cluster) {
        std::ifstream in(TENANTCTL_CITUS_STATE "/ports");
        CitusCluster c;
        for (int port = 0; in >> port;) c.ports.push_back(port);
        if (c.ports.size() != 3)
            FAIL("the Citus test cluster is not running (" TENANTCTL_CITUS_STATE "/ports is missing; the "
                 "citus_cluster_up fixture starts it: run the tests through ctest)");
        cluster = c;
    }
    return *cluster;
}

ClusterWideLock::ClusterWideLock() {
    m_fd = ::open(TENANTCTL_CITUS_STATE "/cluster-wide.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (m_fd < 0 || ::flock(m_fd, LOCK_EX) != 0) FAIL("cannot lock " TENANTCTL_CITUS_STATE "/cluster-wide.lock");
}

ClusterWideLock::~ClusterWideLock() {
    if (m_fd >= 0) ::close(m_fd);  // releases the flock
}

CitusDatabase::CitusDatabase(bool with_citus) {
    std::random_device rd;
    m_name = fmt::format("c_{}_{:08x}", getpid(), rd());
    for (int port : citus_cluster().ports) {
        pqxx::connection admin(node_conninfo(port, "postgres"));
        pqxx::nontransaction tx(admin);
        tx.exec("CREATE DATABASE " + tx.quote_name(m_name));
    }
    if (with_citus) add_citus();
}

void CitusDatabase::add_citus() const {
    const auto& ports = citus_cluster().ports;
    ClusterWideLock lock;
    for (std::size_t i = 0; i < ports.size(); ++i) exec("CREATE EXTENSION IF NOT EXISTS citus", i);
    exec(fmt::format("SELECT citus_set_coordinator_host('127.0.0.1', {})", ports[0]));
    for (std::size_t i = 1; i < ports.size(); ++i)
        exec(fmt::format("SELECT citus_add_node('127.0.0.1', {})", ports[i]));
}

CitusDatabase::~CitusDatabase() {
    for (int port : citus_cluster().ports) {
        try {
            pqxx::connection admin(node_conninfo(port, "postgres"));
            pqxx::nontransaction tx(admin);
            tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(m_name) + " WITH (FORCE)");
        } catch (...) {
        }
    }
}

std::string CitusDatabase::conninfo(std::size_t node) const {
    return node_conninfo(citus_cluster().ports.at(node), m_name);
}

std::string CitusDatabase::url() const {
    return fmt::format("postgresql://postgres@127.0.0.1:{}/{}", citus_cluster().coordinator(), m_name);
}

void CitusDatabase::exec(const std::string& sql, std::size_t node) const {
    pqxx::connection c(conninfo(node));
    pqxx::nontransaction tx(c);
    tx.exec(sql);
}

std::string CitusDatabase::query_value(const std::string& sql, std::size_t node) const {
    pqxx::connection c(conninfo(node));
    pqxx::nontransaction tx(c);
    auto r = tx.exec(sql);
    if (r.empty() || r[0][0].is_null()) return "";
    return r[0][0].as<std::string>();
}

CliOptions CitusDatabase::cli() const { return with_env({{"TENANTCTL_DATABASE_URL", url()}}); }

}  // namespace tenantctl::test
