// The front end of the HTML report and the dashboard, compiled into the binary at build
// time (web/, embedded by web_assets_embed.cmake): Apache ECharts (pinned in
// web/package-lock.json), greentune's own script (web/src/greentune.js) and its style
// sheet (web/style.css).  The report inlines them into one file; the dashboard serves them
// at /assets/NAME.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace greentune {

// The names web_asset knows, in the order a page loads them.
inline constexpr std::string_view kWebAssetNames[] = {"echarts.min.js", "greentune.js",
                                                      "style.css"};

// The text of the asset called `name` (one of kWebAssetNames), or an empty view for any
// other name.  The view points into static storage: valid for the life of the program.
std::string_view web_asset(std::string_view name);

// The MIME type to serve an asset with ("text/javascript; charset=utf-8", "text/css;
// charset=utf-8"), or "" for an unknown name.
std::string_view web_asset_type(std::string_view name);

// `value` as JSON text that is safe inside an HTML <script> element: '<', '>' and '&'
// written as \u003c, \u003e and \u0026, so that no "</script>" or "<!--" can end or
// change the element, and U+2028 / U+2029 as \u2028 / \u2029 (line terminators in older
// JavaScript).  It parses back to the same value, as JSON and as a JavaScript literal.
std::string script_json(const nlohmann::json& value);

}  // namespace greentune
