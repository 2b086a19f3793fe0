// Locks that hold (issue 12.5). An AdvisoryLock lives on its own connection; when that
// connection drops (pg_terminate_backend, an idle timeout, a pooler reset) the server releases
// the lock silently and another run may start alongside this one. Long-running mutating
// commands therefore check their locks before each batch or statement.
#pragma once

#include "core/db/lock.hpp"

namespace tenantctl::db {

// Checks that `lock` is still held: its connection is alive and pg_locks shows the lock
// granted to that connection's backend. Throws DbUnavailable ("lost the '...' lock", exit 7)
// otherwise. Thread-safe.
void verify_lock(const AdvisoryLock& lock);

// verify_lock for every AdvisoryLock of this process that is alive (the command's locks),
// so code deep in a run needs no handle on them. Thread-safe.
void verify_held_locks();

}  // namespace tenantctl::db
