// TrialProcess against real child processes: exit status, argv/env/cwd, capped logs,
// stdout lines, stop with grace, CPU accounting (checked against /usr/bin/time) and
// /proc sampling.  Programs are /bin/sh or python3 snippets.
#include "exec/process.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "exec/process_pump.hpp"
#include "exec/process_spawn.hpp"
#include "exec/process_tree.hpp"
#include "testing/test_helpers.hpp"

namespace greentune::exec {
namespace {

using greentune::testing::read_file;
using greentune::testing::TempDir;
using SteadyClock = std::chrono::steady_clock;

double seconds_since(SteadyClock::time_point t) {
  return std::chrono::duration<double>(SteadyClock::now() - t).count();
}

// The real interpreter rather than a pyenv-style shim script, whose start-up would add
// CPU time that varies from run to run.
std::string python() {
  return ::access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

// stdout lines as the pump delivers them (on its thread).
class Lines {
 public:
  std::function<void(const std::string&)> sink() {
    return [this](const std::string& line) {
      std::lock_guard lock(mutex_);
      lines_.push_back(line);
      cv_.notify_all();
    };
  }
  // Waits until some line equals `want`.
  bool wait_for(const std::string& want, double timeout_s = 10) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, std::chrono::duration<double>(timeout_s), [&] {
      return std::find(lines_.begin(), lines_.end(), want) != lines_.end();
    });
  }
  std::vector<std::string> get() {
    std::lock_guard lock(mutex_);
    return lines_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
};

class ProcessTest : public ::testing::Test {
 protected:
  LaunchSpec spec(std::vector<std::string> argv) {
    LaunchSpec s;
    s.argv = std::move(argv);
    s.stdout_path = dir_.file("stdout.log");
    s.stderr_path = dir_.file("stderr.log");
    s.on_stdout_line = lines_.sink();
    return s;
  }
  std::unique_ptr<TrialProcess> start(const LaunchSpec& s) {
    auto p = TrialProcess::start(s);
    EXPECT_TRUE(p.has_value()) << (p ? "" : p.error().message);
    return p ? std::move(*p) : nullptr;
  }
  std::unique_ptr<TrialProcess> start_sh(const std::string& script) {
    return start(spec({"/bin/sh", "-c", script}));
  }
  std::string out() { return read_file(dir_.file("stdout.log")); }
  std::string err() { return read_file(dir_.file("stderr.log")); }

