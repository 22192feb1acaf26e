// The pure parts of the dashboard: who may use it, how URLs route, query parsing.
#include "server/access.hpp"

#include <gtest/gtest.h>

#include "server/api.hpp"
#include "server/pages.hpp"
#include "server/routes.hpp"

namespace greentune::server {
namespace {

TEST(TokensEqual, AcceptsOnlyTheSameBytes) {
  EXPECT_TRUE(tokens_equal("s3cret-token", "s3cret-token"));
  EXPECT_FALSE(tokens_equal("s3cret-tokeN", "s3cret-token"));
  EXPECT_FALSE(tokens_equal("S3cret-token", "s3cret-token"));
  EXPECT_FALSE(tokens_equal("", "s3cret-token"));
}

TEST(TokensEqual, RefusesPrefixesAndExtensions) {
  // The loop wraps around the expected token: a prefix or a repetition must not pass.
  EXPECT_FALSE(tokens_equal("s3cret", "s3cret-token"));
  EXPECT_FALSE(tokens_equal("s3cret-token-more", "s3cret-token"));
  EXPECT_FALSE(tokens_equal("abab", "ab"));
  EXPECT_FALSE(tokens_equal("a", "aa"));
  EXPECT_FALSE(tokens_equal(std::string(1, '\0'), "a"));
}

TEST(BearerToken, ReadsTheBearerScheme) {
  EXPECT_EQ(bearer_token("Bearer abc"), "abc");
  EXPECT_EQ(bearer_token("bearer  abc "), "abc");
  EXPECT_EQ(bearer_token("Basic abc"), "");
  EXPECT_EQ(bearer_token("Bearer"), "");
  EXPECT_EQ(bearer_token(""), "");
}

TEST(TokenProblem, RefusesWhatCannotTravelInHeaders) {
  EXPECT_EQ(token_problem("abc-DEF_123"), "");
  EXPECT_NE(token_problem(""), "");
  EXPECT_NE(token_problem("has space"), "");
  EXPECT_NE(token_problem("new\nline"), "");
  EXPECT_NE(token_problem(std::string(257, 'a')), "");
}

TEST(Loopback, KnowsTheLoopbackNames) {
  for (const char* host : {"127.0.0.1", "127.1.2.3", "localhost", "LOCALHOST", "::1", "[::1]"}) {
    EXPECT_TRUE(is_loopback_host(host)) << host;
  }
  for (const char* host : {"0.0.0.0", "192.168.1.2", "::", "127.0.0", "127.0.0.1.5", "128.0.0.1",
                           "localhost.evil.com", "1270.0.0.1", ""}) {
    EXPECT_FALSE(is_loopback_host(host)) << host;
  }
}

TEST(HostHeader, OnlyLoopbackNamesReachATokenlessDashboard) {
  EXPECT_TRUE(host_header_allowed("127.0.0.1:8080", "127.0.0.1"));
  EXPECT_TRUE(host_header_allowed("localhost:8080", "127.0.0.1"));
  EXPECT_TRUE(host_header_allowed("[::1]:8080", "127.0.0.1"));
  EXPECT_TRUE(host_header_allowed("", "127.0.0.1"));
  // DNS rebinding: a page of evil.example whose name now resolves to 127.0.0.1.
  EXPECT_FALSE(host_header_allowed("evil.example:8080", "127.0.0.1"));
  EXPECT_FALSE(host_header_allowed("evil.example", "localhost"));
}

TEST(Routes, RouteEveryPage) {
  using Kind = Route::Kind;
  EXPECT_EQ(route_of("/").kind, Kind::kIndexPage);
  EXPECT_EQ(route_of("/?token=x").kind, Kind::kIndexPage);
  EXPECT_EQ(route_of("/studies/a").kind, Kind::kStudyPage);
  EXPECT_EQ(route_of("/assets/greentune.js?v=1").kind, Kind::kAsset);
  EXPECT_EQ(route_of("/api/studies").kind, Kind::kStudies);
  EXPECT_EQ(route_of("/api/studies/a").kind, Kind::kStudy);
  EXPECT_EQ(route_of("/api/studies/a/view").kind, Kind::kStudyView);
  EXPECT_EQ(route_of("/api/studies/a/trials?offset=1").kind, Kind::kStudyTrials);
  EXPECT_EQ(route_of("/api/version").kind, Kind::kVersion);
  for (const char* bad : {"", "x", "/nope", "/studies/", "/studies", "/studies/a/b", "/api",
                          "/api/", "/api/studies/", "/api/studies/a/other", "/api/studies/a/view/x",
                          "/api/studies/%zz", "/assets/a/b", "/api/versions"}) {
    EXPECT_EQ(route_of(bad).kind, Kind::kNotFound) << bad;
  }
}

TEST(Routes, StudyNamesAreOneDecodedSegment) {
  Route r = route_of("/api/studies/a%2Fb%20%3Cc%3E+d/view");
  EXPECT_EQ(r.kind, Route::Kind::kStudyView);
  EXPECT_EQ(r.name, "a/b <c>+d");
  EXPECT_EQ(route_of("/studies/%2F..%2F..%2Fetc%2Fpasswd").name, "/../../etc/passwd");
  // The name round-trips through the encoding the pages use.
  const std::string name = "x/\"y\" <z>?&#%";
  EXPECT_EQ(route_of("/api/studies/" + percent_encode(name)).name, name);
}

TEST(Routes, PercentDecodeRefusesBrokenEscapes) {
  EXPECT_EQ(percent_decode("a%41"), "aA");
  EXPECT_EQ(percent_decode("%"), std::nullopt);
  EXPECT_EQ(percent_decode("%4"), std::nullopt);
  EXPECT_EQ(percent_decode("%g0"), std::nullopt);
}

TEST(PageRange, DefaultsCapsAndRefuses) {
  auto r = page_range(std::nullopt, std::nullopt);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->offset, 0u);
  EXPECT_EQ(r->limit, kDefaultTrialsPage);
  r = page_range(std::string("20"), std::string("100000"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->offset, 20u);
  EXPECT_EQ(r->limit, kMaxTrialsPage);
  for (const char* bad : {"-1", "1.5", "", "abc", "1e3", " 1", "99999999999999999999999"}) {
    EXPECT_FALSE(page_range(std::string(bad), std::nullopt)) << bad;
    EXPECT_FALSE(page_range(std::nullopt, std::string(bad))) << bad;
  }
  EXPECT_FALSE(page_range(std::nullopt, std::string("0")));
}

TEST(Pages, AssetsAreExactlyTheThree) {
  EXPECT_TRUE(find_asset("echarts.min.js"));
  EXPECT_TRUE(find_asset("greentune.js"));
  EXPECT_TRUE(find_asset("style.css"));
  for (const char* other :
       {"", "../CMakeLists.txt", "/etc/passwd", "greentune.js.map", "index.html", "GREENTUNE.JS"}) {
    EXPECT_FALSE(find_asset(other)) << other;
  }
  EXPECT_EQ(find_asset("style.css")->content_type.substr(0, 8), "text/css");
}

TEST(Pages, ConfigIsScriptSafeAndTheTitleIsText) {
  const std::string html = page_html({.title = "</title><script>alert(1)</script>",
                                      .mode = "live",
                                      .api = "/api/studies/" + percent_encode("</script>"),
                                      .token = std::string("t&k"),
                                      .nonce = "abc"});
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_NE(html.find("&lt;/title&gt;&lt;script&gt;"), std::string::npos);
  EXPECT_NE(html.find("<script nonce=\"abc\">"), std::string::npos);
  EXPECT_NE(html.find("token=t%26k"), std::string::npos);  // in the asset URLs
  EXPECT_NE(page_csp("abc").find("script-src 'self' 'nonce-abc'"), std::string::npos);
}

}  // namespace
}  // namespace greentune::server
