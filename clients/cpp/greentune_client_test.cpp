// The header-only C++ reporter (clients/cpp/greentune_client.hpp), called in process: what it
// writes must be what parse_report_line reads.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "exec/report_stream.hpp"
#include "greentune_client.hpp"
#include "testing/test_helpers.hpp"

namespace greentune::exec {
namespace {

namespace gt = ::greentune::client;
using ::greentune::testing::TempDir;

constexpr const char* kVars[] = {"GREENTUNE_PARAMS",         "GREENTUNE_REPORT_FILE",
                                 "GREENTUNE_CHECKPOINT_DIR", "GREENTUNE_TRIAL",
                                 "GREENTUNE_PARAM_lr",       "GREENTUNE_PARAM_BATCH_SIZE"};

class ClientHeaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : kVars) ::unsetenv(name);
    report_file_ = dir_.file("report.jsonl");
  }
  void TearDown() override {
    for (const char* name : kVars) ::unsetenv(name);
  }

  std::vector<std::string> lines() const {
    std::istringstream in(greentune::testing::read_file(report_file_));
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }

  TempDir dir_;
  std::string report_file_;
};

ReportRecord parsed(const std::string& line) {
  ParsedLine p = parse_report_line(line);
  EXPECT_TRUE(p.warnings.empty()) << line << ": " << p.warnings[0];
  EXPECT_TRUE(p.record.has_value()) << line;
  return p.record.value_or(ReportRecord{});
}

TEST_F(ClientHeaderTest, ReportAndFinalLinesParse) {
  ::setenv("GREENTUNE_REPORT_FILE", report_file_.c_str(), 1);
  EXPECT_TRUE(gt::report(0, {{"train_loss", 0.5}, {"val_loss", 0.3}}));
  EXPECT_TRUE(gt::report(1, {{"val_loss", 1.0 / 3.0}}));
  EXPECT_TRUE(gt::final_metrics({{"val_loss", 0.25}}));
  std::vector<std::string> l = lines();
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l[0], R"({"step": 0, "metrics": {"train_loss": 0.5, "val_loss": 0.3}})");
  ReportRecord second = parsed(l[1]);
  EXPECT_EQ(second.step, 1);
  EXPECT_EQ(second.metrics.at("val_loss"), 1.0 / 3.0);  // exact round trip
  ReportRecord last = parsed(l[2]);
  EXPECT_EQ(last.kind, ReportRecord::Kind::kFinal);
  EXPECT_EQ(last.metrics.at("val_loss"), 0.25);
}

TEST_F(ClientHeaderTest, NanInfinityAndExtremeValuesSurvive) {
  ::setenv("GREENTUNE_REPORT_FILE", report_file_.c_str(), 1);
  double nan = std::numeric_limits<double>::quiet_NaN();
  double inf = std::numeric_limits<double>::infinity();
  double tiny = std::numeric_limits<double>::denorm_min();
  double big = std::numeric_limits<double>::max();
  ASSERT_TRUE(gt::report(
      7,
      {{"loss", nan}, {"grad", inf}, {"low", -inf}, {"tiny", tiny}, {"big", -big}, {"zero", 0.0}}));
  std::vector<std::string> l = lines();
  ASSERT_EQ(l.size(), 1u);
  EXPECT_NE(l[0].find(R"("loss": NaN, "grad": Infinity, "low": -Infinity)"), std::string::npos)
      << l[0];
  ReportRecord r = parsed(l[0]);
  EXPECT_TRUE(std::isnan(r.metrics.at("loss")));
  EXPECT_EQ(r.metrics.at("grad"), inf);
  EXPECT_EQ(r.metrics.at("low"), -inf);
  EXPECT_EQ(r.metrics.at("tiny"), tiny);
  EXPECT_EQ(r.metrics.at("big"), -big);
  EXPECT_EQ(r.metrics.at("zero"), 0.0);
}

TEST_F(ClientHeaderTest, NamesAreEscaped) {
  ::setenv("GREENTUNE_REPORT_FILE", report_file_.c_str(), 1);
  std::string odd = "a\"b\\c\nd\x01 \xc3\xa9";  // quote, backslash, newline, control, é
  ASSERT_TRUE(gt::final_metrics({{odd, 1.5}}));
  std::vector<std::string> l = lines();
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(parsed(l[0]).metrics.at(odd), 1.5);
}

TEST_F(ClientHeaderTest, NegativeStepIsRefusedAndWritesNothing) {
  ::setenv("GREENTUNE_REPORT_FILE", report_file_.c_str(), 1);
  EXPECT_FALSE(gt::report(-1, {{"loss", 1}}));
  EXPECT_FALSE(std::filesystem::exists(report_file_));
}

TEST_F(ClientHeaderTest, UnwritableReportFileIsFalse) {
  std::string path = dir_.file("missing-dir/report.jsonl");
  ::setenv("GREENTUNE_REPORT_FILE", path.c_str(), 1);
  EXPECT_FALSE(gt::report(0, {{"loss", 1}}));
}

TEST_F(ClientHeaderTest, WithoutReportFileLinesGoToStdout) {
  ::testing::internal::CaptureStdout();
  EXPECT_TRUE(gt::report(2, {{"loss", 0.125}}));
  EXPECT_EQ(::testing::internal::GetCapturedStdout(),
            "{\"step\": 2, \"metrics\": {\"loss\": 0.125}}\n");
}

TEST_F(ClientHeaderTest, ParamsAndTrialNumber) {
  EXPECT_EQ(gt::params_json(), "{}");
  EXPECT_EQ(gt::param("lr", "0.01"), "0.01");
  EXPECT_EQ(gt::trial_number(), std::nullopt);
  ::setenv("GREENTUNE_PARAMS", R"({"lr": 0.1, "batch_size": 32})", 1);
  ::setenv("GREENTUNE_PARAM_lr", "0.1", 1);
  ::setenv("GREENTUNE_PARAM_BATCH_SIZE", "32", 1);
  ::setenv("GREENTUNE_TRIAL", "4", 1);
  EXPECT_EQ(gt::params_json(), R"({"lr": 0.1, "batch_size": 32})");
  EXPECT_EQ(gt::param("lr"), "0.1");
  EXPECT_EQ(gt::param("batch_size"), "32");
  EXPECT_EQ(gt::param("momentum"), "");
  EXPECT_EQ(gt::trial_number(), 4);
}

TEST_F(ClientHeaderTest, CheckpointDirIsCreated) {
  std::string path = dir_.file("ckpt/trial-1");
  ::setenv("GREENTUNE_CHECKPOINT_DIR", path.c_str(), 1);
  EXPECT_EQ(gt::checkpoint_dir(), path);
  EXPECT_TRUE(std::filesystem::is_directory(path));
}

TEST_F(ClientHeaderTest, SigtermSetsTheStopFlag) {
  ASSERT_TRUE(gt::install_stop_handler());
  EXPECT_FALSE(gt::should_stop());
  ASSERT_EQ(::raise(SIGTERM), 0);  // the handler has run when raise returns
  EXPECT_TRUE(gt::should_stop());
  // Back to the default, so that the test binary can be stopped as usual.
  ::signal(SIGTERM, SIG_DFL);
  gt::detail::stop_requested = 0;
}

}  // namespace
}  // namespace greentune::exec