  TempDir dir_;
  Lines lines_;
};

// Processes of the group that are not zombies.  (Killed members are reparented to
// PID 1, and a container's PID 1 may never reap them, so kill(-pgid, 0) can keep
// succeeding on zombies.)
int live_members(pid_t pgid) {
  int count = 0;
  DIR* dir = ::opendir("/proc");
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
    std::string text =
        greentune::testing::file_bytes_or_empty(std::string("/proc/") + e->d_name + "/stat");
    auto stat = parse_proc_stat(text);
    if (stat && stat->pgrp == pgid && stat->state != 'Z' && stat->state != 'X') ++count;
  }
  ::closedir(dir);
  return count;
}

// Waits until the group has no live process left; false after `timeout_s`.
bool group_gone(pid_t pgid, double timeout_s) {
  auto t0 = SteadyClock::now();
  for (;;) {
    if ((::kill(-pgid, 0) != 0 && errno == ESRCH) || live_members(pgid) == 0) return true;
    if (seconds_since(t0) > timeout_s) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

int64_t vm_rss_kib() {
  std::istringstream in(read_file("/proc/self/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

// ---- exit status ----

TEST_F(ProcessTest, PrintsAndExitsZero) {
  auto p = start_sh("echo hello; echo oops >&2");
  ASSERT_TRUE(p);
  EXPECT_GT(p->pid(), 0);
  ExitInfo info = p->wait();
  EXPECT_TRUE(info.exited);
  EXPECT_EQ(info.exit_code, 0);
  EXPECT_FALSE(info.stragglers_killed);
  EXPECT_EQ(out(), "hello\n");
  EXPECT_EQ(err(), "oops\n");
  EXPECT_EQ(lines_.get(), std::vector<std::string>{"hello"});
  // poll() after the end keeps answering the same.
  auto again = p->poll();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->exit_code, 0);
}

TEST_F(ProcessTest, ExitCodeThree) {
  auto p = start_sh("exit 3");
  ASSERT_TRUE(p);
  std::optional<ExitInfo> info;
  while (!(info = p->poll())) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_TRUE(info->exited);
  EXPECT_EQ(info->exit_code, 3);
  EXPECT_EQ(info->signal, 0);
}

TEST_F(ProcessTest, KilledBySignal) {
  auto p = start_sh("kill -USR1 $$");
  ASSERT_TRUE(p);
  ExitInfo info = p->wait();
  EXPECT_FALSE(info.exited);
  EXPECT_EQ(info.signal, SIGUSR1);
}

TEST_F(ProcessTest, ProgramNotFound) {
  auto p = TrialProcess::start(spec({"greentune-no-such-program", "x"}));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(p.error().message,
            "cannot run \"greentune-no-such-program\": No such file or directory");
}

TEST_F(ProcessTest, ProgramNotExecutable) {
  std::string path = dir_.file("script.sh");
  greentune::testing::write_file(path, "#!/bin/sh\necho hi\n");  // mode 0644
  auto p = TrialProcess::start(spec({path}));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(p.error().message, "cannot run \"" + path + "\": Permission denied");
}

TEST_F(ProcessTest, BadLaunchSpecs) {
  auto empty = TrialProcess::start(spec({}));
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, ErrorCode::kInvalidArgument);

  LaunchSpec bad_cwd = spec({"/bin/true"});
  bad_cwd.cwd = dir_.file("missing");
  auto cwd = TrialProcess::start(bad_cwd);
  ASSERT_FALSE(cwd);
  EXPECT_EQ(cwd.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(cwd.error().message.find("missing"), std::string::npos);

  LaunchSpec bad_env = spec({"/bin/true"});
  bad_env.env["A=B"] = "c";
  EXPECT_FALSE(TrialProcess::start(bad_env));

  LaunchSpec bad_log = spec({"/bin/true"});
  bad_log.stdout_path = dir_.file("no/such/dir/out.log");
  auto log = TrialProcess::start(bad_log);
  ASSERT_FALSE(log);
  EXPECT_EQ(log.error().code, ErrorCode::kIo);
}

// ---- what the program gets ----

TEST_F(ProcessTest, ArgvArrivesIntact) {
  std::vector<std::string> args = {"a b", "it's \"quoted\"", ";rm -rf /", "$(x)", "`id`", "", "*",
                                   "\\n", "tab\there",       "ünï"};
  std::vector<std::string> argv = {python(), "-c",
                                   "import sys,json; print(json.dumps(sys.argv[1:]))"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto p = start(spec(argv));
  ASSERT_TRUE(p);
  ASSERT_EQ(p->wait().exit_code, 0) << err();
  auto lines = lines_.get();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(lines[0]).get<std::vector<std::string>>(), args);
}

TEST_F(ProcessTest, EnvAndCwdArrive) {
  TempDir work;
  LaunchSpec s = spec({"/bin/sh", "-c", "echo \"$GREENTUNE_X|$HOME|$(pwd -P)\"; echo \"$PATH\""});
  s.env["GREENTUNE_X"] = "v a;l";
  s.env["HOME"] = "/override";
  s.cwd = work.path().string();
  auto p = start(s);
  ASSERT_TRUE(p);
  ASSERT_EQ(p->wait().exit_code, 0) << err();
  auto lines = lines_.get();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "v a;l|/override|" + std::filesystem::canonical(work.path()).string());
  EXPECT_EQ(lines[1], ::getenv("PATH"));  // the rest is inherited
}

TEST_F(ProcessTest, ProgramIsLookedUpInTheTrialsPath) {
  TempDir bin;
  std::string tool = (bin.path() / "greentune-test-tool").string();
  greentune::testing::write_file(tool, "#!/bin/sh\necho \"tool $1\"\n");
  std::filesystem::permissions(tool, std::filesystem::perms::owner_all);
  LaunchSpec s = spec({"greentune-test-tool", "a b"});
  s.env["PATH"] = "/nonexistent:" + bin.path().string() + ":/usr/bin:/bin";
  auto p = start(s);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->wait().exit_code, 0) << err();
  EXPECT_EQ(lines_.get(), std::vector<std::string>{"tool a b"});

  s.env["PATH"] = "/nonexistent";
  auto missing = TrialProcess::start(s);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message,
            "cannot run \"greentune-test-tool\": No such file or directory");
}

TEST_F(ProcessTest, ChildGetsOnlyStdioAndOwnGroup) {
  int leaky = ::open("/dev/null", O_RDONLY);  // deliberately without O_CLOEXEC
  ASSERT_GE(leaky, 0);
  auto p = start(spec({"sleep", "100"}));
  ::close(leaky);
  ASSERT_TRUE(p);
  // The program's dynamic loader opens (and closes) files of its own at first: a
  // leaked descriptor is the one that stays.
  std::string fd_dir = "/proc/" + std::to_string(p->pid()) + "/fd";
  std::vector<std::string> fds;
  for (int attempt = 0; attempt < 100; ++attempt) {
    fds.clear();
    for (const auto& e : std::filesystem::directory_iterator(fd_dir)) {
      fds.push_back(e.path().filename().string());
    }
    std::sort(fds.begin(), fds.end());
    if (fds.size() == 3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(fds, (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EQ(std::filesystem::read_symlink(fd_dir + "/0"), "/dev/null");
  EXPECT_EQ(std::filesystem::read_symlink(fd_dir + "/1").string().rfind("pipe:", 0), 0u);
  auto stat = parse_proc_stat(read_file("/proc/" + std::to_string(p->pid()) + "/stat"));
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->pgrp, p->pid());  // leads its own process group
  p->stop(0);
  EXPECT_FALSE(p->wait().exited);
}

// ---- output ----

TEST_F(ProcessTest, StdoutLinesInOrderWithUnterminatedLast) {
  auto p = start(spec({"/usr/bin/printf", "one\\ntwo\\n\\nthree"}));
  ASSERT_TRUE(p);
  ASSERT_EQ(p->wait().exit_code, 0);
  EXPECT_EQ(lines_.get(), (std::vector<std::string>{"one", "two", "", "three"}));
  EXPECT_EQ(out(), "one\ntwo\n\nthree");
}

TEST_F(ProcessTest, ManyLinesKeepTheirOrder) {
  auto p = start(spec({"/usr/bin/seq", "1", "20000"}));
  ASSERT_TRUE(p);
  ASSERT_EQ(p->wait().exit_code, 0);
  auto lines = lines_.get();
  ASSERT_EQ(lines.size(), 20000u);
  for (size_t i = 0; i < lines.size(); ++i) ASSERT_EQ(lines[i], std::to_string(i + 1));
}

TEST_F(ProcessTest, HugeOutputIsCappedWithFlatMemory) {
  constexpr int64_t kCap = 1 << 20;
  const std::string note =
      "\n[greentune: log capped at 1048576 bytes; the remaining output was discarded]\n";
  int64_t rss_before = vm_rss_kib();
  // 100 MB on one line, then a short line; 100 MB on stderr too.
  LaunchSpec s = spec({"/bin/sh", "-c",
                       "head -c 100000000 /dev/zero | tr '\\0' x; echo; echo done; "
                       "head -c 100000000 /dev/zero >&2"});
  s.log_cap_bytes = kCap;
  auto p = start(s);
  ASSERT_TRUE(p);
  ExitInfo info = p->wait();
  int64_t rss_after = vm_rss_kib();
  EXPECT_EQ(info.exit_code, 0);
  std::string stdout_log = out();
  ASSERT_EQ(static_cast<int64_t>(stdout_log.size()), kCap + static_cast<int64_t>(note.size()));
  EXPECT_EQ(stdout_log.substr(kCap), note);
  EXPECT_EQ(stdout_log.find_first_not_of('x'), static_cast<size_t>(kCap));
  EXPECT_EQ(static_cast<int64_t>(err().size()), kCap + static_cast<int64_t>(note.size()));
  auto lines = lines_.get();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], std::string(kMaxLineBytes, 'x'));  // cut at 64 KiB
  EXPECT_EQ(lines[1], "done");
  EXPECT_LT(rss_after - rss_before, 4 * 1024) << "KiB of RSS grew";
}

TEST_F(ProcessTest, OutputOfExactlyTheCapHasNoNote) {
  LaunchSpec s = spec({"/usr/bin/printf", "12345"});
  s.log_cap_bytes = 5;
  auto p = start(s);
  ASSERT_TRUE(p);
  p->wait();
  EXPECT_EQ(out(), "12345");
}

TEST(LineSplitterTest, CutsLongLinesAndKeepsGoing) {
  std::vector<std::string> got;
  LineSplitter split([&](const std::string& l) { got.push_back(l); });
  std::string long_line(kMaxLineBytes + 100, 'a');
  split.feed(long_line.data(), 1000);
  split.feed(long_line.data() + 1000, long_line.size() - 1000);
  split.feed("\nb\nc", 4);
  split.finish();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].size(), kMaxLineBytes);
  EXPECT_EQ(got[1], "b");
  EXPECT_EQ(got[2], "c");
}

// ---- stopping ----

TEST_F(ProcessTest, StopKillsAProgramIgnoringTermWithItsChildren) {
  auto p = start_sh("trap '' TERM; sleep 100 & sleep 100 & echo started; wait; echo never");
  ASSERT_TRUE(p);
  ASSERT_TRUE(lines_.wait_for("started"));
  pid_t pgid = p->pid();
  EXPECT_GE(p->sample().processes, 3);  // sh and two sleeps
  auto t0 = SteadyClock::now();
  p->stop(1.0);
  EXPECT_TRUE(p->stopping());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  p->stop(30.0);  // idempotent: the grace period is not restarted
  std::optional<ExitInfo> info;
  while (!(info = p->poll())) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  double elapsed = seconds_since(t0);
  EXPECT_GE(elapsed, 0.95);
  EXPECT_LT(elapsed, 2.0);
  EXPECT_FALSE(info->exited);
  EXPECT_EQ(info->signal, SIGKILL);
  EXPECT_TRUE(group_gone(pgid, 2.0 - seconds_since(t0))) << "the background sleep survived";
}

TEST_F(ProcessTest, StopLetsAProgramExitCleanly) {
  // (Python rather than sh: a shell's background child could catch the SIGTERM while
  // it is still a copy of the shell with the trap, and then run on.)
  auto p = start(spec({python(), "-c",
                       "import signal, sys, time\n"
                       "def bye(*_): print('bye'); sys.exit(0)\n"
                       "signal.signal(signal.SIGTERM, bye)\n"
                       "print('ready', flush=True)\n"
                       "time.sleep(100)\n"}));
  ASSERT_TRUE(p);
  ASSERT_TRUE(lines_.wait_for("ready"));
  auto t0 = SteadyClock::now();
  p->stop(5.0);
  ExitInfo info = p->wait();
  EXPECT_LT(seconds_since(t0), 2.0);
  EXPECT_TRUE(info.exited);
  EXPECT_EQ(info.exit_code, 0);
  EXPECT_EQ(lines_.get().back(), "bye");
}

TEST_F(ProcessTest, StopWithZeroGraceKillsAtOnce) {
  auto p = start_sh("trap '' TERM; echo started; sleep 100");
  ASSERT_TRUE(p);
  ASSERT_TRUE(lines_.wait_for("started"));
  auto t0 = SteadyClock::now();
  p->stop(0);
  ExitInfo info = p->wait();
  EXPECT_LT(seconds_since(t0), 1.0);
  EXPECT_EQ(info.signal, SIGKILL);
}

TEST_F(ProcessTest, StragglerHoldingTheOutputIsKilledAfterTheLeaderExits) {
  auto p = start_sh("sleep 100 & echo leader done; exit 4");
  ASSERT_TRUE(p);
  pid_t pgid = p->pid();
  auto t0 = SteadyClock::now();
  ExitInfo info = p->wait();
  double elapsed = seconds_since(t0);
  EXPECT_GT(elapsed, 1.8);
  EXPECT_LT(elapsed, 3.5);
  EXPECT_TRUE(info.exited);
  EXPECT_EQ(info.exit_code, 4);
  EXPECT_TRUE(info.stragglers_killed);
  EXPECT_NE(err().find("its process group was killed"), std::string::npos);
  EXPECT_TRUE(group_gone(pgid, 1.0));
}

TEST_F(ProcessTest, EscapedProcessHoldingTheOutputDoesNotHangUs) {
  // The sleep leaves the group (new session) and keeps stdout open for 30 s.
  auto p = start(spec({python(), "-c",
                       "import subprocess; "
                       "p = subprocess.Popen(['sleep', '30'], start_new_session=True); "
                       "print(p.pid, flush=True)"}));
  ASSERT_TRUE(p);
  auto t0 = SteadyClock::now();
  ExitInfo info = p->wait();
  EXPECT_LT(seconds_since(t0), 4.0);
  EXPECT_EQ(info.exit_code, 0);
  EXPECT_TRUE(info.stragglers_killed);
  auto lines = lines_.get();
  ASSERT_EQ(lines.size(), 1u);
  ::kill(std::stoi(lines[0]), SIGKILL);
}

TEST_F(ProcessTest, DestructorKillsTheGroup) {
  pid_t pgid = 0;
  {
    auto p = start_sh("trap '' TERM; sleep 100 & echo started; sleep 100");
    ASSERT_TRUE(p);
    ASSERT_TRUE(lines_.wait_for("started"));
    pgid = p->pid();
  }
  EXPECT_TRUE(group_gone(pgid, 1.0));
}

// ---- CPU time and sampling ----

// Busy until this process has used `s` CPU seconds: the CPU time is then the same
// whoever measures it and however loaded the machine is.
std::string busy(double s) {
  return "import time\nwhile time.process_time() < " + std::to_string(s) + ": pass\n";
}

// Two children burn 0.6 s each while the leader waits for them; then the leader burns
// 0.3 s itself, so the last samples see a tree whose children were waited for.
std::vector<std::string> cpu_program() {
  std::string script =
      "import subprocess, sys\n"
      "kids = [subprocess.Popen([sys.executable, '-c', " +
      nlohmann::json(busy(0.6)).dump() +
      "]) for _ in range(2)]\n"
      "for k in kids: k.wait()\n" +
      busy(0.3);
  return {python(), "-c", script};
}

// user + system CPU seconds of the program as /usr/bin/time reports them, or from our
// own RUSAGE_CHILDREN around a plain fork/exec/wait when /usr/bin/time is missing.
double reference_cpu_seconds(const std::vector<std::string>& argv, const TempDir& dir) {
  if (::access("/usr/bin/time", X_OK) == 0) {
    std::vector<std::string> cmd = {"/usr/bin/time", "-f", "%U %S", "-o", dir.file("time.txt")};
    cmd.insert(cmd.end(), argv.begin(), argv.end());
    EXPECT_EQ(greentune::testing::run_command(cmd).exit_code, 0);
    std::istringstream in(read_file(dir.file("time.txt")));
    double user = 0;
    double sys = 0;
    in >> user >> sys;
    return user + sys;
  }
  rusage before{};
  rusage after{};
  ::getrusage(RUSAGE_CHILDREN, &before);
  EXPECT_EQ(greentune::testing::run_command(argv).exit_code, 0);
  ::getrusage(RUSAGE_CHILDREN, &after);
  auto s = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; };
  return s(after.ru_utime) + s(after.ru_stime) - s(before.ru_utime) - s(before.ru_stime);
}

