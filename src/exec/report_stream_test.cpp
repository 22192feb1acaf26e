#include "exec/report_stream.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "testing/test_helpers.hpp"

namespace greentune::exec {
namespace {

using ::greentune::testing::TempDir;

void append(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::app | std::ios::binary);
  out << text;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The one warning of a line that yields no record.
std::string rejection(const std::string& line) {
  ParsedLine parsed = parse_report_line(line);
  EXPECT_FALSE(parsed.record.has_value()) << line;
  EXPECT_EQ(parsed.warnings.size(), 1u) << line;
  return parsed.warnings.empty() ? "" : parsed.warnings[0];
}

// ---------------------------------------------------------------------------------------
// parse_report_line

TEST(ParseReportLine, StepLine) {
  ParsedLine p = parse_report_line(R"({"step": 10, "metrics": {"val_loss": 0.31, "n": 3}})");
  ASSERT_TRUE(p.record);
  EXPECT_TRUE(p.warnings.empty());
  EXPECT_EQ(p.record->kind, ReportRecord::Kind::kStep);
  EXPECT_EQ(p.record->step, 10);
  EXPECT_EQ(p.record->metrics, (std::map<std::string, double>{{"val_loss", 0.31}, {"n", 3}}));
}

TEST(ParseReportLine, FinalLine) {
  ParsedLine p = parse_report_line(R"({"final": {"val_loss": 0.27}})");
  ASSERT_TRUE(p.record);
  EXPECT_TRUE(p.warnings.empty());
  EXPECT_EQ(p.record->kind, ReportRecord::Kind::kFinal);
  EXPECT_EQ(p.record->metrics.at("val_loss"), 0.27);
}

TEST(ParseReportLine, StepZeroIntegralFloatCrlfAndExtraKeysAreAccepted) {
  ParsedLine p = parse_report_line("{\"step\": 0, \"metrics\": {}, \"time\": 1.5}\r\n");
  ASSERT_TRUE(p.record);
  EXPECT_EQ(p.record->step, 0);
  EXPECT_TRUE(p.record->metrics.empty());
  p = parse_report_line(R"({"step": 3.0, "metrics": {"a": 1}})");
  ASSERT_TRUE(p.record);
  EXPECT_EQ(p.record->step, 3);
}

TEST(ParseReportLine, EmptyAndBlankLinesYieldNothing) {
  for (std::string line : {"", "   ", "\r", "\t \r\n"}) {
    ParsedLine p = parse_report_line(line);
    EXPECT_FALSE(p.record);
    EXPECT_TRUE(p.warnings.empty());
  }
}

TEST(ParseReportLine, BareNanAndInfinityAsPythonWritesThemAreKept) {
  // json.dumps({"step": 1, "metrics": {...}}) with float("nan") and float("inf").
  ParsedLine p = parse_report_line(
      R"({"step": 1, "metrics": {"loss": NaN, "grad": Infinity, "low": -Infinity, "ok": 1e-3}})");
  ASSERT_TRUE(p.record);
  EXPECT_TRUE(p.warnings.empty()) << p.warnings[0];
  EXPECT_TRUE(std::isnan(p.record->metrics.at("loss")));
  EXPECT_EQ(p.record->metrics.at("grad"), INFINITY);
  EXPECT_EQ(p.record->metrics.at("low"), -INFINITY);
  EXPECT_EQ(p.record->metrics.at("ok"), 1e-3);
}

TEST(ParseReportLine, NanAndInfinityStringsAndLowercaseTokensAreNumbers) {
  ParsedLine p = parse_report_line(
      R"({"final": {"a": "NaN", "b": "nan", "c": "Infinity", "d": "inf", "e": "-Infinity",)"
      R"( "f": "-inf", "g": nan, "h": -inf}})");
  ASSERT_TRUE(p.record);
  EXPECT_TRUE(p.warnings.empty());
  const auto& m = p.record->metrics;
  EXPECT_TRUE(std::isnan(m.at("a")) && std::isnan(m.at("b")) && std::isnan(m.at("g")));
  EXPECT_EQ(m.at("c"), INFINITY);
  EXPECT_EQ(m.at("d"), INFINITY);
  EXPECT_EQ(m.at("e"), -INFINITY);
  EXPECT_EQ(m.at("f"), -INFINITY);
  EXPECT_EQ(m.at("h"), -INFINITY);
}

TEST(ParseReportLine, NanInsideStringsIsLeftAlone) {
  // A key spelled NaN is a key; a string that merely contains NaN is not a number.
  ParsedLine p =
      parse_report_line(R"({"step": 2, "metrics": {"NaN": 1, "note": "NaN \" Infinity"}})");
  ASSERT_TRUE(p.record);
  EXPECT_EQ(p.record->metrics, (std::map<std::string, double>{{"NaN", 1}}));
  ASSERT_EQ(p.warnings.size(), 1u);
  EXPECT_TRUE(contains(p.warnings[0], R"(metric "note" is not a number)")) << p.warnings[0];
}

