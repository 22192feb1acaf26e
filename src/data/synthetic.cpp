#include "data/synthetic.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <random>
#include <vector>

namespace greentune::data {

Status write_synthetic_csv(const SyntheticSpec& spec, const std::string& path) {
  if (spec.rows < 1 || spec.features < 1 ||
      (spec.task == Task::kClassification && spec.classes < 2) || spec.noise < 0) {
    return make_error(ErrorCode::kInvalidArgument,
                      "make-data needs rows >= 1, features >= 1, classes >= 2 and noise >= 0");
  }
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
  if (!f) return make_error(ErrorCode::kIo, fmt::format("cannot write {}", path));
  auto n_features = static_cast<size_t>(spec.features);
  size_t informative = std::max<size_t>(1, n_features / 2);
  std::mt19937_64 rng(spec.seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  // Class centroids (classification) or weights (regression) in the informative features.
  auto n_classes = static_cast<size_t>(spec.task == Task::kClassification ? spec.classes : 1);
  std::vector<std::vector<double>> centroid(n_classes, std::vector<double>(informative));
  for (auto& c : centroid) {
    for (double& v : c) v = 1.5 * normal(rng);
  }
  fmt::memory_buffer out;
  for (size_t j = 0; j < n_features; ++j) fmt::format_to(std::back_inserter(out), "x{},", j);
  fmt::format_to(std::back_inserter(out), "y\n");
  std::vector<double> x(n_features);
  for (int64_t r = 0; r < spec.rows; ++r) {
    size_t cls = 0;
    if (spec.task == Task::kClassification) {
      cls = static_cast<size_t>(rng() % n_classes);
      for (size_t j = 0; j < n_features; ++j) {
        x[j] = normal(rng) + (j < informative ? centroid[cls][j] : 0.0);
      }
      if (uniform(rng) < spec.noise) cls = static_cast<size_t>(rng() % n_classes);
    } else {
      for (double& v : x) v = normal(rng);
    }
    for (double v : x) fmt::format_to(std::back_inserter(out), "{:.6g},", v);
    if (spec.task == Task::kClassification) {
      fmt::format_to(std::back_inserter(out), "{}\n", cls);
    } else {
      double signal = 0;
      for (size_t j = 0; j < informative; ++j) signal += centroid[0][j] * x[j];
      if (informative >= 2) signal += x[0] * x[1];
      double sd = std::sqrt(static_cast<double>(informative));
      fmt::format_to(std::back_inserter(out), "{:.6g}\n", signal + spec.noise * sd * normal(rng));
    }
    if (out.size() > (1 << 20)) {
      if (std::fwrite(out.data(), 1, out.size(), f.get()) != out.size()) break;
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), f.get());
  if (std::ferror(f.get()) || std::fflush(f.get()) != 0) {
    return make_error(ErrorCode::kIo, fmt::format("cannot write {}", path));
  }
  return {};
}

}  // namespace greentune::data
