#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "data/dataset.hpp"
#include "data/split.hpp"
#include "data/synthetic.hpp"
#include "testing/test_helpers.hpp"

namespace greentune::data {
namespace {

ReadOptions classify(std::string target, std::vector<std::string> categorical = {}) {
  return ReadOptions{std::move(target), Task::kClassification, std::move(categorical)};
}

std::string error_of(std::string_view text, const ReadOptions& o) {
  auto d = parse_csv(text, "t.csv", o);
  EXPECT_FALSE(d.has_value());
  return d ? "" : d.error().message;
}

TEST(Csv, NumericAndCategoricalColumnsAndMissingValues) {
  auto d = parse_csv(
      "size,color,weight,label\n"
      "1.5,red,10,yes\n"
      "2,blue,,no\n"
      "NA,\"red\",7.25,yes\r\n"
      "4e0,,?,no\n",
      "t.csv", classify("label"));
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->rows, 4u);
  EXPECT_EQ(d->features, (std::vector<std::string>{"size", "color=blue", "color=red", "weight"}));
  EXPECT_EQ(d->classes, (std::vector<std::string>{"no", "yes"}));
  EXPECT_EQ(d->y, (std::vector<float>{1, 0, 1, 0}));
  EXPECT_FLOAT_EQ(d->row(0)[0], 1.5f);
  EXPECT_TRUE(std::isnan(d->row(2)[0]));
  EXPECT_EQ(d->row(0)[1], 0.0f);  // red
  EXPECT_EQ(d->row(0)[2], 1.0f);
  EXPECT_EQ(d->row(1)[1], 1.0f);  // blue
  EXPECT_EQ(d->row(3)[1] + d->row(3)[2], 0.0f);  // a missing category: all zeros
  EXPECT_TRUE(std::isnan(d->row(1)[3]));
  EXPECT_TRUE(std::isnan(d->row(3)[3]));
  ASSERT_EQ(d->columns.size(), 3u);
  EXPECT_TRUE(d->columns[1].categorical);
  EXPECT_EQ(d->columns[1].first_feature, 1u);
}

TEST(Csv, QuotedFieldsHoldCommasQuotesAndNewlines) {
  auto d = parse_csv("a,b,y\n\"x, \"\"one\"\"\",1,0\n\"two\nlines\",2,1\n", "t.csv",
                     classify("y"));
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->features, (std::vector<std::string>{"a=two\nlines", "a=x, \"one\"", "b"}));
}

TEST(Csv, DeclaredCategoricalNumbersAndNumericLabelsSortAsNumbers) {
  auto d = parse_csv("zip,y\n10,10\n9,9\n10,2\n", "t.csv", classify("y", {"zip"}));
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->features, (std::vector<std::string>{"zip=9", "zip=10"}));
  EXPECT_EQ(d->classes, (std::vector<std::string>{"2", "9", "10"}));
  EXPECT_EQ(d->y, (std::vector<float>{2, 1, 0}));
}

TEST(Csv, RegressionTargetIsNumeric) {
  auto d = parse_csv("x,y\n1,0.5\n2,1.5\n", "t.csv", ReadOptions{"y", Task::kRegression, {}});
  ASSERT_TRUE(d);
  EXPECT_EQ(d->y, (std::vector<float>{0.5f, 1.5f}));
  EXPECT_TRUE(d->classes.empty());
}