TEST(ParseReportLine, NonNumericMetricsAreDroppedWithAWarningOthersKept) {
  ParsedLine p = parse_report_line(
      R"({"step": 4, "metrics": {"acc": "high", "loss": 0.5, "done": true, "sub": {"x": 1},)"
      R"( "none": null}})");
  ASSERT_TRUE(p.record);
  EXPECT_EQ(p.record->metrics, (std::map<std::string, double>{{"loss", 0.5}}));
  ASSERT_EQ(p.warnings.size(), 4u);
  EXPECT_EQ(p.warnings[0],
            R"(metric "acc" is not a number: "high"; dropped (accepted: a number, NaN, )"
            R"(Infinity or -Infinity))");
  EXPECT_TRUE(contains(p.warnings[1], R"(metric "done" is not a number: true)"));
  EXPECT_TRUE(contains(p.warnings[2], R"(metric "none" is not a number: null)"));
  EXPECT_TRUE(contains(p.warnings[3], R"(metric "sub" is not a number: {"x":1})"));
}

TEST(ParseReportLine, GarbageIsRejectedNamingWhatIsAccepted) {
  const std::string accepted = R"(accepted: {"step": N, "metrics": {"name": number, ...}} or )";
  std::string w = rejection("epoch 3 loss 0.2");
  EXPECT_TRUE(w.starts_with("not valid JSON (")) << w;
  EXPECT_TRUE(contains(w, "\"epoch 3 loss 0.2\"")) << w;
  EXPECT_TRUE(contains(w, accepted)) << w;
  EXPECT_TRUE(rejection(R"({"step": 1, "metr)").starts_with("not valid JSON"));
  EXPECT_TRUE(
      rejection(R"({"final": {"a": 1e400}})").starts_with("not valid JSON (number overflow"));
  EXPECT_TRUE(rejection("[1, 2]").starts_with("not a JSON object: [1,2]; " + accepted));
  EXPECT_TRUE(rejection("0.5").starts_with("not a JSON object: 0.5"));
  EXPECT_TRUE(rejection(R"({"loss": 0.3})").starts_with(R"(has neither "step" nor "final")"));
  EXPECT_TRUE(rejection(R"({"step": 1, "final": {}})").starts_with("has both"));
  EXPECT_TRUE(rejection(R"({"final": 0.3})").starts_with(R"("final" is not an object: 0.3)"));
}

TEST(ParseReportLine, BadStepOrMetricsIsRejected) {
  for (std::string step : {"-1", "1.5", "\"3\"", "null", "NaN", "1e300"}) {
    std::string w = rejection(R"({"step": )" + step + R"(, "metrics": {"a": 1}})");
    EXPECT_TRUE(w.starts_with(R"("step" is not an integer >= 0: )")) << w;
  }
  EXPECT_TRUE(rejection(R"({"step": 1})").starts_with(R"("metrics" must be an object (it is)"));
  EXPECT_TRUE(rejection(R"({"step": 1, "metrics": [0.3]})")
                  .starts_with(R"("metrics" must be an object (got [0.3]))"));
}

TEST(ParseReportLine, WarningsArePrintableAndShortWhateverTheBytes) {
  std::string line = "\xff\xfe{\"step\": \x01" + std::string(100000, 'x');
  std::string w = rejection(line);
  EXPECT_LT(w.size(), 1000u);
  for (char c : w) {
    auto byte = static_cast<unsigned char>(c);
    EXPECT_TRUE(byte >= 0x20 && byte < 0x7f) << "byte " << int(byte) << " in " << w;
  }
  EXPECT_TRUE(contains(w, "\\xff\\xfe")) << w;
}

TEST(ParseReportLine, EmptyMetricNameIsDropped) {
  ParsedLine p = parse_report_line(R"({"final": {"": 1, "a": 2}})");
  ASSERT_TRUE(p.record);
  EXPECT_EQ(p.record->metrics.size(), 1u);
  ASSERT_EQ(p.warnings.size(), 1u);
  EXPECT_TRUE(contains(p.warnings[0], "empty name"));
}

// ---------------------------------------------------------------------------------------
// ReportFileTailer

TEST(ReportFileTailer, FileThatDoesNotExistYetIsQuietThenRead) {
  TempDir dir;
  std::string path = dir.file("report.jsonl");
  ReportFileTailer tailer(path);
  std::vector<ReportWarning> warnings;
  EXPECT_TRUE(tailer.poll(warnings).empty());
  EXPECT_TRUE(tailer.poll(warnings).empty());
  EXPECT_TRUE(warnings.empty());
  append(path, "{\"step\": 0, \"metrics\": {\"loss\": 1.0}}\n");
  auto records = tailer.poll(warnings);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].metrics.at("loss"), 1.0);
  EXPECT_TRUE(warnings.empty());
}

