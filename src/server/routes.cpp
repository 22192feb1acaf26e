#include "server/routes.hpp"

#include <vector>

namespace greentune::server {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The decoded segments of a path ("/a/b%2Fc" -> {"a", "b/c"}); nullopt for a path that
// does not start with "/" or holds a broken escape.
std::optional<std::vector<std::string>> segments_of(std::string_view path) {
  if (path.empty() || path.front() != '/') return std::nullopt;
  std::vector<std::string> out;
  path.remove_prefix(1);
  for (;;) {
    const size_t slash = path.find('/');
    auto segment = percent_decode(path.substr(0, slash));
    if (!segment) return std::nullopt;
    out.push_back(std::move(*segment));
    if (slash == std::string_view::npos) return out;
    path.remove_prefix(slash + 1);
  }
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view segment) {
  std::string out;
  out.reserve(segment.size());
  for (size_t i = 0; i < segment.size(); ++i) {
    if (segment[i] != '%') {
      out.push_back(segment[i]);
      continue;
    }
    if (i + 2 >= segment.size()) return std::nullopt;
    const int hi = hex_value(segment[i + 1]);
    const int lo = hex_value(segment[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '.' || c == '_' || c == '~';
    if (plain) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

Route route_of(std::string_view target) {
  using Kind = Route::Kind;
  const auto segments = segments_of(target.substr(0, target.find('?')));
  if (!segments) return {};
  const std::vector<std::string>& s = *segments;
  const size_t n = s.size();
  if (n == 1 && s[0].empty()) return {Kind::kIndexPage, ""};
  if (n == 2 && s[0] == "studies" && !s[1].empty()) return {Kind::kStudyPage, s[1]};
  if (n == 2 && s[0] == "assets") return {Kind::kAsset, s[1]};
  if (n < 2 || s[0] != "api") return {};
  if (n == 2 && s[1] == "version") return {Kind::kVersion, ""};
  if (s[1] != "studies") return {};
  if (n == 2) return {Kind::kStudies, ""};
  if (s[2].empty()) return {};
  if (n == 3) return {Kind::kStudy, s[2]};
  if (n == 4 && s[3] == "view") return {Kind::kStudyView, s[2]};
  if (n == 4 && s[3] == "trials") return {Kind::kStudyTrials, s[2]};
  return {};
}

}  // namespace greentune::server
