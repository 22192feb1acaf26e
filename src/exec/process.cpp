// The local implementation of TrialProcess.
//
// Lifecycle: start() opens the logs and pipes, starts the output pump, then spawns the
// program as the leader of a new process group.  The leader's exit is first noticed
// without reaping it (waitid WNOWAIT): while it is a zombie, its pid cannot be reused,
// so signalling the group (-pid) cannot hit an unrelated process.  It is reaped (wait4,
// for the rusage) only when the pump has drained both pipes; after that no signal is
// ever sent.
#include "exec/process.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <system_error>
#include <thread>
#include <utility>

#include "exec/process_fd.hpp"
#include "exec/process_pump.hpp"
#include "exec/process_spawn.hpp"
#include "exec/process_tree.hpp"
#include "exec/trial_cgroup.hpp"

namespace greentune::exec {

namespace {

using SteadyClock = std::chrono::steady_clock;

// How long the pipes may stay open after the leader exited (a background child still
// holding them) before the group is killed.
constexpr auto kDrainAfterExit = std::chrono::seconds(2);
// After that kill: how long to wait for EOF before abandoning pipes that a process
// outside the group (setsid) still holds.
constexpr auto kDrainAfterKill = std::chrono::milliseconds(500);
// The destructor's wait for EOF after its SIGKILL.
constexpr auto kDrainInDestructor = std::chrono::seconds(1);
// wait()'s step while a deadline is pending.
constexpr auto kWaitStep = std::chrono::milliseconds(10);

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

Result<UniqueFd> open_log(const std::string& path) {
  if (path.empty()) return UniqueFd();
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid()) {
    return make_error(ErrorCode::kIo,
                      fmt::format("cannot create log file \"{}\": {}", path, errno_text(errno)));
  }
  return fd;
}

struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

// A close-on-exec pipe whose read end (ours) is non-blocking.  Only that end: the flag
// belongs to the open file description, and the program's writes must block when the
// pipe is full.
Result<Pipe> make_output_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return make_error(ErrorCode::kIo, fmt::format("cannot create a pipe: {}", errno_text(errno)));
  }
  Pipe p{UniqueFd(fds[0]), UniqueFd(fds[1])};
  p.read = above_stdio(std::move(p.read));
  p.write = above_stdio(std::move(p.write));
  if (!p.read.valid() || !p.write.valid() || ::fcntl(p.read.get(), F_SETFL, O_NONBLOCK) != 0) {
    return make_error(ErrorCode::kIo, fmt::format("cannot set up a pipe: {}", errno_text(errno)));
  }
  return p;
}

