// The energy validation harness, CPU part: greentune's CPU-seconds of a trial against an
// independent count of the same work, on the workload shapes that usually lose time.
//   build/bench_energy_validation [--runs 5] [--scale 1.0]
// Each shape runs `runs` times through greentune's trial process (exec::TrialProcess, what
// the executor runs programs with: cgroup v2 where the machine allows, else the process
// group sampler and wait4), interleaved with as many runs under /usr/bin/time.  The
// reference is /usr/bin/time's user + system, plus what detached processes, which
// /usr/bin/time cannot see, report of themselves (time.process_time() at their end).
// Prints the medians, their ratio, and PASS where they agree within 2% (the issue's bar).
// GREENTUNE_NO_CGROUP=1 measures the fallback.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "exec/process.hpp"
#include "exec/trial_cgroup.hpp"
#include "testing/test_helpers.hpp"

namespace {

namespace fs = std::filesystem;
using greentune::testing::TempDir;

// Every script gets the path of its "mark" file as argv[1]: detached processes add their
// own CPU seconds to it (one line each), and the leader waits for what it needs there.
constexpr const char* kPrelude = R"(import os, sys, time
MARK = sys.argv[1]
SCALE = float(sys.argv[2])
def busy(s):
    t = time.process_time()
    while time.process_time() - t < s * SCALE: pass
def report_self():
    with open(MARK, 'a') as f: f.write('%f\n' % time.process_time())
def daemon(body):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            fd = os.open('/dev/null', os.O_RDWR)
            for i in (0, 1, 2): os.dup2(fd, i)
            body()
            report_self()
            os._exit(0)
        os._exit(0)
    os.wait()
def wait_lines(n):
    while True:
        try:
            with open(MARK) as f:
                if len(f.read().split()) >= n: return
        except FileNotFoundError: pass
        time.sleep(0.01)
)";

struct Shape {
  const char* name;
  const char* body;
};

const Shape kShapes[] = {
    {"single process", "busy(1.0)\n"},
    {"threads (2, GIL released)",
     "import hashlib, threading\n"
     "data = b'x' * (1 << 20)\n"
     "def work():\n"
     "    t = time.thread_time()\n"
     "    while time.thread_time() - t < 0.5 * SCALE: hashlib.sha256(data).digest()\n"
     "ts = [threading.Thread(target=work) for _ in range(2)]\n"
     "for t in ts: t.start()\n"
     "for t in ts: t.join()\n"},
    {"forked children (waited)",
     "kids = []\n"
     "for _ in range(2):\n"
     "    pid = os.fork()\n"
     "    if pid == 0:\n"
     "        busy(0.5); os._exit(0)\n"
     "    kids.append(pid)\n"
     "for k in kids: os.waitpid(k, 0)\n"},
    {"multiprocessing.Pool (with block)",
     "from multiprocessing import Pool\n"
     "with Pool(2) as p: p.map(busy, [0.25] * 4)\n"},
    {"children killed (SIGKILL)",
     "import signal\n"
     "kids = []\n"
     "for _ in range(2):\n"
     "    pid = os.fork()\n"
     "    if pid == 0:\n"
     "        while True: pass\n"
     "    kids.append(pid)\n"
     "t = time.time()\n"
     "while time.time() - t < 0.5 * SCALE: time.sleep(0.01)\n"
     "for k in kids: os.kill(k, signal.SIGKILL)\n"
     "for k in kids: os.waitpid(k, 0)\n"},
    {"daemon (setsid, never waited)",
     "daemon(lambda: busy(0.5))\n"
     "busy(0.2)\n"
     "wait_lines(1)\n"},
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n == 0 ? 0.0 : (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2);
}

// Sum of the numbers in the mark file (detached processes' own CPU seconds).
double self_reported(const std::string& mark) {
  std::ifstream in(mark);
  double sum = 0;
  for (double x = 0; in >> x;) sum += x;
  return sum;
}

double through_greentune(const std::string& script, const std::string& mark, double scale) {
  fs::remove(mark);
  greentune::exec::LaunchSpec spec;
  spec.argv = {"/usr/bin/python3", script, mark, fmt::format("{}", scale)};
  auto p = greentune::exec::TrialProcess::start(spec);
  if (!p) {
    std::fprintf(stderr, "cannot start: %s\n", p.error().message.c_str());
    std::exit(1);
  }
  greentune::exec::ExitInfo e = (*p)->wait();
  return e.cpu_user_s + e.cpu_system_s;
}

double through_time(const std::string& script, const std::string& mark, double scale,
                    const std::string& out) {
  fs::remove(mark);
  auto r = greentune::testing::run_command({"/usr/bin/time", "-f", "%U %S", "-o", out,
                                            "/usr/bin/python3", script, mark,
                                            fmt::format("{}", scale)});
  if (r.exit_code != 0) {
    std::fprintf(stderr, "/usr/bin/time failed: %s\n", r.err.c_str());
    std::exit(1);
  }
  std::ifstream in(out);
  double user = 0;
  double sys = 0;
  in >> user >> sys;
  // The daemon wrote its line before it exited, and the leader waited for the line.
  return user + sys + self_reported(mark);
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 5;
  double scale = 1.0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--runs") runs = std::max(1, std::atoi(argv[i + 1]));
    if (a == "--scale") scale = std::atof(argv[i + 1]);
  }
  if (::access("/usr/bin/time", X_OK) != 0) {
    std::fprintf(stderr, "needs /usr/bin/time (Debian: apt-get install time)\n");
    return 77;
  }
  const auto& cg = greentune::exec::cgroup_support();
  fmt::print("greentune CPU-seconds against /usr/bin/time (+ detached processes' own count)\n");
  fmt::print("counting: {}\n", cg.available ? "cgroup v2 per trial (" + cg.parent + ")"
                                            : "process group sampler + wait4 (" + cg.why_not + ")");
  fmt::print("{} interleaved runs per shape, medians\n\n", runs);
  fmt::print("{:<36} {:>11} {:>11} {:>8}  {}\n", "shape", "greentune s", "reference s", "ratio",
             "within 2%");
  TempDir dir;
  std::string mark = dir.file("mark");
  int failed = 0;
  for (const Shape& shape : kShapes) {
    std::string script = dir.file("workload.py");
    {
      std::ofstream(script) << kPrelude << shape.body;
    }
    std::vector<double> ours;
    std::vector<double> reference;
    for (int r = 0; r < runs; ++r) {
      ours.push_back(through_greentune(script, mark, scale));
      reference.push_back(through_time(script, mark, scale, dir.file("time.txt")));
    }
    double a = median(ours);
    double b = median(reference);
    double ratio = b > 0 ? a / b : 0;
    bool ok = std::abs(ratio - 1.0) <= 0.02;
    failed += ok ? 0 : 1;
    fmt::print("{:<36} {:>11.3f} {:>11.3f} {:>8.3f}  {}\n", shape.name, a, b, ratio,
               ok ? "PASS" : "FAIL");
  }
  return failed == 0 ? 0 : 1;
}
