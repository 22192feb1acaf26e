// Who runs a trial.  A worker id names one orchestrator process on one host, in a form
// that lets a later process on the same host tell whether it is still alive (the pid
// alone is not enough: pids are reused, so the process start time is part of the id).
#pragma once

#include <string>

namespace greentune {

// "HOST/PID/START" for this process, START being its start time in clock ticks since
// boot together with the boot id.  Computed once.
const std::string& current_worker_id();

enum class WorkerLiveness {
  kAlive,    // same host, the process is still there
  kDead,     // same host, that process is gone (or the machine rebooted)
  kUnknown,  // another host, or an empty/foreign id: only heartbeats can tell
};

WorkerLiveness worker_liveness(const std::string& worker_id);

}  // namespace greentune