TEST(Csv, ErrorsNameTheLineAndColumn) {
  EXPECT_EQ(error_of("a,b\n1,0\n", classify("label")),
            "t.csv:1: no column \"label\" (the target); the header has: a, b");
  EXPECT_EQ(error_of("age,y\n1,0\n2,1\nabc,0\n4,1\n", classify("y")),
            "t.csv:4: column \"age\" holds \"abc\", which is not a number, though the column is "
            "numeric (a number on line 2); accepted: numbers throughout, a missing mark (empty, "
            "NA, NaN, null, ?), or the column listed in [data] categorical");
  EXPECT_EQ(error_of("a,y\n1,0\n2\n", classify("y")), "t.csv:3: 1 fields; the header has 2 columns");
  EXPECT_EQ(error_of("a,y\n1,0\n2,\n", classify("y")),
            "t.csv: row 3 has no value in the target column \"y\"; drop the row or fill it in");
  EXPECT_EQ(error_of("a,y\n1,0\n2,0\n", classify("y")),
            "t.csv: the target column \"y\" holds 1 class; classification needs at least 2");
  EXPECT_EQ(error_of("a,y\n1,0\n2,high\n", ReadOptions{"y", Task::kRegression, {}}),
            "t.csv:3: column \"y\" (the target of a regression) holds \"high\", which is not a number");
  EXPECT_EQ(error_of("a,a,y\n", classify("y")), "t.csv:1: column \"a\" appears twice in the header");
  EXPECT_EQ(error_of("a,y\n", classify("y")), "t.csv: a header but no rows");
  EXPECT_EQ(error_of("", classify("y")), "t.csv: the file is empty; expected a header line");
  EXPECT_EQ(error_of("a,y\n1,0\n", classify("y", {"b"})),
            "t.csv:1: [data] categorical names \"b\", which the header lacks; it has: a, y");
  auto missing = read_csv("/nonexistent/x.csv", classify("y"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kInvalidArgument);
}

TEST(Csv, ShippedDatasetsRead) {
  struct Shipped {
    const char* file;
    const char* target;
    Task task;
    size_t rows, features, classes;
  };
  const Shipped shipped[] = {
      {"breast_cancer", "diagnosis", Task::kClassification, 569, 30, 2},
      {"digits", "digit", Task::kClassification, 1797, 64, 10},
      {"wine", "cultivar", Task::kClassification, 178, 13, 3},
      {"iris", "species", Task::kClassification, 150, 4, 3},
      {"diabetes", "progression", Task::kRegression, 442, 10, 0},
  };
  for (const Shipped& s : shipped) {
    std::string path = std::string(GREENTUNE_SOURCE_DIR) + "/data/datasets/" + s.file + ".csv";
    auto d = read_csv(path, ReadOptions{s.target, s.task, {}});
    ASSERT_TRUE(d) << d.error().message;
    EXPECT_EQ(d->rows, s.rows) << s.file;
    EXPECT_EQ(d->cols, s.features) << s.file;
    EXPECT_EQ(d->n_classes(), s.classes) << s.file;
  }
}

Dataset labelled(std::vector<float> y, size_t classes) {
  Dataset d;
  d.rows = y.size();
  d.cols = 1;
  d.x.assign(d.rows, 0.0f);
  d.y = std::move(y);
  for (size_t c = 0; c < classes; ++c) d.classes.push_back(std::to_string(c));
  return d;
}

// 80 rows of class 0, 20 of class 1.
Dataset imbalanced() {
  std::vector<float> y(100, 0.0f);
  for (size_t i = 0; i < 100; i += 5) y[i] = 1.0f;
  return labelled(std::move(y), 2);
}

size_t count_class(const Dataset& d, const std::vector<int32_t>& rows, float c) {
  size_t n = 0;
  for (int32_t r : rows) n += d.y[static_cast<size_t>(r)] == c;
  return n;
}

TEST(Split, HoldOutIsStratifiedSeededAndDisjoint) {
  Dataset d = imbalanced();
  auto folds = make_folds(d, 0.25, 0, 7);
  ASSERT_EQ(folds.size(), 1u);
  EXPECT_EQ(folds[0].valid.size(), 25u);
  EXPECT_EQ(count_class(d, folds[0].valid, 1), 5u);  // a quarter of each class
  EXPECT_EQ(count_class(d, folds[0].train, 1), 15u);
  std::set<int32_t> all(folds[0].train.begin(), folds[0].train.end());
  all.insert(folds[0].valid.begin(), folds[0].valid.end());
  EXPECT_EQ(all.size(), 100u);
  EXPECT_EQ(make_folds(d, 0.25, 0, 7)[0].valid, folds[0].valid);
  EXPECT_NE(make_folds(d, 0.25, 0, 8)[0].valid, folds[0].valid);
}

TEST(Split, EachRowValidatesInExactlyOneFold) {
  Dataset d = imbalanced();
  auto folds = make_folds(d, 0.2, 5, 1);
  ASSERT_EQ(folds.size(), 5u);
  std::vector<int> seen(100, 0);
  for (const Fold& f : folds) {
    EXPECT_EQ(f.valid.size(), 20u);
    EXPECT_EQ(f.train.size(), 80u);
    EXPECT_EQ(count_class(d, f.valid, 1), 4u);
    for (int32_t r : f.valid) ++seen[static_cast<size_t>(r)];
  }
  EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), 100);
}

TEST(Split, SubsamplesAreNestedStratifiedAndKeepEveryClass) {
  Dataset d = imbalanced();
  auto rows = make_folds(d, 0.2, 0, 1)[0].train;  // 64 of class 0, 16 of class 1
  auto small = subsample(d, rows, 1.0 / 9, 3);
  auto medium = subsample(d, rows, 1.0 / 3, 3);
  EXPECT_EQ(count_class(d, small, 0), 8u);   // ceil(64 / 9)
  EXPECT_EQ(count_class(d, small, 1), 2u);   // ceil(16 / 9)
  EXPECT_EQ(count_class(d, medium, 1), 6u);  // ceil(16 / 3)
  EXPECT_TRUE(std::includes(medium.begin(), medium.end(), small.begin(), small.end()));
  EXPECT_TRUE(std::includes(rows.begin(), rows.end(), medium.begin(), medium.end()));
  EXPECT_EQ(subsample(d, rows, 1.0, 3), rows);
  EXPECT_EQ(count_class(d, subsample(d, rows, 0.001, 3), 1), 1u);  // at least one per class
}

TEST(Synthetic, WritesWhatItSaysAndRepeatsWithTheSeed) {
  testing::TempDir dir;
  SyntheticSpec spec{Task::kClassification, 500, 8, 3, 0.05, 11};
  ASSERT_TRUE(write_synthetic_csv(spec, dir.file("a.csv")));
  ASSERT_TRUE(write_synthetic_csv(spec, dir.file("b.csv")));
  auto a = read_csv(dir.file("a.csv"), classify("y"));
  auto b = read_csv(dir.file("b.csv"), classify("y"));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->rows, 500u);
  EXPECT_EQ(a->cols, 8u);
  EXPECT_EQ(a->n_classes(), 3u);
  EXPECT_EQ(a->x, b->x);
  SyntheticSpec reg{Task::kRegression, 100, 4, 2, 0.1, 1};
  ASSERT_TRUE(write_synthetic_csv(reg, dir.file("r.csv")));
  auto r = read_csv(dir.file("r.csv"), ReadOptions{"y", Task::kRegression, {}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->rows, 100u);
  EXPECT_FALSE(write_synthetic_csv(SyntheticSpec{Task::kClassification, 10, 2, 1, 0, 1},
                                   dir.file("bad.csv")));
}

}  // namespace
}  // namespace greentune::data
