#include "core/util/thread_priority.hpp"

#include <sys/resource.h>
#include <unistd.h>

namespace tenantctl::util {

void lower_this_thread_priority() {
    // On Linux a nice value belongs to a thread: PRIO_PROCESS with a thread id sets only it.
    const int now = ::getpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()));
    if (now < 10) (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 10);
}

}  // namespace tenantctl::util
