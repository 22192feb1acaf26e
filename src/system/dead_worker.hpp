// For tests: the worker id of a process that has exited, on this host.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "greentune/worker.hpp"

namespace greentune::testing {

inline std::string host_of(const std::string& worker_id) {
  return worker_id.substr(0, worker_id.find('/'));
}

// Forks a child that exits at once and returns the id it would have had.
inline std::string dead_worker_id() {
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  ::waitpid(pid, nullptr, 0);
  const std::string& me = current_worker_id();
  return host_of(me) + "/" + std::to_string(pid) + me.substr(me.rfind('/'));
}

}  // namespace greentune::testing
