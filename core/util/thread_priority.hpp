// Helper threads of maintenance work (compressing an archive, reading it back) yield the CPU
// to the application: on a busy server they run in what the application leaves idle.
#pragma once

namespace tenantctl::util {

// Lowers the calling thread's scheduling priority (nice 10); the rest of the process keeps
// its own. Best effort: a refusal changes nothing but the speed.
void lower_this_thread_priority();

}  // namespace tenantctl::util
