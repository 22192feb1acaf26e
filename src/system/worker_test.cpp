// Worker ids and whether the process behind one is still alive.
#include <gtest/gtest.h>

#include "greentune/worker.hpp"
#include "system/dead_worker.hpp"

namespace greentune {
namespace {

using testing::dead_worker_id;
using testing::host_of;

TEST(Worker, CurrentWorkerIsAlive) {
  EXPECT_EQ(worker_liveness(current_worker_id()), WorkerLiveness::kAlive);
  EXPECT_EQ(current_worker_id(), current_worker_id());
}

TEST(Worker, ExitedProcessIsDead) {
  EXPECT_EQ(worker_liveness(dead_worker_id()), WorkerLiveness::kDead);
}

TEST(Worker, ReusedPidWithAnotherStartTimeIsDead) {
  const std::string& me = current_worker_id();
  std::string other_start = me.substr(0, me.rfind('-') + 1) + "1";
  EXPECT_EQ(worker_liveness(other_start), WorkerLiveness::kDead);
}

TEST(Worker, OtherHostsAndForeignIdsAreUnknown) {
  EXPECT_EQ(worker_liveness("some-other-host/1/abc-1"), WorkerLiveness::kUnknown);
  EXPECT_EQ(worker_liveness(""), WorkerLiveness::kUnknown);
  EXPECT_EQ(worker_liveness("w"), WorkerLiveness::kUnknown);
}

}  // namespace
}  // namespace greentune
