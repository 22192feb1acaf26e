#include "config/messages.hpp"

#include "text/names.hpp"

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