TEST(ReportFileTailer, HalfLineWaitsForItsEnd) {
  TempDir dir;
  std::string path = dir.file("report.jsonl");
  ReportFileTailer tailer(path);
  std::vector<ReportWarning> warnings;
  append(path, "{\"step\": 1, \"metrics\": {\"lo");
  EXPECT_TRUE(tailer.poll(warnings).empty());
  append(path, "ss\": 0.25}}\n{\"step\": 2, ");
  auto records = tailer.poll(warnings);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].step, 1);
  EXPECT_EQ(records[0].metrics.at("loss"), 0.25);
  append(path, "\"metrics\": {\"loss\": 0.2}}\n");
  records = tailer.poll(warnings);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].step, 2);
  EXPECT_TRUE(warnings.empty());
}

TEST(ReportFileTailer, WarningsCarryLineNumbersAcrossPolls) {
  TempDir dir;
  std::string path = dir.file("report.jsonl");
  ReportFileTailer tailer(path);
  std::vector<ReportWarning> warnings;
  append(path, "{\"step\": 0, \"metrics\": {\"loss\": NaN}}\ngarbage\n\n");
  auto records = tailer.poll(warnings);
  append(path, "{\"step\": 1, \"metrics\": {\"loss\": 0.5, \"acc\": \"high\"}}\n");
  auto more = tailer.poll(warnings);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(std::isnan(records[0].metrics.at("loss")));
  ASSERT_EQ(more.size(), 1u);
  EXPECT_EQ(more[0].metrics, (std::map<std::string, double>{{"loss", 0.5}}));
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_EQ(warnings[0].line, 2);
  EXPECT_TRUE(warnings[0].message.starts_with("not valid JSON"));
  EXPECT_EQ(warnings[1].line, 4);
  EXPECT_TRUE(contains(warnings[1].message, R"(metric "acc" is not a number: "high")"));
}