double seconds(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

ExitInfo exit_info_from(int status, const rusage& ru) {
  ExitInfo info;
  info.exited = WIFEXITED(status);
  info.exit_code = info.exited ? WEXITSTATUS(status) : 0;
  info.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  info.cpu_user_s = seconds(ru.ru_utime);
  info.cpu_system_s = seconds(ru.ru_stime);
  info.max_rss_bytes = static_cast<int64_t>(ru.ru_maxrss) * 1024;  // Linux reports KiB
  return info;
}

class LocalTrialProcess final : public TrialProcess {
 public:
  LocalTrialProcess(pid_t pid, std::unique_ptr<OutputPump> pump,
                    std::unique_ptr<TrialCgroup> cgroup)
      : pid_(pid), pump_(std::move(pump)), sampler_(pid), cgroup_(std::move(cgroup)) {}
  ~LocalTrialProcess() override;
  LocalTrialProcess(const LocalTrialProcess&) = delete;
  LocalTrialProcess& operator=(const LocalTrialProcess&) = delete;

  pid_t pid() const override { return pid_; }
  std::optional<ExitInfo> poll() override;
  ExitInfo wait() override;
  void stop(double grace_s) override;
  bool stopping() const override { return stopping_; }
  TreeSample sample() override;

 private:
  // kLost: someone else reaped the leader (the orchestrator ignores SIGCHLD, or calls
  // waitpid(-1)): its status is unknown and the group may no longer be signalled.
  enum class Leader { kRunning, kExited, kLost };

  void watch_leader(bool block);
  void enforce_deadlines(SteadyClock::time_point now);
  void finish();
  void signal_group(int sig);

  pid_t pid_;
  std::unique_ptr<OutputPump> pump_;
  ProcTreeSampler sampler_;
  // The trial's cgroup v2, where the machine allows one (trial_cgroup.hpp): its CPU
  // figures cover what the process group misses; it ends what the program left running.
  // Destroyed (killing what is left in it) after the destructor's own clean-up.
  std::unique_ptr<TrialCgroup> cgroup_;
  Leader leader_ = Leader::kRunning;
  SteadyClock::time_point leader_exit_at_;
  bool stopping_ = false;
  bool killed_ = false;  // the stop's SIGKILL was sent
  SteadyClock::time_point kill_at_;
  bool stragglers_killed_ = false;
  SteadyClock::time_point abandon_at_;
  std::optional<ExitInfo> exit_;  // set once the leader is reaped
  TreeSample last_sample_;
};

LocalTrialProcess::~LocalTrialProcess() {
  if (!exit_) {
    signal_group(SIGKILL);
    if (!pump_->wait_done(kDrainInDestructor)) pump_->abandon();
    if (leader_ != Leader::kLost) {
      while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
  }
  pump_.reset();  // joins the thread
}

void LocalTrialProcess::signal_group(int sig) {
  if (!exit_ && leader_ != Leader::kLost) ::kill(-pid_, sig);
}

// Notices the leader's exit without reaping it (see the file comment).
void LocalTrialProcess::watch_leader(bool block) {
  for (;;) {
    siginfo_t info{};
    int flags = WEXITED | WNOWAIT | (block ? 0 : WNOHANG);
    if (::waitid(P_PID, static_cast<id_t>(pid_), &info, flags) == 0) {
      if (info.si_pid == pid_) {
        leader_ = Leader::kExited;
        leader_exit_at_ = SteadyClock::now();
      }
      return;
    }
    if (errno == EINTR) continue;
    leader_ = Leader::kLost;
    leader_exit_at_ = SteadyClock::now();
    return;
  }
}

void LocalTrialProcess::enforce_deadlines(SteadyClock::time_point now) {
  if (stopping_ && !killed_ && now >= kill_at_) {
    signal_group(SIGKILL);
    killed_ = true;
  }
  if (leader_ == Leader::kRunning || pump_->done()) return;
  if (!stragglers_killed_ && now >= leader_exit_at_ + kDrainAfterExit) {
    signal_group(SIGKILL);
    stragglers_killed_ = true;
    abandon_at_ = now + kDrainAfterKill;
  } else if (stragglers_killed_ && now >= abandon_at_) {
    pump_->abandon();
  }
}

void LocalTrialProcess::finish() {
  ExitInfo info;  // kLost: "did not exit normally, signal unknown"
  if (leader_ == Leader::kExited) {
    int status = 0;
    rusage ru{};
    while (::wait4(pid_, &status, 0, &ru) < 0 && errno == EINTR) {
    }
    info = exit_info_from(status, ru);
  }
  info.stragglers_killed = stragglers_killed_;
  std::string note =
      stragglers_killed_ ? "\n[greentune: the program exited but processes it started kept its "
                           "output open; its process group was killed]\n"
                         : "";
  if (cgroup_) {
    // What is still in the cgroup outlived the program (a daemon it forked, a child that
    // left the process group): it ends with the trial, and its CPU time counts.
    info.leftovers_killed = cgroup_->kill_all();
    cgroup_->wait_empty(1.0);
    if (auto cpu = cgroup_->cpu()) {
      // The cgroup saw every process the trial ran; wait4 only those waited for.
      info.cpu_user_s = std::max(info.cpu_user_s, cpu->user_s);
      info.cpu_system_s = std::max(info.cpu_system_s, cpu->system_s);
      info.cpu_from_cgroup = true;
    }
    if (info.leftovers_killed > 0) {
      note += fmt::format(
          "\n[greentune: the program exited and left {} process{} running outside its output "
          "(a daemon, or a child in a session of its own); {} killed with the trial]\n",
          info.leftovers_killed, info.leftovers_killed == 1 ? "" : "es",
          info.leftovers_killed == 1 ? "it was" : "they were");
    }
  }
  exit_ = info;
  pump_->finish_with_stderr_note(note);
}

std::optional<ExitInfo> LocalTrialProcess::poll() {
  if (exit_) return exit_;
  if (leader_ == Leader::kRunning) watch_leader(false);
  enforce_deadlines(SteadyClock::now());
  if (leader_ == Leader::kRunning || !pump_->done()) return std::nullopt;
  finish();
  return exit_;
}

ExitInfo LocalTrialProcess::wait() {
  for (;;) {
    if (auto info = poll()) return *info;
    if (leader_ == Leader::kRunning && (!stopping_ || killed_)) {
      watch_leader(true);  // no deadline pending: block until it exits
    } else if (leader_ == Leader::kRunning) {
      std::this_thread::sleep_for(std::min<SteadyClock::duration>(
          kWaitStep, std::max<SteadyClock::duration>(kill_at_ - SteadyClock::now(), {})));
    } else {
      pump_->wait_done(kWaitStep);
    }
  }
}

void LocalTrialProcess::stop(double grace_s) {
  if (stopping_) return;
  stopping_ = true;
  if (exit_) return;
  // NaN counts as 0; a huge grace is capped (a day) to keep the clock arithmetic sane.
  double grace = std::isnan(grace_s) ? 0.0 : std::clamp(grace_s, 0.0, 86400.0);
  kill_at_ = SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(
                                      std::chrono::duration<double>(grace));
  signal_group(SIGTERM);
  signal_group(SIGCONT);  // a stopped (SIGSTOP) member would not see the SIGTERM until then
  if (grace <= 0) {
    signal_group(SIGKILL);
    killed_ = true;
  }
}

TreeSample LocalTrialProcess::sample() {
  // After the reap the pgid may belong to someone else: keep the last reading.
  if (exit_) return last_sample_;
  last_sample_ = sampler_.sample();
  if (cgroup_) {
    if (auto cpu = cgroup_->cpu()) {
      // Both figures only grow, and the cgroup's covers every process the trial ran (the
      // sampler's may hold a process forked before the move into the cgroup: see start).
      last_sample_.cpu_user_s = std::max(last_sample_.cpu_user_s, cpu->user_s);
      last_sample_.cpu_system_s = std::max(last_sample_.cpu_system_s, cpu->system_s);
    }
  }
  return last_sample_;
}

}  // namespace

Result<std::unique_ptr<TrialProcess>> TrialProcess::start(const LaunchSpec& spec) {
  if (spec.argv.empty() || spec.argv[0].empty()) {
    return make_error(ErrorCode::kInvalidArgument, "empty command");
  }
  auto env = merged_environment(environ, spec.env);
  if (!env) return tl::unexpected(env.error());
  auto out_log = open_log(spec.stdout_path);
  if (!out_log) return tl::unexpected(out_log.error());
  auto err_log = open_log(spec.stderr_path);
  if (!err_log) return tl::unexpected(err_log.error());
  auto out_pipe = make_output_pipe();
  if (!out_pipe) return tl::unexpected(out_pipe.error());
  auto err_pipe = make_output_pipe();
  if (!err_pipe) return tl::unexpected(err_pipe.error());

  SpawnRequest request{
      spec.argv,   std::move(*env), spec.cwd, out_pipe->write.get(), err_pipe->write.get(),
      std::nullopt};
  if (auto path = spec.env.find("PATH"); path != spec.env.end()) request.path = path->second;
  auto pump =
      OutputPump::start(std::move(out_pipe->read), std::move(err_pipe->read),
                        CappedLog(std::move(*out_log), spec.log_cap_bytes),
                        CappedLog(std::move(*err_log), spec.log_cap_bytes), spec.on_stdout_line);
  if (!pump) return tl::unexpected(pump.error());
  auto cgroup = TrialCgroup::create();
  auto pid = spawn_in_own_group(request);
  // Our copies of the write ends must go, or the pump would never see EOF.
  out_pipe->write.reset();
  err_pipe->write.reset();
  if (!pid) return tl::unexpected(pid.error());  // the pump sees EOF; its destructor joins
  // Into its cgroup at once.  glibc 2.36 cannot spawn into a cgroup (clone3's
  // CLONE_INTO_CGROUP came to posix_spawn in 2.39), so a child the program forks in its
  // first microseconds, before this move, would stay outside: the process group sampler
  // still counts it, and sample() takes the larger of the two figures.
  if (cgroup && !cgroup->add(*pid)) cgroup.reset();
  return std::unique_ptr<TrialProcess>(
      new LocalTrialProcess(*pid, std::move(*pump), std::move(cgroup)));
}

}  // namespace greentune::exec
