// Trials left RUNNING by dead orchestrators are queued again; live ones are left alone.
#include <gtest/gtest.h>

#include "greentune/orchestrator.hpp"
#include "greentune/storage.hpp"
#include "greentune/worker.hpp"
#include "system/dead_worker.hpp"
#include "testing/test_helpers.hpp"

namespace greentune {
namespace {

using testing::dead_worker_id;
using testing::host_of;

class RequeueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage_ = std::move(*open_storage("memory:"));
    StudyRecord r;
    r.name = "s";
    r.space = {{"x", {{"type", "float"}, {"low", 0.0}, {"high", 1.0}}}};
    r.sampler = {{"name", "random"}, {"seed", 1}};
    study_.emplace(std::move(*Study::create(*storage_, r, clock_.now())));
  }
  TrialState state_of(int64_t number) { return (*study_->trials())[number].state; }

  testing::FakeClock clock_;
  std::unique_ptr<Storage> storage_;
  std::optional<Study> study_;
};

TEST_F(RequeueTest, DeadLocalWorkerIsRequeuedAtOnce) {
  ASSERT_TRUE(study_->ask(clock_.now(), dead_worker_id()));
  EXPECT_EQ(*requeue_stale_trials(*study_, clock_.now(), 60), 1);
  EXPECT_EQ(state_of(0), TrialState::kWaiting);
}

TEST_F(RequeueTest, LiveWorkerAndOutsideLoopsAreLeftAlone) {
  ASSERT_TRUE(study_->ask(clock_.now(), current_worker_id()));
  ASSERT_TRUE(study_->ask(clock_.now(), ""));
  clock_.advance(3600);
  EXPECT_EQ(*requeue_stale_trials(*study_, clock_.now(), 60), 0);
  EXPECT_EQ(state_of(0), TrialState::kRunning);
  EXPECT_EQ(state_of(1), TrialState::kRunning);
}

TEST_F(RequeueTest, RemoteWorkerIsRequeuedOnlyOnceItsHeartbeatIsStale) {
  ASSERT_TRUE(study_->ask(clock_.now(), "far-away-host/42/abc-7"));
  clock_.advance(59);
  EXPECT_EQ(*requeue_stale_trials(*study_, clock_.now(), 60), 0);
  ASSERT_TRUE(storage_->heartbeat((*study_->trials())[0].id, clock_.now()));
  clock_.advance(59);
  EXPECT_EQ(*requeue_stale_trials(*study_, clock_.now(), 60), 0);
  clock_.advance(2);
  EXPECT_EQ(*requeue_stale_trials(*study_, clock_.now(), 60), 1);
}

}  // namespace
}  // namespace greentune
