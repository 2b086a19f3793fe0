// The Citus suite's databases (issue 17). The CTest fixture starts a coordinator and two workers
// (tests/citus/cluster.sh); each test makes its own database on all three, with the citus
// extension and the workers registered, so tests never see each other's shards. A database
// cannot be copied from a template once it has distributed tables (the shards live in the
// workers' databases of the same name), so every test starts from an empty one.
#pragma once

#include <string>
#include <vector>

#include "tests/support/test_support.hpp"

namespace tenantctl::test {

struct CitusCluster {
    std::vector<int> ports;  // coordinator first, then the workers
    int coordinator() const { return ports.front(); }
};

// The fixture's cluster. Fails the test (never skips) when it is not running.
const CitusCluster& citus_cluster();

// ClusterWideLock on this suite's cluster.
class CitusClusterLock : public ClusterWideLock {
public:
    CitusClusterLock() : ClusterWideLock(TENANTCTL_CITUS_STATE) {}
};

class CitusDatabase {
public:
    // `with_citus` false: the database exists on every node but nothing of Citus is set up in
    // it yet (an install that adds Citus later calls add_citus()).
    explicit CitusDatabase(bool with_citus = true);
    ~CitusDatabase();
    CitusDatabase(const CitusDatabase&) = delete;
    CitusDatabase& operator=(const CitusDatabase&) = delete;

    // CREATE EXTENSION citus on every node, then the coordinator registers itself and the workers.
    void add_citus() const;

    const std::string& name() const { return m_name; }
    std::string conninfo(std::size_t node = 0) const;
    std::string url() const;  // the coordinator
    void exec(const std::string& sql, std::size_t node = 0) const;
    std::string query_value(const std::string& sql, std::size_t node = 0) const;
    // Options that point the built binary at the coordinator.
    CliOptions cli() const;

private:
    std::string m_name;
};

}  // namespace tenantctl::test