TEST(ReportFileTailer, FinishDeliversAnUnterminatedLastLineOnce) {
  TempDir dir;
  std::string path = dir.file("report.jsonl");
  ReportFileTailer tailer(path);
  std::vector<ReportWarning> warnings;
  append(path, "{\"step\": 5, \"metrics\": {\"loss\": 0.1}}\n{\"final\": {\"loss\": 0.09}}");
  auto records = tailer.poll(warnings);
  ASSERT_EQ(records.size(), 1u);
  records = tailer.finish(warnings);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].kind, ReportRecord::Kind::kFinal);
  EXPECT_EQ(records[0].metrics.at("loss"), 0.09);
  EXPECT_TRUE(tailer.finish(warnings).empty());
  EXPECT_TRUE(warnings.empty());
}

TEST(ReportFileTailer, FinishOnAMissingFileIsEmpty) {
  TempDir dir;
  ReportFileTailer tailer(dir.file("never-written.jsonl"));
  std::vector<ReportWarning> warnings;
  EXPECT_TRUE(tailer.finish(warnings).empty());
  EXPECT_TRUE(warnings.empty());
}

TEST(ReportFileTailer, LineOverOneMebibyteIsDroppedWithOneWarning) {
  TempDir dir;
  std::string path = dir.file("report.jsonl");
  ReportFileTailer tailer(path);
  std::vector<ReportWarning> warnings;
  append(path, "{\"step\": 0, \"metrics\": {\"a\": 1}}\n");
  std::string huge = "{\"step\": 1, \"metrics\": {\"a\": \"" + std::string(700 * 1024, 'x');
  append(path, huge);
  EXPECT_EQ(tailer.poll(warnings).size(), 1u);
  append(path, huge);  // past the cap now, still no newline
  EXPECT_TRUE(tailer.poll(warnings).empty());
  append(path, huge + "\"}}\n{\"step\": 2, \"metrics\": {\"a\": 3}}\n");
  auto records = tailer.poll(warnings);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].step, 2);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].line, 2);
  EXPECT_TRUE(contains(warnings[0].message, "longer than 1048576 bytes; dropped"));
}

TEST(ReportFileTailer, FileRewrittenShorterIsReadAgainWithAWarning) {
  TempDir dir;
  std::string path = dir.file("report.jsonl");
  ReportFileTailer tailer(path);
  std::vector<ReportWarning> warnings;
  append(path, "{\"step\": 0, \"metrics\": {\"a\": 1}}\n{\"step\": 1, \"metrics\": {\"a\": 2}}\n");
  EXPECT_EQ(tailer.poll(warnings).size(), 2u);
  greentune::testing::write_file(path, "{\"step\": 0, \"metrics\": {\"a\": 5}}\n");
  auto records = tailer.poll(warnings);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].metrics.at("a"), 5);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_TRUE(contains(warnings[0].message, "shrank")) << warnings[0].message;
}

TEST(ReportFileTailer, UnreadablePathWarnsOnce) {
  TempDir dir;
  ReportFileTailer tailer(dir.path().string());  // a directory: open works, read fails
  std::vector<ReportWarning> warnings;
  EXPECT_TRUE(tailer.poll(warnings).empty());
  EXPECT_TRUE(tailer.poll(warnings).empty());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].line, 0);
  EXPECT_TRUE(warnings[0].message.starts_with("cannot read the report file"))
      << warnings[0].message;
}

// ---------------------------------------------------------------------------------------
// MetricRegexMatcher

TEST(MetricRegexMatcher, SageMakerStyleRegexCountsSteps) {
  auto matcher = MetricRegexMatcher::create({{"loss", "loss=([0-9.]+)"}});
  ASSERT_TRUE(matcher) << matcher.error().message;
  EXPECT_TRUE(matcher->match("starting training").empty());
  auto first = matcher->match("epoch 1: loss=0.75 acc=0.5");
  auto second = matcher->match("epoch 2: loss=0.5");
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(first[0].kind, ReportRecord::Kind::kStep);
  EXPECT_EQ(first[0].step, 0);
  EXPECT_EQ(first[0].metrics.at("loss"), 0.75);
  EXPECT_EQ(second[0].step, 1);
  EXPECT_EQ(second[0].metrics.at("loss"), 0.5);
}

