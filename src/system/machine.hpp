// What this process has to work with, read from the kernel: its cores, its memory (the
// cgroup's limit where it is lower than the machine's), its own CPU time and peak RSS.
// The bottom floor of greentune: nothing here knows of studies or trials.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace greentune::system {

struct MachineLimits {
  int64_t cpu_cores = 1;                // cores this process may run on (its affinity mask)
  std::optional<int64_t> memory_bytes;  // physical memory, or the cgroup v2 limit if lower
};

// Read afresh on each call (a few small reads of /sys and sysconf).
MachineLimits machine_limits();

// This host's name; "unknown-host" when it cannot be read.
std::string host_name();

struct SelfUsage {
  double cpu_s = 0;           // user + system CPU time of this process so far
  int64_t max_rss_bytes = 0;  // its peak resident set size
};

// getrusage(RUSAGE_SELF).
SelfUsage self_usage();

}  // namespace greentune::system
