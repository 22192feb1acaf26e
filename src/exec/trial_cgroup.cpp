#include "exec/trial_cgroup.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

namespace greentune::exec {

namespace {

namespace fs = std::filesystem;

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Writes `text` in one write(2), as cgroup files want.  0 or the errno.
int write_text(const std::string& path, std::string_view text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  ssize_t n = ::write(fd, text.data(), text.size());
  int err = n == static_cast<ssize_t>(text.size()) ? 0 : (n < 0 ? errno : EIO);
  ::close(fd);
  return err;
}

// "key value" lines (cpu.stat, cgroup.events): the value of `key`.
std::optional<int64_t> keyed_value(std::string_view text, std::string_view key) {
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(at, end - at);
    at = end + 1;
    if (line.size() > key.size() && line.substr(0, key.size()) == key &&
        line[key.size()] == ' ') {
      std::string_view v = line.substr(key.size() + 1);
      int64_t out = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
      if (ec == std::errc()) return out;
      return std::nullopt;
    }
  }
  return std::nullopt;
}

// The directory of this process's own cgroup v2, or why there is none.
std::string own_cgroup_dir(std::string& why_not) {
  auto self = read_text("/proc/self/cgroup");
  if (!self) {
    why_not = "/proc/self/cgroup is not readable";
    return {};
  }
  std::string own;
  bool found = false;
  std::istringstream lines(*self);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("0::", 0) == 0) {
      own = line.substr(3);
      found = true;
    }
  }
  if (!found) {
    why_not = "no cgroup v2 (this machine has cgroup v1 only)";
    return {};
  }
  // mountinfo: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE ...
  auto mounts = read_text("/proc/self/mountinfo");
  if (!mounts) {
    why_not = "/proc/self/mountinfo is not readable";
    return {};
  }
  std::istringstream ml(*mounts);
  for (std::string line; std::getline(ml, line);) {
    std::istringstream f(line);
    std::vector<std::string> fields;
    for (std::string w; f >> w;) fields.push_back(w);
    size_t dash = 0;
    while (dash < fields.size() && fields[dash] != "-") ++dash;
    if (dash + 1 >= fields.size() || fields[dash + 1] != "cgroup2" || fields.size() < 5) continue;
    const std::string& root = fields[3];
    const std::string& point = fields[4];
    // The mount shows the tree from `root` down; our cgroup must be inside it.
    std::string rel;
    if (root == "/") {
      rel = own;
    } else if (own == root) {
      rel = "/";
    } else if (own.rfind(root + "/", 0) == 0) {
      rel = own.substr(root.size());
    } else {
      continue;
    }
    return rel == "/" ? point : point + rel;
  }
  why_not = "cgroup v2 is not mounted here";
  return {};
}

// Removes greentune-<pid> directories of orchestrators that are gone, with their empty
// trial cgroups (a populated one holds orphans that the executor's own clean-up ends).
void remove_stale(const fs::path& dir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind("greentune-", 0) != 0) continue;
    pid_t pid = 0;
    std::string_view digits(name);
    digits.remove_prefix(10);
    auto [p, err] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
    if (err != std::errc() || p != digits.data() + digits.size() || pid <= 0) continue;
    if (pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;
    for (const auto& trial : fs::directory_iterator(entry.path(), ec)) {
      ::rmdir(trial.path().c_str());  // fails, harmlessly, while populated
    }
    ::rmdir(entry.path().c_str());
  }
}

// Whether the kernel lets us move a process into a cgroup under `parent` (a container may
// let us mkdir there and still refuse the move): a child that only waits is moved there
// and ended.  0 or the errno of the refusal.
int can_move_into(const std::string& parent) {
  std::string path = parent + "/probe";
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) return errno;
  pid_t child = ::fork();
  if (child < 0) {
    int err = errno;
    ::rmdir(path.c_str());
    return err;
  }
  if (child == 0) {
    ::pause();  // async-signal-safe only, in a child of a threaded process
    ::_exit(0);
  }
  int err = write_text(path + "/cgroup.procs", std::to_string(child));
  ::kill(child, SIGKILL);
  while (::waitpid(child, nullptr, 0) < 0 && errno == EINTR) {
  }
  ::rmdir(path.c_str());
  return err;
}

