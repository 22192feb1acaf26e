#include "storage/url.hpp"

#include <gtest/gtest.h>

#include "greentune/storage.hpp"

namespace greentune::storage_detail {
namespace {

constexpr const char* kAccepted =
    "accepted forms: sqlite:///relative/path.db, sqlite:////absolute/path.db, "
    "postgresql://user:pass@host:port/db, memory:";

TEST(StorageUrlTest, MemoryUrl) {
  auto u = parse_storage_url("memory:");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->kind, StorageUrl::Kind::kMemory);
}

TEST(StorageUrlTest, SqliteRelativeAndAbsolutePaths) {
  auto rel = parse_storage_url("sqlite:///runs/study.db");
  ASSERT_TRUE(rel);
  EXPECT_EQ(rel->kind, StorageUrl::Kind::kSqlite);
  EXPECT_EQ(rel->location, "runs/study.db");
  auto abs = parse_storage_url("sqlite:////var/lib/greentune/study.db");
  ASSERT_TRUE(abs);
  EXPECT_EQ(abs->location, "/var/lib/greentune/study.db");
  auto def = parse_storage_url(kDefaultStorageUrl);
  ASSERT_TRUE(def);
  EXPECT_EQ(def->location, "./greentune.db");
}

TEST(StorageUrlTest, PostgresqlUrlIsParsedButNotAvailableYet) {
  auto u = parse_storage_url("postgresql://gt:secret@db.example:5432/greentune");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->kind, StorageUrl::Kind::kPostgresql);
  EXPECT_EQ(u->location, "postgresql://gt:secret@db.example:5432/greentune");
  auto opened = open_storage("postgresql://gt:secret@db.example:5432/greentune");
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(opened.error().message,
            "PostgreSQL storage is not available in this build yet; use sqlite:///path.db or "
            "memory:");
}

struct BadUrl {
  const char* url;
  const char* why;
};

class BadStorageUrlTest : public ::testing::TestWithParam<BadUrl> {};

TEST_P(BadStorageUrlTest, IsRefusedWithTheAcceptedForms) {
  const BadUrl& bad = GetParam();
  auto u = parse_storage_url(bad.url);
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(u.error().message,
            fmt::format("invalid storage URL \"{}\": {}; {}", bad.url, bad.why, kAccepted));
  auto opened = open_storage(bad.url);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().message, u.error().message);
}

constexpr const char* kSlashes =
    "a SQLite URL has three slashes before a relative path and four before an absolute one";

INSTANTIATE_TEST_SUITE_P(
    Cases, BadStorageUrlTest,
    ::testing::Values(BadUrl{"", "it is empty"}, BadUrl{"greentune.db", "unknown scheme"},
                      BadUrl{"mysql://h/db", "unknown scheme"}, BadUrl{"memory", "unknown scheme"},
                      BadUrl{"memory:x", "unknown scheme"}, BadUrl{"sqlite:", kSlashes},
                      BadUrl{"sqlite://", kSlashes}, BadUrl{"sqlite://host/db.sqlite", kSlashes},
                      BadUrl{"sqlite:///", "no database file is named"},
                      BadUrl{"sqlite:////tmp/", "no database file is named"},
                      BadUrl{"postgresql://", "no server or database is named"}));

}  // namespace
}  // namespace greentune::storage_detail
