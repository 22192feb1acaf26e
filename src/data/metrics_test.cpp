// Every metric against scikit-learn on the same labels and predictions (random, with
// ties and near-certain probabilities), through /usr/bin/python3.
#include "data/metrics.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>

#include "testing/test_helpers.hpp"

namespace greentune::data {
namespace {

nlohmann::json sklearn_scores(const nlohmann::json& input) {
  testing::TempDir dir;
  std::string path = dir.file("case.json");
  std::ofstream(path) << input.dump();
  std::string cmd = std::string("/usr/bin/python3 ") + GREENTUNE_SOURCE_DIR +
                    "/src/data/testdata/sklearn_metrics.py " + path;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), &pclose);
  std::string out;
  std::array<char, 4096> buf{};
  while (pipe && fgets(buf.data(), buf.size(), pipe.get())) out += buf.data();
  return nlohmann::json::parse(out, nullptr, false);
}

struct Case {
  std::vector<float> labels;
  Predictions p;
};

// Probabilities rounded to a few levels (so there are ties), some nearly 0 or 1.
Case classification_case(size_t n, size_t k, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  Case c{{}, Predictions{n, k, {}}};
  for (size_t i = 0; i < n; ++i) {
    auto y = static_cast<size_t>(rng() % k);
    c.labels.push_back(static_cast<float>(y));
    std::vector<double> row(k);
    double sum = 0;
    for (size_t j = 0; j < k; ++j) {
      row[j] = std::round((u(rng) + (j == y ? 0.6 : 0.0)) * 8) / 8 + 1e-17;
      sum += row[j];
    }
    if (i % 17 == 0) {  // a confident row: one class near 1
      std::fill(row.begin(), row.end(), 1e-18);
      row[(y + i) % k] = 1.0;
      sum = 1.0;
    }
    for (double v : row) c.p.values.push_back(v / sum);
  }
  return c;
}

nlohmann::json to_json(const Case& c) {
  nlohmann::json probs = nlohmann::json::array();
  for (size_t i = 0; i < c.p.n; ++i) {
    probs.push_back(std::vector<double>(c.p.row(i), c.p.row(i) + c.p.k));
  }
  std::vector<int> labels(c.labels.begin(), c.labels.end());
  return {{"labels", labels}, {"probs", probs}};
}

void expect_same(const Case& c, const nlohmann::json& expected, const char* what) {
  ASSERT_TRUE(expected.is_object()) << "scikit-learn did not answer (python3-sklearn missing?)";
  for (const auto& [name, value] : expected.items()) {
    auto m = metric_named(name);
    ASSERT_TRUE(m) << name;
    EXPECT_NEAR(score(m->metric, c.labels, c.p), value.get<double>(), 1e-9) << what << " " << name;
  }
}

TEST(Metrics, BinaryMatchScikitLearn) {
  Case c = classification_case(400, 2, 1);
  auto expected = sklearn_scores(to_json(c));
  EXPECT_EQ(expected.size(), 6u);
  expect_same(c, expected, "binary");
}

TEST(Metrics, MulticlassMatchScikitLearn) {
  Case c = classification_case(500, 4, 2);
  auto expected = sklearn_scores(to_json(c));
  EXPECT_EQ(expected.size(), 5u);  // f1 (binary) is not defined for four classes
  expect_same(c, expected, "4 classes");
}

TEST(Metrics, MacroAveragesSkipClassesThatNeverAppear) {
  // Class 2 is neither a label nor a prediction: scikit-learn leaves it out of the
  // macro F1, and so do we.
  Case c{{0, 1, 1, 0, 1}, Predictions{5, 3, {0.9, 0.1, 0, 0.2, 0.8, 0, 0.6, 0.4, 0, 0.3, 0.7, 0, 0.1, 0.9, 0}}};
  auto expected = sklearn_scores(to_json(c));
  ASSERT_TRUE(expected.contains("f1_macro"));
  EXPECT_NEAR(score(Metric::kF1Macro, c.labels, c.p), expected["f1_macro"].get<double>(), 1e-12);
  EXPECT_NEAR(score(Metric::kBalancedAccuracy, c.labels, c.p),
              expected["balanced_accuracy"].get<double>(), 1e-12);
}

TEST(Metrics, RegressionMatchScikitLearn) {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal(0, 1);
  Case c{{}, Predictions{300, 1, {}}};
  std::vector<double> labels;
  for (size_t i = 0; i < 300; ++i) {
    auto y = static_cast<float>(10 * normal(rng));
    c.labels.push_back(y);
    labels.push_back(y);
    c.p.values.push_back(y + 3 * normal(rng));
  }
  auto expected = sklearn_scores({{"labels", labels}, {"values", c.p.values}});
  EXPECT_EQ(expected.size(), 3u);
  expect_same(c, expected, "regression");
}

TEST(Metrics, NamesAndDirections) {
  EXPECT_TRUE(metric_named("accuracy")->higher_is_better);
  EXPECT_FALSE(metric_named("log_loss")->higher_is_better);
  EXPECT_FALSE(metric_named("rmse")->higher_is_better);
  EXPECT_EQ(metric_named("r2")->task, Task::kRegression);
  EXPECT_FALSE(metric_named("auc"));
  EXPECT_EQ(metric_names(Task::kRegression), "rmse, mae, r2");
  EXPECT_EQ(default_metric(Task::kClassification).name, "accuracy");
}

}  // namespace
}  // namespace greentune::data
