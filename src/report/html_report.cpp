#include "report/html_report.hpp"

#include <array>
#include <random>

#include <fmt/format.h>

#include "report/web_assets.hpp"

namespace greentune {
namespace {

// A nonce for the page's Content Security Policy.  Markup smuggled into the page through
// user text cannot know it, so even a script element that escaped escaping would not run
// (a second line of defence: greentune.js shows user text only as text).
std::string csp_nonce() {
  std::random_device device;
  std::array<uint32_t, 4> words{};
  for (auto& w : words) w = device();
  return fmt::format("{:08x}{:08x}{:08x}{:08x}", words[0], words[1], words[2], words[3]);
}

std::string study_name(const nlohmann::json& view) {
  if (view.contains("study") && view["study"].is_object()) {
    const auto& name = view["study"].value("name", nlohmann::json());
    if (name.is_string()) return name.get<std::string>();
  }
  return "study";
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string html_report(const nlohmann::json& view) {
  const std::string nonce = csp_nonce();
  const nlohmann::json config = {{"mode", "report"}, {"view", view}};
  // 'unsafe-inline' styles: ECharts positions its tooltips with style attributes.
  return fmt::format(
      R"(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; img-src data: blob:; base-uri 'none'; form-action 'none'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="greentune">
<link rel="icon" href="data:,">
<title>{title} · greentune report</title>
<style>
{style}
</style>
</head>
<body>
<div id="greentune"></div>
<script nonce="{nonce}">
{echarts}
</script>
<script nonce="{nonce}">
window.GREENTUNE = {config};
</script>
<script nonce="{nonce}">
{app}
</script>
</body>
</html>
)",
      fmt::arg("nonce", nonce), fmt::arg("title", html_escape(study_name(view))),
      fmt::arg("style", web_asset("style.css")), fmt::arg("echarts", web_asset("echarts.min.js")),
      fmt::arg("config", script_json(config)), fmt::arg("app", web_asset("greentune.js")));
}

}  // namespace greentune
