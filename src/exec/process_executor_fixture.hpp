// The fixture of the process executor's tests, shared by those that run real programs
// (process_executor_test.cpp) and those on fake processes and a fake clock
// (process_executor_fake_test.cpp): a study in memory run by the real orchestrator.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "exec/fake_process.hpp"
#include "greentune/orchestrator.hpp"
#include "greentune/process_executor.hpp"
#include "greentune/storage.hpp"
#include "testing/test_helpers.hpp"

namespace greentune {

class ProcessExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage_ = std::move(*open_storage("memory:"));
    StudyRecord r = testing::unit_study_record("p");
    study_.emplace(std::move(*Study::create(*storage_, r, 0.0)));
  }

  // Runs `max_trials` trials of `command` (run by /bin/sh -c SCRIPT, or argv as given).
  Result<TuneResult> run(std::vector<std::string> command, int64_t max_trials = 1,
                         ProcessExecutorOptions o = {}) {
    o.command = std::move(command);
    TuneOptions t;
    t.completion.max_trials = max_trials;
    return tune(std::move(o), std::move(t));
  }
  // Runs `max_trials` trials on the fake processes of `launcher`, with clock_ for the
  // executor and the orchestrator alike: nothing sleeps for real.  An hour of the clock at
  // most (max_wall_s, unless `t` sets it): a trial the executor fails to stop makes its
  // test fail rather than hang.
  Result<TuneResult> run_fake(exec::FakeProcessLauncher& launcher, int64_t max_trials = 1,
                              ProcessExecutorOptions o = {}, TuneOptions t = {}) {
    if (o.command.empty()) o.command = {"train", "--x={x}"};
    o.launcher = &launcher;
    o.clock = &clock_;
    t.clock = &clock_;
    t.completion.max_trials = max_trials;
    if (!t.completion.max_wall_s) t.completion.max_wall_s = 3600;
    return tune(std::move(o), std::move(t));
  }
  // The study "p" with `o`'s command; a grace of 1 s unless `o` sets one, the metric
  // "loss", a poll every 10 ms unless `t` sets another, and interrupted_ as the
  // interrupt flag.
  Result<TuneResult> tune(ProcessExecutorOptions o, TuneOptions t) {
    o.study = "p";
    o.runs_dir = dir_.file("runs");
    o.grace_s = o.grace_s == 30.0 ? 1.0 : o.grace_s;
    auto executor = make_process_executor(o);
    EXPECT_TRUE(executor) << executor.error().message;
    if (!executor) return tl::unexpected(executor.error());
    t.metric = "loss";
    t.poll_interval_s =
        t.poll_interval_s == TuneOptions{}.poll_interval_s ? 0.01 : t.poll_interval_s;
    t.interrupted = &interrupted_;
    return run_study(*study_, **executor, t);
  }
  // The script goes to a file: its braces must not be taken for {param} placeholders.
  std::vector<std::string> sh(const std::string& script) {
    std::string path = dir_.file("script-" + std::to_string(scripts_++) + ".sh");
    testing::write_file(path, script);
    return {"/bin/sh", path};
  }
  Trial trial(int64_t n) { return (*study_->trials())[static_cast<size_t>(n)]; }
  std::vector<Event> events_of(const Trial& t, const std::string& kind) {
    std::vector<Event> out;
    auto events = storage_->events(study_->id());
    for (auto& e : *events) {
      if (e.trial_id == t.id && e.kind == kind) out.push_back(e);
    }
    return out;
  }
  std::string run_file(int64_t n, const std::string& name) {
    return dir_.file("runs") + "/p/trial-" + std::to_string(n) + "/" + name;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  std::unique_ptr<Storage> storage_;
  std::optional<Study> study_;
  std::atomic<bool> interrupted_{false};
  int scripts_ = 0;
};

}  // namespace greentune
