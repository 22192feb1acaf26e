// A cgroup v2 per trial: the kernel's count of the CPU time of every process the trial
// ever ran, however it ended (exited, killed, orphaned and reaped by init, a daemon that
// left the process group with setsid), and a way to end all of them at once.
//
// The trial's cgroup is made under the orchestrator's own cgroup v2 directory
// (/proc/self/cgroup's "0::" line under the cgroup2 mount): greentune-<pid>/trial-<n>.
// cpu.stat is there in every cgroup v2, with no controller enabled, so nothing about
// resource control changes.  Where that directory is not writable (a non-root user outside
// a delegated systemd unit, a cgroup v1 only machine, a container without its cgroup
// mounted) there is no trial cgroup and the process group sampler's figures stand alone;
// `cgroup_support()` says which, for the `energy:` notes.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace greentune::exec {

struct CgroupSupport {
  bool available = false;
  std::string parent;   // the directory trials' cgroups go under, when available
  std::string why_not;  // otherwise: what was missing or refused
};

// Probed once per process (the first call), then the same answer.  GREENTUNE_NO_CGROUP=1
// in the environment turns it off (for tests of the fallback, and for a user who wants it).
const CgroupSupport& cgroup_support();

struct CgroupCpu {
  double user_s = 0;
  double system_s = 0;
};

class TrialCgroup {
 public:
  // A new, empty cgroup; nullptr when cgroups are not available or mkdir failed.
  static std::unique_ptr<TrialCgroup> create();
  // Ends whatever still runs in it (kill_all), waits up to 1 s for it to empty, removes it.
  ~TrialCgroup();
  TrialCgroup(const TrialCgroup&) = delete;
  TrialCgroup& operator=(const TrialCgroup&) = delete;

  const std::string& path() const { return path_; }
  // Moves a process (with the threads it has) into the cgroup; its later children are
  // born there.  False when the kernel refused (the process is gone, or permissions).
  bool add(pid_t pid) const;
  // cpu.stat's user_usec and system_usec: every process that ever ran in the cgroup.
  std::optional<CgroupCpu> cpu() const;
  // Whether any process is still in it (cgroup.events).
  bool populated() const;
  // SIGKILL to every process in it (cgroup.kill, or one by one from cgroup.procs on
  // kernels before 5.14).  Returns how many processes were there.
  int kill_all() const;
  // Waits (up to `timeout_s`) until no process is left in it.
  bool wait_empty(double timeout_s) const;

 private:
  explicit TrialCgroup(std::string path) : path_(std::move(path)) {}
  std::vector<pid_t> processes() const;  // cgroup.procs
  std::string path_;
};

}  // namespace greentune::exec
