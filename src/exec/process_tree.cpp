#include "exec/process_tree.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <memory>

#include "exec/process_fd.hpp"

namespace greentune::exec {

namespace {

// Field numbers of /proc/PID/stat (proc(5)); fields[0] is field 3, the state.
constexpr int kFirstField = 3;
constexpr int kLastField = 24;
constexpr int kFieldCount = kLastField - kFirstField + 1;

template <class Int>
bool parse_int(std::string_view text, Int& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

// Splits on spaces into at most `fields.size()` pieces; returns how many.
size_t split_fields(std::string_view text, std::array<std::string_view, kFieldCount>& fields) {
  size_t count = 0;
  size_t pos = 0;
  while (count < fields.size()) {
    pos = text.find_first_not_of(" \n", pos);
    if (pos == std::string_view::npos) break;
    size_t end = text.find_first_of(" \n", pos);
    if (end == std::string_view::npos) end = text.size();
    fields[count++] = text.substr(pos, end - pos);
    pos = end;
  }
  return count;
}

// Reads a small /proc file into buf; the bytes read, or -1.
ssize_t read_small_file(const char* path, char* buf, size_t cap) {
  UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return -1;
  size_t used = 0;
  while (used < cap) {
    ssize_t n = ::read(fd.get(), buf + used, cap - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  return static_cast<ssize_t>(used);
}

// The value of "key: N" in /proc/PID/io text, or -1.
int64_t io_field(std::string_view text, std::string_view key) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (line.size() > key.size() + 1 && line.substr(0, key.size()) == key &&
        line[key.size()] == ':') {
      std::string_view value = line.substr(key.size() + 1);
      value.remove_prefix(std::min(value.find_first_not_of(' '), value.size()));
      int64_t out = -1;
      return parse_int(value, out) ? out : -1;
    }
    pos = end + 1;
  }
  return -1;
}

}  // namespace

std::optional<ProcStat> parse_proc_stat(std::string_view text) {
  size_t open = text.find(" (");
  size_t close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return std::nullopt;
  }
  ProcStat s;
  std::array<std::string_view, kFieldCount> f;
  if (!parse_int(text.substr(0, open), s.pid) ||
      split_fields(text.substr(close + 1), f) < f.size() || f[0].size() != 1) {
    return std::nullopt;
  }
  auto at = [&f](int field) { return f[field - kFirstField]; };
  s.state = f[0][0];
  bool ok = parse_int(at(4), s.ppid) && parse_int(at(5), s.pgrp) && parse_int(at(14), s.utime) &&
            parse_int(at(15), s.stime) && parse_int(at(16), s.cutime) &&
            parse_int(at(17), s.cstime) && parse_int(at(20), s.threads) &&
            parse_int(at(22), s.starttime) && parse_int(at(24), s.rss_pages);
  if (!ok) return std::nullopt;
  return s;
}

void ProcTreeSampler::Totals::add(const Totals& other) {
  user_ticks += other.user_ticks;
  system_ticks += other.system_ticks;
  io_read += other.io_read;
  io_write += other.io_write;
}

void ProcTreeSampler::Totals::raise_to(const Totals& other) {
  user_ticks = std::max(user_ticks, other.user_ticks);
  system_ticks = std::max(system_ticks, other.system_ticks);
  io_read = std::max(io_read, other.io_read);
  io_write = std::max(io_write, other.io_write);
}

ProcTreeSampler::ProcTreeSampler(pid_t pgid)
    : pgid_(pgid),
      tick_s_(1.0 / static_cast<double>(::sysconf(_SC_CLK_TCK))),
      page_bytes_(::sysconf(_SC_PAGESIZE)) {}

TreeSample ProcTreeSampler::sample() {
  TreeSample live;
  Members now;
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir("/proc"), ::closedir);
  char path[sizeof(dirent::d_name) + 16];
  char buf[1024];
  while (dir != nullptr) {
    const dirent* entry = ::readdir(dir.get());
    if (entry == nullptr) break;
    if (entry->d_name[0] < '1' || entry->d_name[0] > '9') continue;
    std::snprintf(path, sizeof path, "/proc/%s/stat", entry->d_name);
    ssize_t n = read_small_file(path, buf, sizeof buf);
    if (n <= 0) continue;  // it exited meanwhile
    auto stat = parse_proc_stat(std::string_view(buf, static_cast<size_t>(n)));
    if (stat && stat->pgrp == pgid_) read_member(*stat, now, live);
  }
  carry_vanished(now);
  Totals total = carried_;
  for (const auto& [pid, member] : now) total.add(member.totals);
  reported_.raise_to(total);
  members_ = std::move(now);

  live.cpu_user_s = static_cast<double>(reported_.user_ticks) * tick_s_;
  live.cpu_system_s = static_cast<double>(reported_.system_ticks) * tick_s_;
  live.io_read_bytes = reported_.io_read;
  live.io_write_bytes = reported_.io_write;
  return live;
}

// Adds one group member to `now` and, unless it is a zombie, to the live figures.
void ProcTreeSampler::read_member(const ProcStat& stat, Members& now, TreeSample& live) {
  Member m;
  m.starttime = stat.starttime;
  m.ppid = stat.ppid;
  m.totals.user_ticks = stat.utime + stat.cutime;
  m.totals.system_ticks = stat.stime + stat.cstime;
  char path[64];
  char buf[512];
  std::snprintf(path, sizeof path, "/proc/%d/io", static_cast<int>(stat.pid));
  ssize_t n = read_small_file(path, buf, sizeof buf);
  std::string_view io = n > 0 ? std::string_view(buf, static_cast<size_t>(n)) : "";
  m.totals.io_read = std::max<int64_t>(0, io_field(io, "read_bytes"));
  m.totals.io_write = std::max<int64_t>(0, io_field(io, "write_bytes"));
  // Unreadable now (e.g. it just became a zombie): keep what it showed before.
  auto prev = members_.find(stat.pid);
  if (prev != members_.end() && prev->second.starttime == m.starttime) {
    m.totals.raise_to(prev->second.totals);
  }
  now[stat.pid] = m;
  if (stat.state == 'Z' || stat.state == 'X') return;
  live.processes += 1;
  live.pids.push_back(static_cast<int>(stat.pid));
  live.threads += stat.threads;
  live.rss_bytes += stat.rss_pages * page_bytes_;
}

// Carries the totals of members that vanished and that no member waited for.
void ProcTreeSampler::carry_vanished(const Members& now) {
  for (const auto& [pid, member] : members_) {
    auto still = now.find(pid);
    if (still != now.end() && still->second.starttime == member.starttime) continue;
    bool parent_in_group = members_.count(member.ppid) > 0 || now.count(member.ppid) > 0;
    if (!parent_in_group) carried_.add(member.totals);
  }
}

}  // namespace greentune::exec
