// The dashboard over real HTTP on loopback, on a real SQLite file: every route, what it
// refuses, the token, hostile names, and a study that changes while it is served.
#include "server/dashboard.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <csignal>
#include <thread>

#include "server/routes.hpp"
#include "server/server_test_helpers.hpp"

namespace greentune::server {
namespace {

using nlohmann::json;
using server::testing::kHostileChoice;
using server::testing::kHostileName;
using server::testing::write_study;

// A dashboard on a free port of 127.0.0.1, serving from a thread until destroyed.
class Served {
 public:
  explicit Served(DashboardOptions options) {
    options.port = 0;
    options.cache.refresh_factor = 0.0;  // tests see every change at once
    auto d = Dashboard::open(std::move(options));
    EXPECT_TRUE(d) << d.error().message;
    if (!d) return;
    dashboard_ = std::move(*d);
    EXPECT_TRUE(dashboard_->bind());
    thread_ = std::thread([this] { EXPECT_TRUE(dashboard_->serve()); });
  }
  ~Served() {
    if (!dashboard_) return;
    dashboard_->stop();
    thread_.join();
  }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", dashboard_->port());
    c.set_read_timeout(std::chrono::seconds(30));
    return c;
  }

 private:
  std::unique_ptr<Dashboard> dashboard_;
  std::thread thread_;
};

class DashboardTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { std::signal(SIGPIPE, SIG_IGN); }
  void SetUp() override {
    auto storage = open_storage(url_);
    ASSERT_TRUE(storage);
    storage_ = std::move(*storage);
    write_study(*storage_, "small", 12);
    write_study(*storage_, kHostileName, 4);
  }
  std::string api(const std::string& name, const std::string& rest = "") const {
    return "/api/studies/" + percent_encode(name) + rest;
  }
  static json body_json(const httplib::Result& r) { return json::parse(r->body); }

  greentune::testing::TempDir dir_;
  std::string url_ = "sqlite:///" + dir_.file("studies.db");
  std::unique_ptr<Storage> storage_;
};

TEST_F(DashboardTest, ServesEveryRoute) {
  Served served({.storage_url = url_});
  auto c = served.client();

  auto index = c.Get("/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
  EXPECT_EQ(index->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(index->body.find("/assets/greentune.js?v="), std::string::npos);
  EXPECT_NE(index->body.find("\"mode\":\"index\""), std::string::npos);

  auto page = c.Get("/studies/small");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("\"api\":\"/api/studies/small\""), std::string::npos);
  EXPECT_NE(page->body.find("\"mode\":\"live\""), std::string::npos);

  auto studies = c.Get("/api/studies");
  ASSERT_TRUE(studies);
  ASSERT_EQ(studies->status, 200);
  json list = body_json(studies)["studies"];
  ASSERT_EQ(list.size(), 2u);
  const json& small = list[1]["name"] == "small" ? list[1] : list[0];
  EXPECT_EQ(small["n_trials"], 12);
  EXPECT_EQ(small["states"]["complete"], 8);
  EXPECT_EQ(small["states"]["pruned"], 4);
  EXPECT_EQ(small["direction"], "minimize");
  EXPECT_GT(small["kwh"].get<double>(), 0.0);
  EXPECT_TRUE(small["best"].is_object());
  for (const char* key : {"metric", "co2e_g", "created", "stopped_because"}) {
    EXPECT_TRUE(small.contains(key)) << key;
  }

  auto summary = c.Get(api("small"));
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->status, 200);
  EXPECT_EQ(body_json(summary)["n_trials"], 12);
  EXPECT_TRUE(body_json(summary).contains("energy"));

  auto view = c.Get(api("small", "/view"));
  ASSERT_TRUE(view);
  EXPECT_EQ(view->status, 200);
  EXPECT_EQ(body_json(view)["trials"]["total"], 12);
  EXPECT_EQ(view->get_header_value("Content-Type"), "application/json; charset=utf-8");

  auto trials = c.Get(api("small", "/trials?offset=10&limit=5"));
  ASSERT_TRUE(trials);
  EXPECT_EQ(trials->status, 200);
  json t = body_json(trials);
  EXPECT_EQ(t["total"], 12);
  ASSERT_EQ(t["trials"].size(), 2u);
  EXPECT_EQ(t["trials"][0]["number"], 10);

  auto version = c.Get("/api/version");
  ASSERT_TRUE(version);
  EXPECT_EQ(version->status, 200);
  EXPECT_TRUE(body_json(version)["version"].is_number_integer());
}

TEST_F(DashboardTest, ServesTheThreeAssetsAndNothingElse) {
  Served served({.storage_url = url_});
  auto c = served.client();
  for (const char* name : {"echarts.min.js", "greentune.js", "style.css"}) {
    auto r = c.Get(std::string("/assets/") + name);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << name;
    EXPECT_FALSE(r->body.empty()) << name;
    EXPECT_NE(r->get_header_value("Cache-Control"), "") << name;
  }
  EXPECT_EQ(c.Get("/assets/greentune.js")->get_header_value("Content-Type"),
            "text/javascript; charset=utf-8");
  EXPECT_EQ(c.Get("/assets/style.css")->get_header_value("Content-Type"),
            "text/css; charset=utf-8");
  for (const char* path :
       {"/assets/..%2F..%2FCMakeLists.txt", "/assets/../CMakeLists.txt", "/assets/%2Fetc%2Fpasswd",
        "/assets/greentune.js.map", "/assets/", "/CMakeLists.txt", "/web/src/greentune.js"}) {
    auto r = c.Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 404) << path;
  }
}

