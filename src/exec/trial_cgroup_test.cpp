// The trial's cgroup v2 against real programs that hide their work from wait4: a daemon
// that leaves the process group, a child killed and never waited for, a daemon that
// outlives the program.  Skipped (saying why) where this machine gives no cgroup v2.
#include "exec/trial_cgroup.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>

#include "exec/process.hpp"
#include "exec/process_tree.hpp"
#include "testing/test_helpers.hpp"

namespace greentune::exec {
namespace {

using greentune::testing::read_file;
using greentune::testing::TempDir;

std::string python() {
  return ::access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

// Double fork + setsid, standard streams on /dev/null: the classic daemon, out of the
// trial's process group and output, reparented to init when its parent exits.
constexpr const char* kDaemonize =
    "import os, sys, time\n"
    "def daemon(body):\n"
    "    if os.fork() == 0:\n"
    "        os.setsid()\n"
    "        if os.fork() == 0:\n"
    "            fd = os.open('/dev/null', os.O_RDWR)\n"
    "            for i in (0, 1, 2): os.dup2(fd, i)\n"
    "            body()\n"
    "            os._exit(0)\n"
    "        os._exit(0)\n"
    "    os.wait()\n"
    "def put(path, text):\n"
    "    with open(path + '.tmp', 'w') as f: f.write(text)\n"
    "    os.rename(path + '.tmp', path)\n"
    "def wait_for(path):\n"
    "    while not os.path.exists(path): time.sleep(0.01)\n";

class TrialCgroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!cgroup_support().available) {
      GTEST_SKIP() << "no cgroup v2 for trials here: " << cgroup_support().why_not;
    }
  }
  ExitInfo run(const std::string& script) {
    LaunchSpec s;
    s.argv = {python(), "-c", std::string(kDaemonize) + script, dir_.file("mark")};
    s.stdout_path = dir_.file("stdout.log");
    s.stderr_path = dir_.file("stderr.log");
    auto p = TrialProcess::start(s);
    EXPECT_TRUE(p) << (p ? "" : p.error().message);
    if (!p) return {};
    return (*p)->wait();
  }
  std::string err() { return read_file(dir_.file("stderr.log")); }
  TempDir dir_;
};

TEST_F(TrialCgroupTest, CountsADaemonThatLeftTheGroupAndWasNeverWaitedFor) {
  ExitInfo info = run(
      "def work():\n"
      "    t = time.process_time()\n"
      "    while time.process_time() - t < 0.5: pass\n"
      "    put(sys.argv[1], str(time.process_time()))\n"
      "daemon(work)\n"
      "wait_for(sys.argv[1])\n");
  ASSERT_TRUE(info.exited) << err();
  ASSERT_EQ(info.exit_code, 0) << err();
  double daemon_s = std::stod(read_file(dir_.file("mark")));
  double total = info.cpu_user_s + info.cpu_system_s;
  EXPECT_TRUE(info.cpu_from_cgroup);
  // wait4 sees the leader and the intermediate child only (well under 0.5 s of Python).
  EXPECT_GE(total, daemon_s) << "the daemon's " << daemon_s << " s were not counted";
  std::printf("[ cgroup   ] daemon %.3f s by its own count, trial %.3f s\n", daemon_s, total);
}

TEST_F(TrialCgroupTest, CountsAChildKilledAndNeverWaitedFor) {
  ExitInfo info = run(
      "pid = os.fork()\n"
      "if pid == 0:\n"
      "    while True:\n"  // spins, saying every 10 ms how much CPU it has had
      "        t = time.process_time()\n"
      "        while time.process_time() - t < 0.01: pass\n"
      "        put(sys.argv[1], str(time.process_time()))\n"
      "t = time.time()\n"
      "while time.time() - t < 0.6: time.sleep(0.01)\n"
      "os.kill(pid, 9)\n"
      "os._exit(0)\n");  // no wait: the killed child's time never reaches our rusage
  ASSERT_TRUE(info.exited) << err();
  double child_s = std::stod(read_file(dir_.file("mark")));
  double total = info.cpu_user_s + info.cpu_system_s;
  EXPECT_TRUE(info.cpu_from_cgroup);
  EXPECT_GT(child_s, 0.05);
  EXPECT_GE(total, child_s) << "the killed child's " << child_s << " s were not counted";
}

TEST_F(TrialCgroupTest, EndsADaemonThatOutlivesTheProgram) {
  ExitInfo info = run(
      "def linger():\n"
      "    put(sys.argv[1], str(os.getpid()))\n"
      "    while True: time.sleep(0.05)\n"
      "daemon(linger)\n"
      "wait_for(sys.argv[1])\n");
  ASSERT_TRUE(info.exited) << err();
  EXPECT_EQ(info.leftovers_killed, 1);
  EXPECT_NE(err().find("left 1 process running"), std::string::npos) << err();
  pid_t daemon = std::stoi(read_file(dir_.file("mark")));
  // Gone, or a zombie that this container's init has not reaped yet.
  auto stat = parse_proc_stat(greentune::testing::file_bytes_or_empty(
      "/proc/" + std::to_string(daemon) + "/stat"));
  EXPECT_TRUE(!stat || stat->state == 'Z' || stat->state == 'X')
      << "the daemon " << daemon << " still runs";
}

TEST_F(TrialCgroupTest, ItsDirectoryGoesWithIt) {
  std::string path;
  {
    auto cgroup = TrialCgroup::create();
    ASSERT_TRUE(cgroup);
    path = cgroup->path();
    EXPECT_TRUE(std::filesystem::is_directory(path));
    auto cpu = cgroup->cpu();
    ASSERT_TRUE(cpu);
    EXPECT_EQ(cpu->user_s + cpu->system_s, 0.0);
    EXPECT_FALSE(cgroup->populated());
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(CgroupSupport, SaysWhyNotWhenUnavailable) {
  const CgroupSupport& s = cgroup_support();
  if (s.available) {
    EXPECT_FALSE(s.parent.empty());
    EXPECT_NE(s.parent.find("/greentune-" + std::to_string(::getpid())), std::string::npos);
  } else {
    EXPECT_FALSE(s.why_not.empty());
  }
}

}  // namespace
}  // namespace greentune::exec
