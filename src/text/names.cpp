#include "text/names.hpp"

#include <algorithm>

namespace greentune::text {

size_t edit_distance(std::string_view a, std::string_view b) {
  a = a.substr(0, 64);
  b = b.substr(0, 64);
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

std::optional<size_t> closest_index(std::string_view name,
                                    std::span<const std::string_view> candidates,
                                    size_t max_distance) {
  std::optional<size_t> best;
  size_t best_distance = max_distance + 1;
  for (size_t i = 0; i < candidates.size(); ++i) {
    size_t distance = edit_distance(name, candidates[i]);
    if (distance < best_distance) {
      best = i;
      best_distance = distance;
    }
  }
  return best;
}

std::optional<size_t> closest_index(std::string_view name,
                                    const std::vector<std::string>& candidates,
                                    size_t max_distance) {
  std::vector<std::string_view> views(candidates.begin(), candidates.end());
  return closest_index(name, std::span<const std::string_view>(views), max_distance);
}

}  // namespace greentune::text
