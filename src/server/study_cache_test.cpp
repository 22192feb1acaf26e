// StudyCache on a real SQLite file: one read per change, shared by every request.
#include "server/study_cache.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "server/server_test_helpers.hpp"

namespace greentune::server {
namespace {

class StudyCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto storage = open_storage(url_);
    ASSERT_TRUE(storage);
    storage_ = std::move(*storage);
    study_id_ = testing::write_study(*storage_, "s", 5);
    auto reader = open_storage(url_);  // the dashboard's own connection
    ASSERT_TRUE(reader);
    reader_ = std::move(*reader);
  }
  void add_trial(int number) { testing::add_trial(*storage_, study_id_, number, 1.8e9); }

  greentune::testing::TempDir dir_;
  std::string url_ = "sqlite:///" + dir_.file("cache.db");
  std::unique_ptr<Storage> storage_;
  std::unique_ptr<Storage> reader_;
  int64_t study_id_ = -1;
};

TEST_F(StudyCacheTest, ReadsAStudyOncePerChange) {
  StudyCache cache(*reader_, {.refresh_factor = 0.0});
  auto first = cache.study("s");
  ASSERT_TRUE(first);
  EXPECT_EQ((*first)->data().trials.size(), 5u);
  auto again = cache.study("s");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->get(), first->get());  // unchanged: the same read
  const auto version = cache.version();
  add_trial(5);
  EXPECT_NE(cache.version().value(), version.value());
  auto changed = cache.study("s");
  ASSERT_TRUE(changed);
  EXPECT_NE(changed->get(), first->get());
  EXPECT_EQ((*changed)->data().trials.size(), 6u);
  EXPECT_EQ((*first)->data().trials.size(), 5u);  // a reply still sending it keeps it whole
}

TEST_F(StudyCacheTest, ManyRequestsAfterAChangeShareOneRead) {
  StudyCache cache(*reader_, {.refresh_factor = 0.0});
  ASSERT_TRUE(cache.study("s"));
  add_trial(5);
  std::vector<const LoadedStudy*> seen(16);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < seen.size(); ++i) {
    threads.emplace_back([&, i] {
      auto s = cache.study("s");
      seen[i] = s ? s->get() : nullptr;
      if (s) (void)(*s)->view_body();  // built once, by whichever thread comes first
    });
  }
  for (auto& t : threads) t.join();
  for (const LoadedStudy* s : seen) EXPECT_EQ(s, seen[0]);
  ASSERT_NE(seen[0], nullptr);
  EXPECT_EQ(seen[0]->data().trials.size(), 6u);
}

TEST_F(StudyCacheTest, ThrottlesRereadsOfAStudyThatChangesOften) {
  // A read "costs" 1e9 times its duration, up to an hour: a change is not read back yet.
  StudyCache cache(*reader_, {.refresh_factor = 1e9, .max_refresh_s = 3600});
  auto first = cache.study("s");
  ASSERT_TRUE(first);
  add_trial(5);
  auto throttled = cache.study("s");
  ASSERT_TRUE(throttled);
  EXPECT_EQ(throttled->get(), first->get());
}

TEST_F(StudyCacheTest, UnknownStudiesAreNotFound) {
  StudyCache cache(*reader_);
  auto none = cache.study("missing");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kNotFound);
  auto body = cache.studies_body();
  ASSERT_TRUE(body);
  auto list = nlohmann::json::parse(*body)["studies"];
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["name"], "s");
  EXPECT_EQ(list[0]["n_trials"], 5);
}

TEST_F(StudyCacheTest, WarmUpReadsEveryStudyAndStopsWhenAsked) {
  StudyCache cache(*reader_);
  std::atomic<bool> stop{true};
  cache.warm_up(stop);  // asked to stop before it started: reads nothing, returns
  stop = false;
  cache.warm_up(stop);
  auto s = cache.study("s");
  ASSERT_TRUE(s);
  EXPECT_FALSE((*s)->view_body().empty());
}

}  // namespace
}  // namespace greentune::server
