#include "config/messages.hpp"

#include "text/names.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace greentune {
namespace {

using text::kMaxQuoted;
constexpr size_t kMaxSuggestDistance = 3;

std::string styled(std::string_view name, NameStyle style) {
  return style == NameStyle::kQuoted ? fmt::format("\"{}\"", name) : fmt::format("[{}]", name);
}

}  // namespace

std::string key_text(std::string_view key) {
  bool plain = !key.empty() && key.size() <= kMaxQuoted &&
               std::all_of(key.begin(), key.end(),
                           [](char c) { return c > ' ' && c < 0x7f && c != '"' && c != '\\'; });
  return plain ? std::string(key) : in_quotes(key);
}

std::string describe_number(double v) {
  std::string text = fmt::format("{}", v);
  bool integral = std::isfinite(v) && text.find_first_of(".eE") == std::string::npos;
  return integral ? text + ".0" : text;
}

std::optional<std::string_view> closest_name(std::string_view name,
                                             std::span<const std::string_view> candidates) {
  auto i = text::closest_index(name, candidates, kMaxSuggestDistance);
  if (!i) return std::nullopt;
  return candidates[*i];
}

std::string unknown_name_hint(std::string_view name, std::span<const std::string_view> candidates,
                              NameStyle style) {
  if (auto close = closest_name(name, candidates)) {
    return fmt::format("did you mean {}?", styled(*close, style));
  }
  std::vector<std::string> names;
  for (std::string_view candidate : candidates) {
    names.push_back(style == NameStyle::kQuoted ? std::string(candidate)
                                                : styled(candidate, style));
  }
  return fmt::format("accepted: {}", fmt::join(names, ", "));
}

}  // namespace greentune