TEST_F(DashboardTest, AnswersErrorsAsJson) {
  Served served({.storage_url = url_});
  auto c = served.client();
  auto unknown = c.Get(api("no such study", "/view"));
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_TRUE(body_json(unknown).contains("error"));
  EXPECT_EQ(c.Get(api("nope"))->status, 404);
  EXPECT_EQ(c.Get("/studies/nope")->status, 404);
  EXPECT_EQ(c.Get("/api/nothing")->status, 404);
  for (const char* query : {"?offset=-1", "?limit=0", "?limit=x", "?offset=1.5", "?offset="}) {
    auto r = c.Get(api("small", std::string("/trials") + query));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << query;
    EXPECT_TRUE(body_json(r).contains("error")) << query;
  }
  auto capped = c.Get(api("small", "/trials?limit=999999"));
  EXPECT_EQ(body_json(capped)["limit"], 1000);
}

TEST_F(DashboardTest, IsReadOnly) {
  Served served({.storage_url = url_});
  auto c = served.client();
  std::vector<httplib::Result> writes;
  writes.push_back(c.Post(api("small"), "{}", "application/json"));
  writes.push_back(c.Put(api("small"), "{}", "application/json"));
  writes.push_back(c.Delete(api("small")));
  writes.push_back(c.Patch("/api/version", "{}", "application/json"));
  writes.push_back(c.Options("/"));
  for (const auto& r : writes) {
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 405);
    EXPECT_EQ(r->get_header_value("Allow"), "GET, HEAD");
  }
  auto head = c.Head(api("small", "/view"));
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_TRUE(head->body.empty());
}

TEST_F(DashboardTest, SendsSecurityHeadersAndNoCors) {
  Served served({.storage_url = url_});
  auto c = served.client();
  httplib::Headers from_elsewhere = {{"Origin", "http://evil.example"}};
  for (const char* path : {"/", "/studies/small", "/api/studies", "/assets/greentune.js"}) {
    auto r = c.Get(path, from_elsewhere);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->get_header_value("X-Content-Type-Options"), "nosniff") << path;
    EXPECT_FALSE(r->has_header("Access-Control-Allow-Origin")) << path;
    EXPECT_NE(r->get_header_value("Content-Security-Policy"), "") << path;
  }
  auto page = c.Get("/");
  const std::string csp = page->get_header_value("Content-Security-Policy");
  const size_t script_src = csp.find("script-src ");
  ASSERT_NE(script_src, std::string::npos);
  const std::string scripts = csp.substr(script_src, csp.find(';', script_src) - script_src);
  EXPECT_EQ(scripts.substr(0, 25), "script-src 'self' 'nonce-");
  EXPECT_EQ(scripts.find("unsafe"), std::string::npos);
  const std::string nonce = csp.substr(csp.find("'nonce-") + 7, 32);
  EXPECT_NE(page->body.find("<script nonce=\"" + nonce + "\">"), std::string::npos);
  // Each page gets a fresh nonce.
  EXPECT_EQ(c.Get("/")->get_header_value("Content-Security-Policy").find(nonce), std::string::npos);
  // DNS rebinding: a request for another host name is refused.
  auto rebound = c.Get("/api/studies", {{"Host", "evil.example:80"}});
  ASSERT_TRUE(rebound);
  EXPECT_EQ(rebound->status, 403);
}

TEST_F(DashboardTest, HostileNamesRoundTripAsText) {
  Served served({.storage_url = url_});
  auto c = served.client();
  auto page = c.Get("/studies/" + percent_encode(kHostileName));
  ASSERT_TRUE(page);
  ASSERT_EQ(page->status, 200);
  EXPECT_EQ(page->body.find("<script>alert"), std::string::npos);
  EXPECT_EQ(page->body.find("<img src=x"), std::string::npos);
  EXPECT_NE(page->body.find("&lt;script&gt;alert"), std::string::npos);

  auto view = c.Get(api(kHostileName, "/view"));
  ASSERT_TRUE(view);
  ASSERT_EQ(view->status, 200);
  json v = body_json(view);
  EXPECT_EQ(v["study"]["name"], kHostileName);
  EXPECT_NE(view->body.find("onerror"), std::string::npos);  // data, served as JSON
  auto trials = c.Get(api(kHostileName, "/trials"));
  EXPECT_EQ(body_json(trials)["trials"][1]["params"]["kind"], kHostileChoice);
  bool listed = false;
  const json studies = body_json(c.Get("/api/studies"));
  for (const json& s : studies["studies"]) listed |= s["name"] == kHostileName;
  EXPECT_TRUE(listed);
}

