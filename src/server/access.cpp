#include "server/access.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>

namespace greentune::server {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_ipv4_127(std::string_view host) {
  int parts = 0;
  size_t pos = 0;
  while (pos <= host.size()) {
    size_t dot = host.find('.', pos);
    if (dot == std::string_view::npos) dot = host.size();
    std::string_view part = host.substr(pos, dot - pos);
    unsigned value = 256;
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size() || value > 255) {
      return false;
    }
    if (parts == 0 && value != 127) return false;
    ++parts;
    pos = dot + 1;
  }
  return parts == 4;
}

// The host part of a Host header: "[::1]:8080" -> "::1", "a.b:80" -> "a.b".
std::string_view host_of(std::string_view header) {
  if (!header.empty() && header.front() == '[') {
    size_t close = header.find(']');
    return close == std::string_view::npos ? header : header.substr(1, close - 1);
  }
  size_t colon = header.rfind(':');
  return colon == std::string_view::npos ? header : header.substr(0, colon);
}

}  // namespace

bool is_loopback_host(std::string_view host) {
  const std::string h = lower(host);
  return h == "localhost" || h == "::1" || h == "[::1]" || is_ipv4_127(h);
}

bool host_header_allowed(std::string_view host_header, std::string_view bound_host) {
  if (host_header.empty()) return true;
  const std::string_view host = host_of(host_header);
  if (is_loopback_host(host)) return true;
  return lower(host) == lower(host_of(bound_host)) || lower(host) == lower(bound_host);
}

std::string_view bearer_token(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size()) return {};
  if (lower(authorization.substr(0, kScheme.size())) != kScheme) return {};
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  return token;
}

bool tokens_equal(std::string_view given, std::string_view expected) {
  // volatile keeps the compiler from turning the accumulation into an early exit.
  volatile uint8_t diff = given.size() == expected.size() ? 0 : 1;
  const size_t n = expected.size();
  for (size_t i = 0; i < given.size(); ++i) {
    diff = static_cast<uint8_t>(
        diff | (static_cast<uint8_t>(given[i]) ^ static_cast<uint8_t>(expected[i % n])));
  }
  return diff == 0;
}

std::string token_problem(std::string_view token) {
  if (token.empty()) return "the token is empty";
  if (token.size() > 256) return "the token is longer than 256 characters";
  for (char c : token) {
    if (c <= ' ' || c > '~') {
      return "the token must be printable ASCII without spaces (it is sent in headers and URLs)";
    }
  }
  return "";
}

}  // namespace greentune::server
