// [data] and [trainer]: what built-in trainers learn from and their fixed options, read,
// refused with positioned messages, and kept through the stored spec.
#include <gtest/gtest.h>

#include <string>

#include "config/spec_json.hpp"
#include "greentune/config.hpp"

namespace greentune {
namespace {

constexpr const char* kHead = R"([study]
name = "s"
direction = "maximize"
[search.space]
x = { type = "float", low = 0.0, high = 1.0 }
[trial]
trainer = "function:branin"
)";  // 7 lines: the sections below start at line 8

Result<StudySpec> parse(const std::string& tail) {
  return parse_study_file(std::string(kHead) + tail, "study.toml");
}

std::string error_of(const std::string& tail) {
  auto spec = parse(tail);
  return spec ? std::string("parsed") : spec.error().message;
}

TEST(DataSection, ReadsEveryKeyAndKeepsThemThroughTheStoredSpec) {
  auto spec = parse(R"([data]
path = "data/datasets/iris.csv"
target = "species"
task = "classification"
folds = 5
seed = 7
categorical = ["colour"]
[trainer]
num_boost_round = 200
objective = "multi:softprob"
eta = 0.1
verbose = false
)");
  ASSERT_TRUE(spec) << spec.error().message;
  ASSERT_TRUE(spec->data.has_value());
  EXPECT_EQ(spec->data->path, "data/datasets/iris.csv");
  EXPECT_EQ(spec->data->target, "species");
  EXPECT_EQ(spec->data->task, DataSection::Task::kClassification);
  EXPECT_EQ(spec->data->folds, 5);
  EXPECT_DOUBLE_EQ(spec->data->split, 0.2);
  EXPECT_EQ(spec->data->seed, 7U);
  EXPECT_EQ(spec->data->categorical, std::vector<std::string>{"colour"});
  EXPECT_EQ(spec->trainer_options,
            (nlohmann::json{{"num_boost_round", 200}, {"objective", "multi:softprob"},
                            {"eta", 0.1}, {"verbose", false}}));
  EXPECT_EQ(spec->locations.at("trainer.eta"), "study.toml:18:7");
  EXPECT_EQ(spec->locations.at("data.path"), "study.toml:9:8");
  auto stored = study_spec_from_json(spec->to_json());
  ASSERT_TRUE(stored) << stored.error().message;
  EXPECT_EQ(stored->to_json(), spec->to_json());
  EXPECT_EQ(stored->data->task, DataSection::Task::kClassification);
}

TEST(DataSection, AbsentSectionsLeaveNoDataAndNoOptions) {
  auto spec = parse("");
  ASSERT_TRUE(spec) << spec.error().message;
  EXPECT_FALSE(spec->data.has_value());
  EXPECT_TRUE(spec->trainer_options.empty());
  auto stored = study_spec_from_json(spec->to_json());
  ASSERT_TRUE(stored);
  EXPECT_FALSE(stored->data.has_value());
}

TEST(DataSection, BadValuesNameLineKeyAndWhatIsAccepted) {
  EXPECT_EQ(error_of("[data]\npath = \"a.csv\"\ntarget = \"y\"\ntask = \"clustering\"\n"),
            "study.toml:11:8: [data] task: unknown task \"clustering\"; accepted: "
            "classification, regression");
  EXPECT_EQ(error_of("[data]\npath = \"a.csv\"\ntask = \"regression\"\n"),
            "study.toml:8:1: [data] target: required; accepted: the name of the column to "
            "predict, e.g. target = \"species\"");
  EXPECT_EQ(error_of("[data]\npath = \"a.csv\"\ntarget = \"y\"\ntask = \"regression\"\n"
                     "split = 0.2\nfolds = 3\n"),
            "study.toml:13:9: [data] folds: give split or folds, not both");
  EXPECT_NE(error_of("[data]\npath = \"a.csv\"\ntarget = \"y\"\ntask = \"regression\"\n"
                     "split = 1.5\n")
                .find("[data] split:"),
            std::string::npos);
  EXPECT_NE(error_of("[data]\npath = \"a.csv\"\ntarget = \"y\"\ntask = \"regression\"\n"
                     "fold = 3\n")
                .find("did you mean \"folds\"?"),
            std::string::npos);
  EXPECT_EQ(error_of("[trainer]\nlayers = [1, 2]\n"),
            "study.toml:9:10: [trainer] layers: expected a string, number or boolean, got "
            "an array");
}

}  // namespace
}  // namespace greentune
