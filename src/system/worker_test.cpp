// Worker ids and whether the process behind one is still alive.
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "greentune/worker.hpp"

namespace greentune {
namespace {

std::string host_of(const std::string& id) { return id.substr(0, id.find('/')); }

// The id a process that has exited would have had on this host.
std::string dead_worker_id() {
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  ::waitpid(pid, nullptr, 0);
  const std::string& me = current_worker_id();
  return host_of(me) + "/" + std::to_string(pid) + me.substr(me.rfind('/'));
}

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
