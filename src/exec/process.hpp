// Running one trial program: spawn it in its own process group, pump its output into
// capped log files, stop it (SIGTERM to the group, a grace period, then SIGKILL), and
// know what it cost (CPU time of the whole tree, RSS, threads, I/O).
//
// Thread safety: a TrialProcess is used by one thread (the orchestrator's), except that
// its output pump runs on a thread of its own, internal to it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "greentune/result.hpp"

namespace greentune::exec {

struct LaunchSpec {
  // argv[0] is looked up in PATH (env's PATH if it sets one, as Python's subprocess
  // does); never a shell.
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;    // added to (and overriding) the inherited env
  std::string cwd;                           // "" = the orchestrator's cwd
  std::string stdout_path;                   // log files, created (truncated) at start;
  std::string stderr_path;                   // "" = read and drop that stream
  int64_t log_cap_bytes = 10 * 1024 * 1024;  // per stream; the rest is read and dropped
  // Called on the pump thread with each complete stdout line (without '\n'), in order,
  // including lines past the cap, and a final line without '\n'.  A line is cut at
  // 64 KiB (the rest of it is dropped).  May be empty.
  std::function<void(const std::string& line)> on_stdout_line;
};

// How the program ended.
struct ExitInfo {
  bool exited = false;  // exited normally (exit_code is valid)
  int exit_code = 0;
  int signal = 0;         // the signal that ended it, when !exited
  double cpu_user_s = 0;  // the whole tree, from wait4's rusage (as /usr/bin/time reports)
  double cpu_system_s = 0;
  int64_t max_rss_bytes = 0;
  // The leader exited but processes it left behind kept its output pipes open for 2 s,
  // so greentune SIGKILLed the process group (a note is appended to the stderr log).
  bool stragglers_killed = false;
  // The trial had a cgroup v2 of its own (trial_cgroup.hpp): the CPU figures above are
  // its cpu.stat where that saw more than wait4 (processes that were never waited for).
  bool cpu_from_cgroup = false;
  // Processes still in that cgroup after the leader exited and the output closed
  // (daemons, children in a session of their own): killed with the trial.
  int leftovers_killed = 0;
};

// One reading of the process tree (all live processes of the trial's process group plus
// the CPU time of the ones that already exited and were waited for).
struct TreeSample {
  double cpu_user_s = 0;  // cumulative, never decreasing between samples
  double cpu_system_s = 0;
  int64_t rss_bytes = 0;  // sum over live processes
  int64_t threads = 0;
  int64_t io_read_bytes = 0;  // cumulative (read_bytes of /proc/PID/io where readable)
  int64_t io_write_bytes = 0;
  int processes = 0;  // live ones (zombies count only for CPU and I/O)
  std::vector<int> pids;  // the live ones' pids (to find the GPUs they run on)
};

class TrialProcess {
 public:
  // Starts the program.  kInvalidArgument when argv is empty or the program cannot be
  // found/executed (the message names it), kIo for other failures.
  static Result<std::unique_ptr<TrialProcess>> start(const LaunchSpec& spec);
  virtual ~TrialProcess() = default;  // kills the group if still running, joins the pump

  virtual pid_t pid() const = 0;  // also the process group id

  // Non-blocking: the exit info once the program has exited (the process group leader
  // was reaped) and its output pipes are drained; nullopt while it runs.  Drives the
  // SIGKILL that follows a stop() once the grace period has passed.
  virtual std::optional<ExitInfo> poll() = 0;
  // Blocks until exit (with the same grace/kill handling as poll()).
  virtual ExitInfo wait() = 0;

  // SIGTERM to the whole process group now; SIGKILL to the group grace_s later if it
  // is still there.  Idempotent: a second call does not restart the grace period.
  virtual void stop(double grace_s) = 0;
  virtual bool stopping() const = 0;

  // Reads /proc for the process tree: one small read per process on the machine, one
  // more per process of the trial (about 1 ms with ~100 processes; see process_test).
  virtual TreeSample sample() = 0;
};

}  // namespace greentune::exec