TEST(MetricRegexMatcher, MetricsOfOneLineShareTheStepRegexValue) {
  auto matcher = MetricRegexMatcher::create({{"step", R"(epoch (\d+))"},
                                             {"train_loss", R"(train_loss: (\S+))"},
                                             {"val_loss", R"(val_loss: (\S+))"}});
  ASSERT_TRUE(matcher);
  auto records = matcher->match("epoch 7 train_loss: 0.3 val_loss: nan");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].step, 7);
  EXPECT_EQ(records[0].metrics.at("train_loss"), 0.3);
  EXPECT_TRUE(std::isnan(records[0].metrics.at("val_loss")));
}

TEST(MetricRegexMatcher, StepFromAnEarlierLineAndProgressBars) {
  auto matcher = MetricRegexMatcher::create(
      {{"step", R"(^Epoch (\d+)/)"}, {"loss", R"( loss: ([0-9.e+-]+))"}});
  ASSERT_TRUE(matcher);
  EXPECT_TRUE(matcher->match("Epoch 3/10").empty());
  auto records = matcher->match("1/9 [==>...] - loss: 0.9\r9/9 [=====] - loss: 0.4");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].step, 3);
  EXPECT_EQ(records[0].metrics.at("loss"), 0.4);
}

TEST(MetricRegexMatcher, CapturedTextThatIsNotANumberIsIgnored) {
  auto matcher = MetricRegexMatcher::create({{"loss", R"(loss=(\S+))"}});
  ASSERT_TRUE(matcher);
  EXPECT_TRUE(matcher->match("loss=high").empty());
  auto records = matcher->match("loss=1e-2");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].step, 0);
  EXPECT_EQ(records[0].metrics.at("loss"), 0.01);
}

TEST(MetricRegexMatcher, LinesPastTwoKibibytesAreNotMatched) {
  auto matcher = MetricRegexMatcher::create({{"loss", R"(loss=([0-9.]+))"}});
  ASSERT_TRUE(matcher);
  EXPECT_EQ(matcher->match(std::string(2000, ' ') + "loss=0.5").size(), 1u);
  EXPECT_TRUE(matcher->match(std::string(3000, ' ') + "loss=0.5").empty());
  // Only the part after the last '\r' counts.
  EXPECT_EQ(matcher->match(std::string(3000, ' ') + "\rloss=0.25").size(), 1u);
}

TEST(MetricRegexMatcher, InvalidPatternIsAnErrorNamingTheEntry) {
  auto matcher = MetricRegexMatcher::create({{"loss", "loss=([0-9.]+)"}, {"acc", "acc=([0-9"}});
  ASSERT_FALSE(matcher);
  EXPECT_EQ(matcher.error().code, ErrorCode::kInvalidArgument);
  const std::string& m = matcher.error().message;
  EXPECT_TRUE(m.starts_with(R"(metric_regex "acc" (pattern "acc=([0-9"): not a valid regular )"
                            R"(expression ()"))
      << m;
  EXPECT_TRUE(contains(m, "accepted: an ECMAScript regular expression")) << m;
}

TEST(MetricRegexMatcher, PatternWithoutAGroupIsAnError) {
  auto matcher = MetricRegexMatcher::create({{"loss", "loss=[0-9.]+"}});
  ASSERT_FALSE(matcher);
  EXPECT_EQ(matcher.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(matcher.error().message,
            R"(metric_regex "loss" (pattern "loss=[0-9.]+"): has no capture group for the )"
            R"(value; accepted: an ECMAScript regular expression whose first group captures )"
            R"(the value, e.g. loss=([0-9.eE+-]+))");
}

TEST(MetricRegexMatcher, EmptyNameIsAnError) {
  auto matcher = MetricRegexMatcher::create({{"", "loss=([0-9.]+)"}});
  ASSERT_FALSE(matcher);
  EXPECT_TRUE(contains(matcher.error().message, "the name is empty"));
}

}  // namespace
}  // namespace greentune::exec
