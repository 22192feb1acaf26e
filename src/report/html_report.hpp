// greentune report --html: a study's view (study_views.hpp) as one self-contained HTML
// file.  ECharts, greentune.js and the style sheet are inlined (web_assets.hpp), so the
// file opens with no network, from disk or as an e-mail attachment, and a Content
// Security Policy forbids it any: no fetch, no image, no script but its own three.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace greentune {

// The page: window.GREENTUNE = {"mode": "report", "view": VIEW}, then greentune.js draws
// it.  User text in the view (names, categorical values, messages) stays data: the view
// is embedded with script_json and greentune.js shows it only as text.  The title is the
// study's name, HTML-escaped.
std::string html_report(const nlohmann::json& view);

// `text` with &, <, >, " and ' written as character references: safe as HTML text and
// inside a quoted attribute.
std::string html_escape(std::string_view text);

}  // namespace greentune
