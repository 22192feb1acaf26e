#include "greentune/worker.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "system/machine.hpp"

namespace greentune {
namespace {

std::string boot_id() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id.empty() ? "noboot" : id.substr(0, 8);
}

// Field 22 of /proc/PID/stat: the process start time in clock ticks since boot; "" when
// the process does not exist.
std::string start_ticks(long pid) {
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string stat;
  if (!std::getline(in, stat)) return "";
  auto close = stat.rfind(')');  // the command name may hold spaces and parentheses
  if (close == std::string::npos) return "";
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && rest >> field; ++i) {
    if (i == 22) return field;
  }
  return "";
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(s);
  while (std::getline(in, part, sep)) parts.push_back(part);
  return parts;
}

}  // namespace

const std::string& current_worker_id() {
  static const std::string id = fmt::format("{}/{}/{}-{}", system::host_name(), ::getpid(), boot_id(),
                                            start_ticks(::getpid()));
  return id;
}

WorkerLiveness worker_liveness(const std::string& worker_id) {
  auto parts = split(worker_id, '/');
  if (parts.size() != 3 || parts[0] != system::host_name()) return WorkerLiveness::kUnknown;
  long pid = 0;
  try {
    pid = std::stol(parts[1]);
  } catch (...) {
    return WorkerLiveness::kUnknown;
  }
  std::string expected = fmt::format("{}-{}", boot_id(), start_ticks(pid));
  return parts[2] == expected ? WorkerLiveness::kAlive : WorkerLiveness::kDead;
}

}  // namespace greentune
