// Bad input: a clear message naming what is wrong, exit code 2, and the study left as
// it was.  Config errors are caught before storage is opened, so the database file must
// be byte-for-byte unchanged; errors found against a stored study change no trial.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "testing/test_helpers.hpp"

namespace greentune {
namespace {

using testing::CommandResult;
using testing::file_bytes_or_empty;
using testing::run_command;

const char* kGood = R"([study]
name = "b"
direction = "minimize"

[budget]
max_trials = 5

[search]
sampler = "random"
seed = 1

[search.space]
x1 = { type = "float", low = -5.0, high = 10.0 }
x2 = { type = "float", low = 0.0, high = 15.0 }

[trial]
trainer = "function:branin"
)";

class BadInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_file(dir_.file("good.toml"), kGood);
    auto r = gt({"tune", dir_.file("good.toml")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // Leave one trial running, for tell.
    auto a = gt({"ask", "--study", "b"});
    ASSERT_EQ(a.exit_code, 0) << a.err;
  }
  std::string db() const { return dir_.file("s.db"); }
  CommandResult gt(std::vector<std::string> args) {
    args.insert(args.begin(), testing::greentune_binary());
    if (std::find(args.begin(), args.end(), "--storage") == args.end()) {
      args.push_back("--storage");
      args.push_back("sqlite:///" + db());
    }
    return run_command(args, dir_.path().string());
  }
  std::string snapshot() {
    auto t = gt({"trials", "--study", "b", "--json"});
    auto s = gt({"studies", "--json"});
    return t.out + s.out;
  }
  // Runs a study file; expects exit 2, exactly `message` on stderr, and the database
  // file byte-for-byte as before.
  void expect_bad_file(const std::string& text, const std::string& message) {
    std::string before = file_bytes_or_empty(db()) + file_bytes_or_empty(db() + "-wal");
    testing::write_file(dir_.file("bad.toml"), text);
    auto r = gt({"tune", "bad.toml"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(r.err, "greentune: error: " + message + "\n");
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(file_bytes_or_empty(db()) + file_bytes_or_empty(db() + "-wal"), before);
  }
  // Runs a command against the stored study; expects exit 2, the message, no change.
  void expect_bad_command(const std::vector<std::string>& args, const std::string& message) {
    std::string before = snapshot();
    auto r = gt(args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(r.err, "greentune: error: " + message + "\n");
    EXPECT_EQ(snapshot(), before);
  }
  // kGood with one line replaced.
  static std::string good_with(const std::string& from, const std::string& to) {
    std::string text = kGood;
    auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return text.replace(at, from.size(), to);
  }

  testing::TempDir dir_;
};

TEST_F(BadInputTest, UnknownKeyNamesTheClosestOne) {
  expect_bad_file(good_with("max_trials = 5", "max_trails = 5"),
                  "bad.toml:6:1: [budget] max_trails: unknown key; did you mean \"max_trials\"?");
}

TEST_F(BadInputTest, LowNotBelowHigh) {
  expect_bad_file(good_with("low = -5.0, high = 10.0", "low = 10.0, high = -5.0"),
                  "bad.toml:13:1: [search.space] x1: low (10) must be less than high (-5)");
}

TEST_F(BadInputTest, LogScaleWithLowNotPositive) {
  expect_bad_file(good_with("low = 0.0, high = 15.0", "low = 0.0, high = 15.0, log = true"),
                  "bad.toml:14:1: [search.space] x2: log scale needs low > 0 (got 0)");
}

TEST_F(BadInputTest, StepThatDoesNotDivideTheRange) {
  expect_bad_file(good_with("low = 0.0, high = 15.0", "low = 0.0, high = 15.0, step = 4.0"),
                  "bad.toml:14:1: [search.space] x2: step 4 does not divide the range [0, 15]; "
                  "(high - low) must be a multiple of step");
}

TEST_F(BadInputTest, EmptyChoices) {
  expect_bad_file(good_with("x2 = { type = \"float\", low = 0.0, high = 15.0 }",
                            "x2 = { type = \"categorical\", choices = [] }"),
                  "bad.toml:14:1: [search.space] x2: choices must not be empty");
}

TEST_F(BadInputTest, DuplicateParameterName) {
  expect_bad_file(good_with("x2 = {", "x1 = {"),
                  "bad.toml:14:6: syntax error: Error while parsing key-value pair: cannot "
                  "redefine existing table 'x1'");
}

TEST_F(BadInputTest, UnknownDirection) {
  expect_bad_file(good_with("\"minimize\"", "\"minimise\""),
                  "bad.toml:3:13: [study] direction: unknown direction \"minimise\"; accepted: "
                  "minimize, maximize");
}

TEST_F(BadInputTest, UnknownSampler) {
  expect_bad_file(good_with("\"random\"", "\"hyperopt\""),
                  "bad.toml:9:11: [search] sampler: unknown sampler \"hyperopt\"; "
                  "accepted: auto, random, qmc, grid, tpe, gp");
}

TEST_F(BadInputTest, TrainerThatDoesNotFitTheSpace) {
  expect_bad_file(good_with("function:branin", "function:hartmann6"),
                  "bad.toml:17:11: [trial] trainer: trainer \"function:hartmann6\" takes 6 "
                  "parameters (x1..x6 in space order); the space has 2");
}

TEST_F(BadInputTest, UnreadableStudyFile) {
  std::string before = file_bytes_or_empty(db());
  auto r = gt({"tune", "missing.toml"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "greentune: error: cannot read study file \"missing.toml\": No such file or "
            "directory\n");
  EXPECT_EQ(file_bytes_or_empty(db()), before);
}

TEST_F(BadInputTest, SameNameWithAnotherSpaceIsRefused) {
  expect_bad_file(good_with("high = 15.0", "high = 16.0"),
                  "bad.toml: study \"b\" already exists in this storage with search space "
                  "x2 = {\"high\":15.0,\"log\":false,\"low\":0.0,\"type\":\"float\"}, but the "
                  "file says x2 = {\"high\":16.0,\"log\":false,\"low\":0.0,\"type\":\"float\"}; "
                  "give the study a new name ([study] name or --study) to start afresh");
}

TEST_F(BadInputTest, ADroppedSamplerLineOnAStoredStudySaysHowToContinue) {
  // A study stored with sampler random, resumed with a file that omits it (the default is
  // auto): refused, saying which line continues it.
  expect_bad_file(good_with("sampler = \"random\"\n", ""),
                  "bad.toml: study \"b\" already exists in this storage with sampler random, "
                  "but the file says auto (the default); to continue it, write [search] "
                  "sampler = \"random\"; to start afresh, give the study a new name ([study] "
                  "name or --study)");
}

TEST_F(BadInputTest, AskWithDuplicateParameterInSpace) {
  expect_bad_command({"ask", "--study", "q", "--space",
                      R"({"a": {"type": "float", "low": 0, "high": 1}, "a": {"type": "int", "low": 0, "high": 1}})"},
                     "--space: duplicate key \"a\"; each parameter (and each field of one) is "
                     "given once");
}

TEST_F(BadInputTest, AskWithInvalidSpace) {
  expect_bad_command({"ask", "--study", "q", "--space",
                      R"({"a": {"type": "float", "low": 2, "high": 1}})"},
                     "--space: parameter \"a\": low (2) must be less than high (1)");
  expect_bad_command({"ask", "--study", "q", "--space", R"({"a": )"},
                     "--space: not valid JSON: {\"a\": ; expected e.g. '{\"x\": {\"type\": "
                     "\"float\", \"low\": 0, \"high\": 1}}'");
}

TEST_F(BadInputTest, AskWithUnknownSamplerOrDirection) {
  std::string space = R"({"a": {"type": "float", "low": 0, "high": 1}})";
  expect_bad_command({"ask", "--study", "q", "--space", space, "--sampler", "hyperopt"},
                     "--sampler: unknown sampler \"hyperopt\"; accepted: auto, random, qmc, grid, "
                     "tpe, gp");
  expect_bad_command({"ask", "--study", "q", "--space", space, "--direction", "up"},
                     "--direction: unknown direction \"up\"; accepted: minimize, maximize");
}

TEST_F(BadInputTest, AskFlagsThatContradictTheStudy) {
  expect_bad_command({"ask", "--study", "b", "--direction", "maximize"},
                     "--direction: study \"b\" already exists with direction minimize; drop the "
                     "flag or use a new study name");
}

TEST_F(BadInputTest, AskUnknownStudyWithoutSpace) {
  expect_bad_command({"ask", "--study", "nope"},
                     "study \"nope\" does not exist; give --space JSON to create it");
}

TEST_F(BadInputTest, TellFinishedUnknownOrMalformed) {
  expect_bad_command({"tell", "--study", "b", "--trial", "0", "--value", "1"},
                     "trial 0 of study \"b\" is complete, not running; nothing changed");
  expect_bad_command({"tell", "--study", "b", "--trial", "99", "--value", "1"},
                     "study \"b\" has no trial 99");
  expect_bad_command({"tell", "--study", "nope", "--trial", "0", "--value", "1"},
                     "no study named \"nope\" in this storage; `greentune studies` lists the "
                     "studies there");
  expect_bad_command({"tell", "--study", "b", "--trial", "5", "--state", "done"},
                     "--state: \"done\" is not accepted; accepted: complete, pruned, failed");
  expect_bad_command({"tell", "--study", "b", "--trial", "5"},
                     "give --value V for a complete trial, or --state pruned|failed");
}

TEST_F(BadInputTest, MalformedStorageUrl) {
  auto r = gt({"studies", "--storage", "mysql://x"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err,
            "greentune: error: invalid storage URL \"mysql://x\": unknown scheme; accepted "
            "forms: sqlite:///relative/path.db, sqlite:////absolute/path.db, "
            "postgresql://user:pass@host:port/db, memory:\n");
}

TEST_F(BadInputTest, UsageErrorsExitWithTwo) {
  EXPECT_EQ(gt({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(gt({"tune"}).exit_code, 2);
  EXPECT_EQ(gt({"tell", "--study", "b", "--trial", "x"}).exit_code, 2);
  EXPECT_EQ(gt({"--help"}).exit_code, 0);
}

}  // namespace
}  // namespace greentune

namespace greentune {
namespace {

TEST_F(BadInputTest, ProgramThatCannotBeFound) {
  expect_bad_file(good_with("trainer = \"function:branin\"",
                            "command = [\"no-such-trainer-program\", \"{x1}\"]"),
                  "bad.toml: [trial] command: cannot find the program \"no-such-trainer-program\" "
                  "(looked in PATH); accepted: a program in PATH or a path to an executable");
}

TEST_F(BadInputTest, PlaceholderThatIsNotAParameter) {
  expect_bad_file(good_with("trainer = \"function:branin\"",
                            "command = [\"python3\", \"--lr={lr}\"]"),
                  "bad.toml: [trial] command: \"{lr}\" in \"--lr={lr}\" is not a parameter of "
                  "the search space");
}

}  // namespace
}  // namespace greentune
