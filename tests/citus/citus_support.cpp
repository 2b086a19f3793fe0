#include "tests/citus/citus_support.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <pqxx/pqxx>

#include <random>

namespace tenantctl::test {

const CitusCluster& citus_cluster() {
    static const CitusCluster cluster{citus_ports(TENANTCTL_CITUS_STATE)};
    return cluster;
}

CitusDatabase::CitusDatabase(bool with_citus) {
    std::random_device rd;
    m_name = fmt::format("c_{}_{:08x}", getpid(), rd());
    create_citus_database(TENANTCTL_CITUS_STATE, m_name, with_citus);
}

void CitusDatabase::add_citus() const { test::add_citus(TENANTCTL_CITUS_STATE, m_name); }

CitusDatabase::~CitusDatabase() { drop_citus_database(TENANTCTL_CITUS_STATE, m_name); }

std::string CitusDatabase::conninfo(std::size_t node) const {
    return citus_node_conninfo(citus_cluster().ports.at(node), m_name);
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
