// What only the SQLite backend promises: durability, schema versioning, WAL, many
// connections at once, and refusing files that are not its databases.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <set>
#include <thread>

#include "greentune/storage.hpp"
#include "storage/storage_test_helpers.hpp"
#include "testing/test_helpers.hpp"

namespace greentune {
namespace {

using storage_test::fixed;
using storage_test::make_study;
using storage_test::ok;

constexpr double kNow = 1.7e9;

std::string url_of(const std::string& path) { return "sqlite:///" + path; }

// Runs one statement on the file with the raw C API and returns the first column of
// the first row as text ("" if none).
std::string raw_query(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string out;
  if (sqlite3_open(path.c_str(), &db) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0)) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return out;
}

class SqliteStorageTest : public ::testing::Test {
 protected:
  std::unique_ptr<Storage> open() { return ok(open_storage(url_of(path_))); }

  greentune::testing::TempDir dir_;
  std::string path_ = dir_.file("greentune.db");
};

TEST_F(SqliteStorageTest, ReopeningTheFileKeepsEverything) {
  int64_t trial_id = 0;
  {
    auto storage = open();
    auto study = ok(storage->create_study(make_study("kept")));
    ok(storage->set_study_stopped(study.id, "max_trials", kNow));
    Trial t = ok(storage->create_trial(study.id, {TrialState::kRunning, kNow},
                                       fixed({{"eta", 0.1}, {"depth", int64_t{4}}})));
    trial_id = t.id;
    ok(storage->add_intermediate(t.id, "loss", 1, 0.5, kNow));
    ok(storage->finish_trial(t.id, TrialState::kComplete, 0.9, kNow + 1));
    ok(storage->set_trial_energy(t.id, {"cpu", 3.0, "model"}));
    ok(storage->add_event({-1, study.id, t.id, kNow, "trial_failed", "error", "x", {{"a", 1}}}));
  }
  auto storage = open();
  auto study = ok(storage->find_study("kept"));
  ASSERT_TRUE(study.has_value());
  EXPECT_EQ(study->stopped_because, "max_trials");
  auto trials = ok(storage->trials(study->id));
  ASSERT_EQ(trials.size(), 1u);
  EXPECT_EQ(trials[0].id, trial_id);
  EXPECT_EQ(trials[0].state, TrialState::kComplete);
  EXPECT_EQ(trials[0].value, 0.9);
  EXPECT_EQ(trials[0].params.at("eta"), ParamValue(0.1));
  EXPECT_EQ(trials[0].last("loss")->value, 0.5);
  EXPECT_EQ(ok(storage->trial_energy(trial_id)).size(), 1u);
  EXPECT_EQ(ok(storage->events(study->id)).at(0).data, nlohmann::json({{"a", 1}}));
  EXPECT_EQ(ok(storage->create_trial(study->id, {TrialState::kRunning, kNow}, fixed({}))).number, 1);
}

TEST_F(SqliteStorageTest, NewDatabaseHasSchemaVersionOneAndWal) {
  open();
  EXPECT_EQ(raw_query(path_, "SELECT version FROM schema_version"), "1");
  EXPECT_EQ(raw_query(path_, "SELECT COUNT(*) FROM schema_version"), "1");
  EXPECT_EQ(raw_query(path_, "PRAGMA journal_mode"), "wal");
}

TEST_F(SqliteStorageTest, ConnectionsInFourThreadsGetDistinctDenseNumbers) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 100;
  int64_t study_id = ok(open()->create_study(make_study("shared"))).id;
  std::vector<std::vector<int64_t>> numbers(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto storage = open();  // each thread its own connection
      if (!storage) return;
      for (int j = 0; j < kPerThread; ++j) {
        auto t = storage->create_trial(study_id, {TrialState::kRunning, kNow}, fixed({}));
        if (t) numbers[i].push_back(t->number);
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<int64_t> all;
  for (const auto& n : numbers) all.insert(n.begin(), n.end());
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(*all.begin(), 0);
  EXPECT_EQ(*all.rbegin(), kThreads * kPerThread - 1);
  EXPECT_EQ(ok(open()->trials(study_id)).size(), static_cast<size_t>(kThreads * kPerThread));
}

TEST_F(SqliteStorageTest, ConcurrentFirstOpensOfANewFileMigrateOnce) {
  std::vector<std::thread> threads;
  std::vector<int> opened(4);  // not vector<bool>: threads write it
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] { opened[i] = open_storage(url_of(path_)).has_value(); });
  }
  for (auto& t : threads) t.join();
  for (int o : opened) EXPECT_TRUE(o);
  EXPECT_EQ(raw_query(path_, "SELECT COUNT(*) FROM schema_version"), "1");
}

TEST_F(SqliteStorageTest, FileThatIsNotADatabaseIsRefused) {
  greentune::testing::write_file(path_, std::string(4096, 'x'));
  auto r = open_storage(url_of(path_));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kStorage);
  EXPECT_EQ(r.error().message, "cannot use \"" + path_ +
                                   "\" as greentune storage: it is not a SQLite database or "
                                   "cannot be read: file is not a database");
  EXPECT_EQ(greentune::testing::read_file(path_), std::string(4096, 'x'));
}

TEST_F(SqliteStorageTest, NewerSchemaVersionIsRefused) {
  open();
  raw_query(path_, "UPDATE schema_version SET version = 7");
  auto r = open_storage(url_of(path_));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kStorage);
  EXPECT_EQ(r.error().message,
            "cannot use \"" + path_ +
                "\" as greentune storage: its schema version is 7, but this greentune knows "
                "versions up to 1; use a newer greentune");
}

TEST_F(SqliteStorageTest, DatabaseOfAnotherProgramIsRefused) {
  raw_query(path_, "CREATE TABLE accounts (id INTEGER)");
  auto r = open_storage(url_of(path_));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kStorage);
  EXPECT_NE(r.error().message.find("another program"), std::string::npos) << r.error().message;
}

TEST_F(SqliteStorageTest, MissingDirectoryIsNotCreated) {
  const std::string path = dir_.file("no/such/dir/greentune.db");
  auto r = open_storage(url_of(path));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kStorage);
  EXPECT_EQ(r.error().message, "cannot open SQLite database \"" + path + "\": directory \"" +
                                   dir_.file("no/such/dir") +
                                   "\" does not exist (greentune does not create it)");
  EXPECT_FALSE(std::filesystem::exists(dir_.file("no")));
}

}  // namespace
}  // namespace greentune
