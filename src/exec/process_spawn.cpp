#include "exec/process_spawn.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <string_view>
#include <system_error>

#include "exec/process_fd.hpp"

#if !defined(__GLIBC__) || __GLIBC__ < 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ < 34)
#error "the process layer needs glibc 2.34+ (posix_spawn_file_actions_addclosefrom_np)"
#endif

namespace greentune::exec {

namespace {

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

bool has_nul(const std::string& s) { return s.find('\0') != std::string::npos; }

// Validates what the kernel would silently truncate or misread.
Status check_request(const SpawnRequest& r) {
  if (r.argv.empty() || r.argv[0].empty()) {
    return make_error(ErrorCode::kInvalidArgument, "empty command");
  }
  for (const auto& a : r.argv) {
    if (has_nul(a)) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("argument of \"{}\" contains a NUL byte", r.argv[0].c_str()));
    }
  }
  if (!r.cwd.empty()) {
    struct stat st {};
    if (::stat(r.cwd.c_str(), &st) != 0) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("working directory \"{}\": {}", r.cwd, errno_text(errno)));
    }
    if (!S_ISDIR(st.st_mode)) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("working directory \"{}\": {}", r.cwd, errno_text(ENOTDIR)));
    }
  }
  return {};
}

// The errors of exec that mean "this program cannot be run" (a user's mistake).
bool is_usage_errno(int err) {
  return err == ENOENT || err == EACCES || err == ENOEXEC || err == ENOTDIR || err == ELOOP ||
         err == ENAMETOOLONG || err == EISDIR || err == EPERM;
}

// posix_spawn attributes and file actions, destroyed with the object.
class SpawnSetup {
 public:
  SpawnSetup() {
    ::posix_spawnattr_init(&attr_);
    ::posix_spawn_file_actions_init(&actions_);
  }
  ~SpawnSetup() {
    ::posix_spawn_file_actions_destroy(&actions_);
    ::posix_spawnattr_destroy(&attr_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  // Every call returns 0 or an errno value; the first failure wins.
  int configure(const SpawnRequest& r, int devnull_fd) {
    sigset_t empty;
    sigset_t all;
    sigemptyset(&empty);
    sigfillset(&all);
    int err = ::posix_spawnattr_setflags(
        &attr_, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    if (err == 0) err = ::posix_spawnattr_setpgroup(&attr_, 0);  // pgid = the child's pid
    if (err == 0) err = ::posix_spawnattr_setsigmask(&attr_, &empty);
    // Dispositions the orchestrator ignores (SIGPIPE, ...) would otherwise survive exec.
    if (err == 0) err = ::posix_spawnattr_setsigdefault(&attr_, &all);
    if (err == 0 && !r.cwd.empty()) {
      err = ::posix_spawn_file_actions_addchdir_np(&actions_, r.cwd.c_str());
    }
    if (err == 0) err = ::posix_spawn_file_actions_adddup2(&actions_, devnull_fd, 0);
    if (err == 0) err = ::posix_spawn_file_actions_adddup2(&actions_, r.stdout_fd, 1);
    if (err == 0) err = ::posix_spawn_file_actions_adddup2(&actions_, r.stderr_fd, 2);
    // Belt and braces beside O_CLOEXEC: descriptors that other code of the orchestrator
    // (libraries) opened without it must not leak into the trial either.
    if (err == 0) err = ::posix_spawn_file_actions_addclosefrom_np(&actions_, 3);
    return err;
  }

  const posix_spawnattr_t* attr() const { return &attr_; }
  const posix_spawn_file_actions_t* actions() const { return &actions_; }

 private:
  posix_spawnattr_t attr_;
  posix_spawn_file_actions_t actions_;
};

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

Result<std::vector<std::string>> merged_environment(
    const char* const* base, const std::map<std::string, std::string>& overrides) {
  for (const auto& [key, value] : overrides) {
    if (key.empty() || key.find('=') != std::string::npos || has_nul(key) || has_nul(value)) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("bad environment variable name \"{}\"", key.c_str()));
    }
  }
  std::vector<std::string> env;
  std::map<std::string_view, bool> used;  // override keys already placed
  for (const char* const* e = base; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    std::string key(entry.substr(0, entry.find('=')));
    auto o = overrides.find(key);
    if (o == overrides.end()) {
      env.emplace_back(entry);
    } else if (!used[o->first]) {
      env.push_back(key + "=" + o->second);
      used[o->first] = true;
    }  // a duplicate of an overridden key is dropped
  }
  for (const auto& [key, value] : overrides) {
    if (!used[key]) env.push_back(key + "=" + value);
  }
  return env;
}

Result<std::string> find_in_path(const std::string& name, std::string_view path,
                                 const std::string& cwd) {
  int err = ENOENT;
  for (size_t start = 0; start <= path.size();) {
    size_t end = std::min(path.find(':', start), path.size());
    std::string_view entry = path.substr(start, end - start);
    std::string_view dir = entry.empty() ? std::string_view(".") : entry;
    start = end + 1;
    // fmt rather than operator+: GCC 12 at -O2 warns falsely (-Wrestrict) on the latter.
    std::string seen = (dir[0] == '/' || cwd.empty()) ? fmt::format("{}/{}", dir, name)
                                                      : fmt::format("{}/{}/{}", cwd, dir, name);
    struct stat st {};
    if (::stat(seen.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (::access(seen.c_str(), X_OK) == 0) return seen;
    err = EACCES;
  }
  return make_error(ErrorCode::kInvalidArgument,
                    fmt::format("cannot run \"{}\": {}", name, errno_text(err)));
}

Result<pid_t> spawn_in_own_group(const SpawnRequest& r) {
  if (auto ok = check_request(r); !ok) return tl::unexpected(ok.error());
  UniqueFd devnull = above_stdio(UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC)));
  if (!devnull.valid()) {
    return make_error(ErrorCode::kIo, fmt::format("cannot open /dev/null: {}", errno_text(errno)));
  }
  std::string program = r.argv[0];
  bool search = program.find('/') == std::string::npos;
  if (search && r.path) {
    auto found = find_in_path(program, *r.path, r.cwd);
    if (!found) return tl::unexpected(found.error());
    program = *found;
    search = false;
  }
  SpawnSetup setup;
  int err = setup.configure(r, devnull.get());
  pid_t pid = -1;
  if (err == 0) {
    std::vector<char*> argv = c_strings(r.argv);
    std::vector<char*> envp = c_strings(r.env);
    // glibc runs the child with CLONE_VFORK and returns the exec (or file action) error
    // as the result, so a failed exec never looks like a started program.
    auto spawn = search ? ::posix_spawnp : ::posix_spawn;
    err = spawn(&pid, program.c_str(), setup.actions(), setup.attr(), argv.data(), envp.data());
  }
  if (err != 0) {
    return make_error(is_usage_errno(err) ? ErrorCode::kInvalidArgument : ErrorCode::kIo,
                      fmt::format("cannot run \"{}\": {}", r.argv[0], errno_text(err)));
  }
  return pid;
}

}  // namespace greentune::exec
