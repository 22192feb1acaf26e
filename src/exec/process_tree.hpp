// Reading a trial's process tree from /proc: every process whose process group is the
// trial's (the group survives reparenting, so orphaned grandchildren are still found).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "exec/process.hpp"

namespace greentune::exec {

// The fields of /proc/PID/stat that the sampler uses (proc(5) numbering in comments).
struct ProcStat {
  pid_t pid = 0;           // 1
  char state = '?';        // 3 ('Z' for a zombie)
  pid_t ppid = 0;          // 4
  pid_t pgrp = 0;          // 5
  int64_t utime = 0;       // 14, clock ticks
  int64_t stime = 0;       // 15
  int64_t cutime = 0;      // 16: children waited for
  int64_t cstime = 0;      // 17
  int64_t threads = 0;     // 20
  uint64_t starttime = 0;  // 22: with pid, identifies a process across pid reuse
  int64_t rss_pages = 0;   // 24
};

// Parses one /proc/PID/stat line.  The comm field (2) is in parentheses and may itself
// contain spaces and parentheses, so fields are counted from the last ')'.
std::optional<ProcStat> parse_proc_stat(std::string_view text);

// Cumulative CPU and I/O of a process group, kept monotonic across samples.
//
// CPU total = sum over live (and zombie) members of utime+stime+cutime+cstime, plus the
// last-seen totals of members that vanished without being waited for by a group member
// (orphans reaped by init).  A member that vanished while its parent is (or was) a
// member is assumed to be waited for by it, so its time now sits in that parent's
// cutime/cstime and is not carried (no double counting).  On top of that each reported
// figure is clamped to max(previous, current), so it never decreases.  I/O is handled
// the same way (the kernel adds a waited-for child's I/O to its parent's /proc/PID/io).
class ProcTreeSampler {
 public:
  explicit ProcTreeSampler(pid_t pgid);
  TreeSample sample();

 private:
  struct Totals {
    int64_t user_ticks = 0;
    int64_t system_ticks = 0;
    int64_t io_read = 0;
    int64_t io_write = 0;
    void add(const Totals& other);
    void raise_to(const Totals& other);  // field-wise max
  };
  struct Member {
    uint64_t starttime = 0;
    pid_t ppid = 0;
    Totals totals;
  };
  using Members = std::unordered_map<pid_t, Member>;

  void read_member(const ProcStat& stat, Members& now, TreeSample& live);
  void carry_vanished(const Members& now);

  pid_t pgid_;
  double tick_s_;
  int64_t page_bytes_;
  Members members_;  // the previous sample's members
  Totals carried_;   // vanished members' totals that no live member accounts for
  Totals reported_;  // the last reported totals (for the monotonic clamp)
};

}  // namespace greentune::exec
