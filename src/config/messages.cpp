#include "config/messages.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace greentune {
namespace {

constexpr size_t kMaxQuoted = 64;
constexpr size_t kMaxSuggestDistance = 3;

void append_escaped(std::string& out, char c) {
  switch (c) {
    case '"':
      out += "\\\"";
      return;
    case '\\':
      out += "\\\\";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\r':
      out += "\\r";
      return;
    default:
      break;
  }
  auto byte = static_cast<unsigned char>(c);
  if (byte < 0x20 || byte == 0x7f) {
    out += fmt::format("\\x{:02x}", byte);
  } else {
    out += c;
  }
}

// Optimal string alignment distance.  Names are short; long input is cut first so that a
// hostile file cannot make this quadratic in its size.
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

std::string styled(std::string_view name, NameStyle style) {
  return style == NameStyle::kQuoted ? fmt::format("\"{}\"", name) : fmt::format("[{}]", name);
}

}  // namespace

std::string in_quotes(std::string_view text) {
  std::string out = "\"";
  for (char c : text.substr(0, kMaxQuoted)) append_escaped(out, c);
  if (text.size() > kMaxQuoted) out += "...";
  out += '"';
  return out;
}

std::string one_line(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += c;
    } else {
      append_escaped(out, c);
    }
  }
  return out;
}

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
  std::optional<std::string_view> best;
  size_t best_distance = kMaxSuggestDistance + 1;
  for (std::string_view candidate : candidates) {
    size_t distance = edit_distance(name, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
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
