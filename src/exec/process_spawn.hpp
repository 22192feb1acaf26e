// Spawning a trial program: posix_spawnp in a new process group, never a shell.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "greentune/result.hpp"

namespace greentune::exec {

// `base` (a NULL-terminated KEY=VALUE array, as environ) with `overrides` replacing the
// entries of the same name in place and the others appended in key order.
// kInvalidArgument for an override name that is empty or holds '=' (or a NUL byte).
Result<std::vector<std::string>> merged_environment(
    const char* const* base, const std::map<std::string, std::string>& overrides);

// What the child gets: argv (argv[0] relative to cwd when it contains a '/', else looked
// up in `path`), envp, cwd ("" = ours), stdin from /dev/null, stdout and stderr to the
// given descriptors (>= 3), no other descriptor of ours, default signal dispositions and
// an empty signal mask, and its own process group (pgid = pid), set before it runs.
struct SpawnRequest {
  std::vector<std::string> argv;
  std::vector<std::string> env;
  std::string cwd;
  int stdout_fd = -1;
  int stderr_fd = -1;
  // The child's PATH when it differs from ours (as Python's subprocess does, a PATH given
  // in the trial's env is where its program is looked up); nullopt = ours.
  std::optional<std::string> path;
};

// The file to execute for `name` (no '/') along `path`: the first entry holding an
// executable regular file of that name, a relative entry ("" = ".") taken relative to
// `cwd` as the child would see it.  ENOENT, or EACCES if only non-executable files
// matched.
Result<std::string> find_in_path(const std::string& name, std::string_view path,
                                 const std::string& cwd);

// The child's pid.  kInvalidArgument for bad input or a program that cannot be found or
// executed ("cannot run \"prog\": No such file or directory"), kIo for other failures.
Result<pid_t> spawn_in_own_group(const SpawnRequest& request);

}  // namespace greentune::exec
