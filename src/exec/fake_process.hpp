// Fake trial processes, for tests of what runs programs (the process executor), as
// ninja's FakeCommandRunner is for its builder.  No program runs: each fake follows a
// script of what happens how long after its launch on a Clock (a testing::FakeClock), so
// timeouts, grace periods, interrupts and concurrency are tested without sleeping.
//
// A fake does what the trial protocol lets a program do: print stdout and stderr lines
// (to the log files its LaunchSpec names, which it creates at launch as the real one
// does; stdout lines also to spec.on_stdout_line), append to the report file named by
// GREENTUNE_REPORT_FILE in spec.env, use CPU and memory (what sample() returns), exit
// with a code or die by a signal, and honour or ignore SIGTERM.  Not modelled: the log
// cap, process groups and children, what /proc shows (see process_test.cpp, which runs
// real programs).
//
// Thread safety: none.  Launches, polls and the script's actions all happen on the
// thread that polls (the orchestrator's); on_stdout_line is called on it too.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "exec/process.hpp"
#include "exec/process_launcher.hpp"
#include "greentune/clock.hpp"
#include "greentune/result.hpp"

namespace greentune::exec {

// What a fake program does, written as a script:
//
//   FakeProgram().report(R"({"step": 1, "metrics": {"loss": 0.5}})")
//                .at(2.0).print("done").exit(0);
//
// at(t) says when the actions written after it happen: t seconds after the launch on
// the clock (0 until the first at()).  The actions that are due happen, in the order
// written, at each poll() and sample() of the process; the first exit() or die() ends
// it, and nothing after that happens.  A program whose script never ends it runs until
// it is stopped.
class FakeProgram {
 public:
  FakeProgram& at(double seconds_after_launch);
  FakeProgram& print(std::string line);         // a stdout line ('\n' added)
  FakeProgram& print_error(std::string line);   // a stderr line ('\n' added)
  FakeProgram& report(std::string json_line);   // appended to the report file, '\n' added
  FakeProgram& write_report(std::string text);  // appended as is (e.g. half a line)
  // Its process tree from now on, as sample() returns it (CPU time cumulative).  Its
  // CPU times and the largest RSS given are also the exit's (wait4's) figures.
  FakeProgram& use(TreeSample tree);
  FakeProgram& call(std::function<void()> action);  // anything else: set a flag, ...
  FakeProgram& exit(int code);
  FakeProgram& die(int signal);  // ends as killed by `signal`

  // What it does when stop() sends SIGTERM.  By default it dies of it: it ends killed by
  // SIGTERM at the next poll.
  FakeProgram& ignore_sigterm();           // then the SIGKILL after the grace period ends it
  FakeProgram& exit_on_sigterm(int code);  // as `trap 'exit CODE' TERM`: at the next poll

 private:
  friend class FakeProcess;
  enum class Kind { kPrint, kPrintError, kWriteReport, kUse, kCall, kExit, kDie };
  struct Action {
    double at = 0;
    Kind kind = Kind::kPrint;
    std::string text;
    TreeSample tree;
    std::function<void()> call;
    int code = 0;  // exit code, or signal
  };
  enum class OnSigterm { kDie, kIgnore, kExit };

  FakeProgram& add(Action action);

  double at_ = 0;
  std::vector<Action> actions_;
  OnSigterm on_sigterm_ = OnSigterm::kDie;
  int sigterm_exit_code_ = 0;
};

// What became of one launch, for tests to check.  Times are clock.monotonic().
struct FakeLaunch {
  LaunchSpec spec;
  double launched_at = 0;
  std::optional<double> stopped_at;  // stop()'s first call
  double grace_s = 0;                // what that call asked for
  std::optional<double> ended_at;    // the poll() that first saw it end
  std::optional<ExitInfo> exit;      // how it ended, once ended_at is set
};

class FakeProcessLauncher final : public ProcessLauncher {
 public:
  // `script` gives the program of each launch: `n` counts the launches (0 first), and
  // `spec` is what the executor asked for.
  using Script = std::function<FakeProgram(const LaunchSpec& spec, int n)>;
  // REQUIRES: `clock` outlives the launcher, which outlives every process it launched.
  FakeProcessLauncher(Clock& clock, Script script);
  // Every launch runs `program`.
  FakeProcessLauncher(Clock& clock, FakeProgram program);

  // kInvalidArgument for an empty argv, kIo when a log file cannot be created (as the
  // real launcher); otherwise a process running the script's program.
  Result<std::unique_ptr<TrialProcess>> launch(const LaunchSpec& spec) override;

  // Every successful launch so far, in order.  References stay valid.
  const std::deque<FakeLaunch>& launches() const { return launches_; }
  // Processes running now (launched, neither seen to end nor destroyed), and the most
  // that ever were at once.
  int running() const { return running_; }
  int most_running() const { return most_running_; }

 private:
  friend class FakeProcess;

  Clock& clock_;
  Script script_;
  std::deque<FakeLaunch> launches_;
  int running_ = 0;
  int most_running_ = 0;
};

}  // namespace greentune::exec
