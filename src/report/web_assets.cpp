#include "report/web_assets.hpp"

namespace greentune {

// Defined in the generated web_assets_data.cpp.
namespace web_data {
extern const std::string_view kEchartsMinJs;
extern const std::string_view kGreentuneJs;
extern const std::string_view kStyleCss;
}  // namespace web_data

std::string_view web_asset(std::string_view name) {
  if (name == "echarts.min.js") return web_data::kEchartsMinJs;
  if (name == "greentune.js") return web_data::kGreentuneJs;
  if (name == "style.css") return web_data::kStyleCss;
  return {};
}

std::string_view web_asset_type(std::string_view name) {
  if (name == "echarts.min.js" || name == "greentune.js") return "text/javascript; charset=utf-8";
  if (name == "style.css") return "text/css; charset=utf-8";
  return {};
}

std::string script_json(const nlohmann::json& value) {
  // dump() keeps non-ASCII text as UTF-8 (and replaces invalid bytes with U+FFFD rather
  // than throwing); the characters that matter to HTML are then rewritten.  They occur
  // only inside JSON strings, where a \u escape means the same character.
  const std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size() + text.size() / 16);
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else if (c == '\xE2' && i + 2 < text.size() && text[i + 1] == '\x80' &&
               (text[i + 2] == '\xA8' || text[i + 2] == '\xA9')) {
      out += text[i + 2] == '\xA8' ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace greentune
