#include "server/pages.hpp"

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <random>

#include "report/html_report.hpp"
#include "report/web_assets.hpp"
#include "server/routes.hpp"

namespace greentune::server {

std::string make_nonce() {
  std::random_device device;
  std::array<uint32_t, 4> words{};
  for (auto& w : words) w = device();
  return fmt::format("{:08x}{:08x}{:08x}{:08x}", words[0], words[1], words[2], words[3]);
}

std::string page_csp(std::string_view nonce) {
  // 'unsafe-inline' styles only: ECharts positions its tooltips with style attributes.
  return fmt::format(
      "default-src 'none'; script-src 'self' 'nonce-{}'; style-src 'self' 'unsafe-inline'; "
      "img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
      "frame-ancestors 'none'",
      nonce);
}

std::optional<Asset> find_asset(std::string_view name) {
  for (std::string_view known : kWebAssetNames) {
    if (name == known) return Asset{web_asset(known), web_asset_type(known)};
  }
  return std::nullopt;
}

const std::string& assets_version() {
  static const std::string version = [] {
    // FNV-1a over the three assets: a build with other assets gets other URLs.
    uint64_t h = 14695981039346656037ULL;
    for (std::string_view name : kWebAssetNames) {
      for (unsigned char c : web_asset(name)) h = (h ^ c) * 1099511628211ULL;
    }
    return fmt::format("{:016x}", h);
  }();
  return version;
}

std::string page_html(const PageSpec& spec) {
  std::string query = "?v=" + assets_version();
  if (spec.token) query += "&token=" + percent_encode(*spec.token);
  auto asset_url = [&](std::string_view name) {
    return html_escape(fmt::format("/assets/{}{}", name, query));
  };
  nlohmann::json config = {{"mode", spec.mode}, {"api", spec.api}, {"token", nullptr}};
  if (spec.token) config["token"] = *spec.token;
  // The empty icon keeps browsers from asking for /favicon.ico (without the token).
  return fmt::format(
      R"(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>{title} · greentune dashboard</title>
<link rel="stylesheet" href="{style}">
</head>
<body>
<div id="greentune"></div>
<script src="{echarts}"></script>
<script nonce="{nonce}">
window.GREENTUNE = {config};
</script>
<script src="{app}"></script>
</body>
</html>
)",
      fmt::arg("title", html_escape(spec.title)), fmt::arg("style", asset_url("style.css")),
      fmt::arg("echarts", asset_url("echarts.min.js")), fmt::arg("nonce", spec.nonce),
      fmt::arg("config", script_json(config)), fmt::arg("app", asset_url("greentune.js")));
}

}  // namespace greentune::server