TEST_F(DashboardTest, ShowsNewTrialsWithoutRestarting) {
  Served served({.storage_url = url_});
  auto c = served.client();
  const json before = body_json(c.Get("/api/version"))["version"];
  EXPECT_EQ(body_json(c.Get(api("small", "/view")))["trials"]["total"], 12);
  // Another connection (as `tune` in another process would) adds a trial.
  auto writer = open_storage(url_);
  ASSERT_TRUE(writer);
  auto study = (*writer)->find_study("small");
  ASSERT_TRUE(study && *study);
  server::testing::add_trial(**writer, (*study)->id, 12, 1.8e9);
  const json after = body_json(c.Get("/api/version"))["version"];
  EXPECT_NE(after, before);
  EXPECT_EQ(body_json(c.Get(api("small", "/view")))["trials"]["total"], 13);
  EXPECT_EQ(body_json(c.Get(api("small", "/trials?offset=12")))["trials"][0]["number"], 12);
  EXPECT_EQ(body_json(c.Get(api("small")))["n_trials"], 13);
  // Unchanged storage: the same version.
  EXPECT_EQ(body_json(c.Get("/api/version"))["version"], after);
}

TEST_F(DashboardTest, TokenIsCheckedOnEveryRoute) {
  Served served({.storage_url = url_, .token = std::string("s3cret-token")});
  auto c = served.client();
  const std::vector<std::string> paths = {"/",
                                          "/studies/small",
                                          "/assets/greentune.js",
                                          "/assets/style.css",
                                          "/api/studies",
                                          api("small"),
                                          api("small", "/view"),
                                          api("small", "/trials"),
                                          "/api/version",
                                          "/nope"};
  for (const auto& path : paths) {
    auto none = c.Get(path);
    ASSERT_TRUE(none);
    EXPECT_EQ(none->status, 401) << path;
    EXPECT_EQ(none->body.find("s3cret"), std::string::npos);
    auto wrong = c.Get(path, {{"Authorization", "Bearer s3cret-tokeN"}});
    EXPECT_EQ(wrong->status, 401) << path;
    EXPECT_EQ(c.Get(path + "?token=s3cret").value().status, 401) << path;
    const int ok = path == "/nope" ? 404 : 200;
    EXPECT_EQ(c.Get(path, {{"Authorization", "Bearer s3cret-token"}})->status, ok) << path;
    EXPECT_EQ(c.Get(path + "?token=s3cret-token")->status, ok) << path;
  }
  // The page hands the token to its script and its asset URLs.
  auto page = c.Get("/?token=s3cret-token");
  EXPECT_NE(page->body.find("\"token\":\"s3cret-token\""), std::string::npos);
  EXPECT_NE(page->body.find("/assets/greentune.js?v="), std::string::npos);
  EXPECT_NE(page->body.find("&amp;token=s3cret-token"), std::string::npos);
  EXPECT_EQ(c.Post("/api/studies?token=s3cret-token", "", "text/plain")->status, 405);
}

TEST(DashboardOpen, RefusesWhatItCannotServeSafely) {
  greentune::testing::TempDir dir;
  const std::string url = "sqlite:///" + dir.file("a.db");
  ASSERT_TRUE(open_storage(url));  // creates it
  auto open = [](DashboardOptions o) { return Dashboard::open(std::move(o)); };
  auto exposed = open({.storage_url = url, .host = "0.0.0.0"});
  ASSERT_FALSE(exposed);
  EXPECT_EQ(exposed.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(exposed.error().message.find("--token"), std::string::npos);
  EXPECT_TRUE(open({.storage_url = url, .host = "0.0.0.0", .port = 0, .token = "long-enough"}));
  EXPECT_FALSE(open({.storage_url = url, .token = std::string("")}));
  EXPECT_FALSE(open({.storage_url = url, .token = std::string("a b")}));
  EXPECT_FALSE(open({.storage_url = url, .port = 70000}));
  EXPECT_FALSE(open({.storage_url = "mysql://x"}));
  auto missing = open({.storage_url = "sqlite:///" + dir.file("missing.db")});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(dir.file("missing.db")));  // nothing was created
}

TEST(DashboardOpen, ReportsTheBoundPortAndRefusesABusyOne) {
  greentune::testing::TempDir dir;
  const std::string url = "sqlite:///" + dir.file("a.db");
  ASSERT_TRUE(open_storage(url));
  auto first = Dashboard::open({.storage_url = url, .port = 0});
  ASSERT_TRUE(first);
  ASSERT_TRUE((*first)->bind());
  EXPECT_GT((*first)->port(), 0);
  EXPECT_EQ((*first)->url(), "http://127.0.0.1:" + std::to_string((*first)->port()) + "/");
  auto second = Dashboard::open({.storage_url = url, .port = (*first)->port()});
  ASSERT_TRUE(second);
  auto bound = (*second)->bind();
  ASSERT_FALSE(bound);
  EXPECT_EQ(bound.error().code, ErrorCode::kIo);
}

}  // namespace
}  // namespace greentune::server