TEST_F(ProcessTest, CpuSecondsMatchTimeAndSamplesApproachThem) {
  auto p = start(spec(cpu_program()));
  ASSERT_TRUE(p);
  TreeSample last;
  int max_processes = 0;
  int64_t max_rss = 0;
  std::optional<ExitInfo> info;
  while (!(info = p->poll())) {
    TreeSample s = p->sample();
    ASSERT_GE(s.cpu_user_s, last.cpu_user_s);
    ASSERT_GE(s.cpu_system_s, last.cpu_system_s);
    ASSERT_GE(s.io_read_bytes, last.io_read_bytes);
    ASSERT_GE(s.io_write_bytes, last.io_write_bytes);
    // (A process that is exiting can show an RSS of 0 for a moment.)
    max_rss = std::max(max_rss, s.rss_bytes);
    EXPECT_GE(s.threads, s.processes);
    max_processes = std::max(max_processes, s.processes);
    last = s;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(info->exited) << err();
  EXPECT_EQ(info->exit_code, 0) << err();
  EXPECT_GT(info->max_rss_bytes, 1 << 20);
  EXPECT_EQ(max_processes, 3);
  EXPECT_GT(max_rss, 3 << 20);  // three Python interpreters
  double ours = info->cpu_user_s + info->cpu_system_s;
  double sampled = last.cpu_user_s + last.cpu_system_s;
  EXPECT_GT(ours, 1.5);
  EXPECT_NEAR(sampled, ours, 0.05 * ours);
  double reference = reference_cpu_seconds(cpu_program(), dir_);
  EXPECT_NEAR(ours, reference, 0.02 * reference);
  std::printf("[ cpu      ] wait4 %.3f s, /usr/bin/time %.3f s, last sample %.3f s\n", ours,
              reference, sampled);
}

TEST_F(ProcessTest, SampleIsCheap) {
  auto p = start_sh("for i in 1 2 3 4 5 6 7 8 9; do sleep 100 & done; echo ready; wait");
  ASSERT_TRUE(p);
  ASSERT_TRUE(lines_.wait_for("ready"));
  EXPECT_EQ(p->sample().processes, 10);
  constexpr int kRounds = 200;
  auto t0 = SteadyClock::now();
  for (int i = 0; i < kRounds; ++i) p->sample();
  double per_sample_ms = seconds_since(t0) * 1000 / kRounds;
  std::printf("[ sample   ] %.3f ms per sample() with 10 processes in the group\n", per_sample_ms);
  RecordProperty("sample_ms", std::to_string(per_sample_ms));
  EXPECT_LT(per_sample_ms, 10.0);
  p->stop(0);
  p->wait();
}

// ---- the private pieces ----

TEST(ProcStatTest, ParsesCommWithSpacesAndParens) {
  std::string line =
      "4242 (we (ird) ) name)) S 17 4242 4242 0 -1 4194304 100 0 0 0 150 25 7 3 20 0 5 0 "
      "123456 1000000 321 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
  auto s = parse_proc_stat(line);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->pid, 4242);
  EXPECT_EQ(s->state, 'S');
  EXPECT_EQ(s->ppid, 17);
  EXPECT_EQ(s->pgrp, 4242);
  EXPECT_EQ(s->utime, 150);
  EXPECT_EQ(s->stime, 25);
  EXPECT_EQ(s->cutime, 7);
  EXPECT_EQ(s->cstime, 3);
  EXPECT_EQ(s->threads, 5);
  EXPECT_EQ(s->starttime, 123456u);
  EXPECT_EQ(s->rss_pages, 321);
  EXPECT_FALSE(parse_proc_stat("4242 (short) S 1 2"));
  EXPECT_FALSE(parse_proc_stat("garbage"));
}

TEST(MergedEnvironmentTest, OverridesInPlaceAndAppends) {
  const char* base[] = {"A=1", "B=2", "C=3", nullptr};
  auto env = merged_environment(base, {{"B", "two"}, {"D", "4"}});
  ASSERT_TRUE(env);
  EXPECT_EQ(*env, (std::vector<std::string>{"A=1", "B=two", "C=3", "D=4"}));
  EXPECT_FALSE(merged_environment(base, {{"", "x"}}));
}

}  // namespace
}  // namespace greentune::exec