CgroupSupport probe() {
  CgroupSupport s;
  if (const char* off = std::getenv("GREENTUNE_NO_CGROUP"); off && std::string_view(off) == "1") {
    s.why_not = "turned off by GREENTUNE_NO_CGROUP=1";
    return s;
  }
  std::string dir = own_cgroup_dir(s.why_not);
  if (dir.empty()) return s;
  // Moving a trial into a cgroup below ours needs write access to our own cgroup.procs
  // (the common ancestor's), and cpu.stat must be there to be worth it.
  if (::access((dir + "/cgroup.procs").c_str(), W_OK) != 0) {
    s.why_not = fmt::format("{}/cgroup.procs is not writable by this user", dir);
    return s;
  }
  remove_stale(dir);
  std::string parent = fmt::format("{}/greentune-{}", dir, ::getpid());
  if (::mkdir(parent.c_str(), 0755) != 0 && errno != EEXIST) {
    s.why_not = fmt::format("cannot create {}: {}", parent, errno_text(errno));
    return s;
  }
  if (!read_text(parent + "/cpu.stat")) {
    ::rmdir(parent.c_str());
    s.why_not = fmt::format("{}/cpu.stat is not readable", parent);
    return s;
  }
  if (int err = can_move_into(parent); err != 0) {
    ::rmdir(parent.c_str());
    s.why_not = fmt::format("cannot move a process into a cgroup under {}: {}", parent,
                            errno_text(err));
    return s;
  }
  s.available = true;
  s.parent = std::move(parent);
  return s;
}

// Removes this process's greentune-<pid> directory at exit (when its trials' are gone).
struct ParentRemover {
  std::string path;
  ~ParentRemover() {
    if (!path.empty()) ::rmdir(path.c_str());
  }
};

std::atomic<int64_t> g_next_trial{0};

}  // namespace

const CgroupSupport& cgroup_support() {
  static const CgroupSupport support = probe();
  static const ParentRemover remover{support.available ? support.parent : std::string()};
  (void)remover;
  return support;
}

std::unique_ptr<TrialCgroup> TrialCgroup::create() {
  const CgroupSupport& s = cgroup_support();
  if (!s.available) return nullptr;
  for (int tries = 0; tries < 100; ++tries) {
    std::string path = fmt::format("{}/trial-{}", s.parent, g_next_trial.fetch_add(1));
    if (::mkdir(path.c_str(), 0755) == 0) {
      return std::unique_ptr<TrialCgroup>(new TrialCgroup(std::move(path)));
    }
    if (errno != EEXIST) return nullptr;
  }
  return nullptr;
}

TrialCgroup::~TrialCgroup() {
  if (populated()) {
    kill_all();
    wait_empty(1.0);
  }
  ::rmdir(path_.c_str());
}

bool TrialCgroup::add(pid_t pid) const {
  return write_text(path_ + "/cgroup.procs", std::to_string(pid)) == 0;
}

std::optional<CgroupCpu> TrialCgroup::cpu() const {
  auto text = read_text(path_ + "/cpu.stat");
  if (!text) return std::nullopt;
  auto user = keyed_value(*text, "user_usec");
  auto system = keyed_value(*text, "system_usec");
  if (!user || !system) return std::nullopt;
  return CgroupCpu{static_cast<double>(*user) / 1e6, static_cast<double>(*system) / 1e6};
}

bool TrialCgroup::populated() const {
  auto text = read_text(path_ + "/cgroup.events");
  if (!text) return false;
  return keyed_value(*text, "populated").value_or(0) != 0;
}

std::vector<pid_t> TrialCgroup::processes() const {
  std::vector<pid_t> pids;
  if (auto procs = read_text(path_ + "/cgroup.procs")) {
    std::istringstream in(*procs);
    for (pid_t pid = 0; in >> pid;) pids.push_back(pid);
  }
  return pids;
}

int TrialCgroup::kill_all() const {
  std::vector<pid_t> pids = processes();
  auto count = static_cast<int>(pids.size());
  if (count == 0) return 0;
  if (write_text(path_ + "/cgroup.kill", "1") == 0) return count;
  // Kernels before 5.14 have no cgroup.kill: one by one, until nothing is left (a process
  // may fork between the read and the kill).
  for (int round = 0; round < 20 && !pids.empty(); ++round) {
    for (pid_t pid : pids) ::kill(pid, SIGKILL);
    pids = processes();
  }
  return count;
}

bool TrialCgroup::wait_empty(double timeout_s) const {
  auto until = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                      std::chrono::duration<double>(timeout_s));
  while (populated()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

}  // namespace greentune::exec
