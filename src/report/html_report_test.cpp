// The embedded front end (web_assets) and the self-contained HTML page (html_report).
// The page itself is opened in real Chromium by src/cli/report_html_e2e_test.cpp.
#include "report/html_report.hpp"

#include <gtest/gtest.h>

#include "report/web_assets.hpp"

namespace greentune {
namespace {

using nlohmann::json;

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(WebAssets, TheThreeFilesAreCompiledIn) {
  EXPECT_GT(web_asset("echarts.min.js").size(), 500000U);
  // ECharts' charts and components that greentune.js uses (web/src/echarts_bundle.mjs),
  // with the licences of what is in it.
  EXPECT_NE(web_asset("echarts.min.js").find("Apache ECharts 6.1.0"), std::string::npos);
  EXPECT_NE(web_asset("echarts.min.js").find("Apache License 2.0"), std::string::npos);
  EXPECT_NE(web_asset("echarts.min.js").find("window.echarts"), std::string::npos);
  EXPECT_NE(web_asset("greentune.js").find("window.greentuneCharts"), std::string::npos);
  EXPECT_NE(web_asset("style.css").find(".chart"), std::string::npos);
  for (auto name : kWebAssetNames) EXPECT_FALSE(web_asset_type(name).empty()) << name;
}

TEST(WebAssets, AnyOtherNameIsEmpty) {
  for (const char* name : {"", "echarts.js", "../style.css", "greentune.js/", "STYLE.CSS"}) {
    EXPECT_TRUE(web_asset(name).empty()) << name;
    EXPECT_TRUE(web_asset_type(name).empty()) << name;
  }
}

TEST(ScriptJson, EscapesWhatCouldEndOrChangeAScriptElement) {
  const json value = {{"name", "</script><script>alert(1)</script>"},
                      {"c", "<!-- a & b -->"},
                      {"ls", "a\u2028b\u2029c"}};
  const std::string text = script_json(value);
  for (const char* bad : {"<", ">", "&", "\u2028", "\u2029"}) {
    EXPECT_EQ(text.find(bad), std::string::npos) << bad << " in " << text;
  }
  EXPECT_NE(text.find("\\u003c/script\\u003e"), std::string::npos) << text;
  EXPECT_EQ(json::parse(text), value);  // the same value, read back
}

TEST(ScriptJson, KeepsOtherTextAndNumbers) {
  const json value = {{"μ", "café ☕"}, {"x", 0.25}, {"n", nullptr}, {"q", "\"quoted\""}};
  EXPECT_EQ(json::parse(script_json(value)), value);
  EXPECT_NE(script_json(value).find("café ☕"), std::string::npos);
}

TEST(HtmlEscape, AllFive) {
  EXPECT_EQ(html_escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

TEST(HtmlReport, OneSelfContainedPage) {
  const json view = {{"study", {{"name", "s"}}}, {"trials", {{"total", 0}}}};
  const std::string page = html_report(view);
  EXPECT_EQ(page.rfind("<!doctype html>", 0), 0U);
  // Everything inlined: three scripts (ECharts, the config, greentune.js) and the style.
  EXPECT_EQ(count(page, "<script nonce="), 3U);
  EXPECT_EQ(count(page, "</script>"), 3U);
  EXPECT_NE(page.find(std::string(web_asset("style.css"))), std::string::npos);
  EXPECT_NE(page.find(std::string(web_asset("greentune.js"))), std::string::npos);
  EXPECT_EQ(page.find("src=\"http"), std::string::npos);
  EXPECT_EQ(page.find("<link rel=\"stylesheet"), std::string::npos);
  EXPECT_NE(page.find("<link rel=\"icon\" href=\"data:,\">"), std::string::npos);
  EXPECT_NE(page.find("window.GREENTUNE = {\"mode\":\"report\",\"view\":{"), std::string::npos);
  EXPECT_NE(page.find("default-src 'none'"), std::string::npos);
}

TEST(HtmlReport, UserTextCannotLeaveItsScriptOrTitle) {
  const std::string payload = "</script><script>window.__xss=1</script><img src=x onerror=alert(1)>";
  const json view = {{"study", {{"name", payload}}}, {"space", {{{"name", payload}}}}};
  const std::string page = html_report(view);
  EXPECT_EQ(page.find(payload), std::string::npos);
  EXPECT_EQ(count(page, "</script>"), 3U);
  EXPECT_EQ(page.find("<img src=x"), std::string::npos);
  EXPECT_NE(page.find("<title>&lt;/script&gt;&lt;script&gt;window.__xss=1"), std::string::npos);
}

TEST(HtmlReport, EachPageHasItsOwnNonce) {
  const json view = {{"study", {{"name", "s"}}}};
  auto nonce = [](const std::string& page) {
    const size_t at = page.find("'nonce-") + 7;
    return page.substr(at, page.find('\'', at) - at);
  };
  const std::string a = nonce(html_report(view));
  EXPECT_EQ(a.size(), 32U);
  EXPECT_NE(a, nonce(html_report(view)));
}

}  // namespace
}  // namespace greentune
