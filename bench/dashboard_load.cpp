// How fast the dashboard serves big studies, and whether it holds 50 clients.
//
//   build/bench_dashboard_load [--trials 100000] [--small 1000]   the table (ms, bytes)
//   build/bench_dashboard_load --load-test [--seconds 10]       wrk, 50 connections (ctest)
//   build/bench_dashboard_load --write big.db                   only write the two studies
//
// The table: for a 1,000- and a 100,000-trial SQLite study, a fresh dashboard's first
// (cold: the study is read) and later (warm: cached) GETs of /api/studies/NAME/view and
// of a /trials page, and, where Chromium and web/test/page_check.mjs are present, the
// whole page in a browser until its charts are drawn.  The studies are written in one
// transaction each, straight into the schema (trials, params, 5 intermediate values,
// CPU and DRAM energy, a verdict for every pruned trial), then checked through Storage.
//
// --load-test: wrk -t2 -c50 for --seconds on the view and on /api/version of a
// 1,000-trial study; exit 1 on any non-2xx answer or socket error, 77 (skipped) when
// wrk is not installed.
#include <fmt/format.h>
#include <httplib.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "greentune/storage.hpp"
#include "greentune/summary.hpp"
#include "report/study_views.hpp"
#include "server/dashboard.hpp"
#include "server/routes.hpp"
#include "storage/sqlite_codec.hpp"
#include "testing/test_helpers.hpp"

namespace greentune {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

void check(int rc, sqlite3* db, const char* what) {
  if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return;
  fmt::print(stderr, "bench: {}: {}\n", what, sqlite3_errmsg(db));
  std::exit(1);
}

StudyRecord bench_record(const std::string& name) {
  StudyRecord r;
  r.name = name;
  r.metric = "val_loss";
  r.space = nlohmann::ordered_json::object();
  r.space["lr"] = {{"type", "float"}, {"low", 1e-4}, {"high", 0.3}, {"log", true}};
  r.space["depth"] = {{"type", "int"}, {"low", 2}, {"high", 12}};
  r.space["booster"] = {{"type", "categorical"}, {"choices", {"gbtree", "dart", "gblinear"}}};
  r.sampler = {{"name", "random"}, {"seed", 1}};
  r.created = 1.7e9;
  return r;
}

// One prepared statement, bound and run per row.
struct Insert {
  Insert(sqlite3* db, const char* sql) : db_(db) {
    check(sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr), db, sql);
  }
  ~Insert() { sqlite3_finalize(stmt_); }
  Insert& i64(int col, int64_t v) {
    sqlite3_bind_int64(stmt_, col, v);
    return *this;
  }
  Insert& real(int col, double v) {
    sqlite3_bind_double(stmt_, col, v);
    return *this;
  }
  Insert& text(int col, const std::string& v) {
    sqlite3_bind_text(stmt_, col, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  void run() {
    check(sqlite3_step(stmt_), db_, "insert");
    sqlite3_reset(stmt_);
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// Writes a study of `n` trials in one transaction; returns the seconds it took.
double write_study(const std::string& path, const std::string& name, int n) {
  const auto start = Clock::now();
  int64_t study_id = -1;
  {
    auto storage = open_storage("sqlite:///" + path);
    if (!storage) std::exit(1);
    auto study = (*storage)->create_study(bench_record(name));
    if (!study) std::exit(1);
    study_id = study->id;
  }
  sqlite3* db = nullptr;
  check(sqlite3_open(path.c_str(), &db), db, "open");
  check(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), db, "begin");
  {
    Insert trial(db,
                 "INSERT INTO trials (study_id, number, state, value, created, started, "
                 "finished, heartbeat, worker) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '')");
    Insert param(db, "INSERT INTO trial_params (trial_id, name, kind, value) VALUES (?, ?, ?, ?)");
    Insert value(db,
                 "INSERT INTO trial_values (trial_id, metric, step, value, time) "
                 "VALUES (?, 'val_loss', ?, ?, ?)");
    Insert energy(db,
                  "INSERT INTO trial_energy (trial_id, component, joules, source) "
                  "VALUES (?, ?, ?, 'rapl')");
    Insert event(db,
                 "INSERT INTO events (study_id, trial_id, time, kind, level, message, data) "
                 "VALUES (?, ?, ?, 'verdict', 'info', 'median pruner: worse than the median "
                 "at step 3', '{\"action\": \"stop\"}')");
    const char* boosters[] = {"gbtree", "dart", "gblinear"};
    for (int i = 0; i < n; ++i) {
      const double u = std::fmod(i * 0.6180339887, 1.0);
      const double lr = 1e-4 * std::pow(3000.0, u);
      const int depth = 2 + i % 11;
      const bool pruned = i % 3 == 2;
      const double loss =
          0.1 + std::abs(std::log10(lr) + 2.0) * 0.1 + 0.01 * depth + 0.2 / std::sqrt(1.0 + i);
      const double t0 = 1.7e9 + i * 30.0;
      trial.i64(1, study_id)
          .i64(2, i)
          .text(3, pruned ? "pruned" : "complete")
          .real(4, loss)
          .real(5, t0)
          .real(6, t0)
          .real(7, t0 + (pruned ? 12 : 25))
          .real(8, t0 + 20)
          .run();
      const int64_t id = sqlite3_last_insert_rowid(db);
      for (const auto& [pname, pvalue] :
           Params{{"lr", ParamValue(lr)},
                  {"depth", ParamValue(int64_t{depth})},
                  {"booster", ParamValue(std::string(boosters[i % 3]))}}) {
        auto encoded = storage_detail::encode_param(pvalue);
        param.i64(1, id).text(2, pname).text(3, encoded.kind).text(4, encoded.text).run();
      }
      for (int step = 1; step <= (pruned ? 3 : 5); ++step) {
        value.i64(1, id).i64(2, step).real(3, loss + 0.5 / step).real(4, t0 + step * 4).run();
      }
      energy.i64(1, id).text(2, "cpu").real(3, 800.0 + 50.0 * depth).run();
      energy.i64(1, id).text(2, "dram").real(3, 60.0 + depth).run();
      if (pruned) event.i64(1, study_id).i64(2, id).real(3, t0 + 12).run();
    }
  }
  check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit");
  sqlite3_close(db);
  auto storage = open_storage("sqlite:///" + path);
  if (!storage) std::exit(1);
  auto record = (*storage)->find_study(name);
  if (!record || !*record) std::exit(1);
  auto trials = (*storage)->trials((**record).id);
  if (!trials || static_cast<int>(trials->size()) != n) {
    fmt::print(stderr, "bench: {} did not read back as {} trials\n", name, n);
    std::exit(1);
  }
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A dashboard on a free loopback port, serving from a thread while it lives.
class Running {
 public:
  explicit Running(const std::string& url, bool warm_up = false) {
    auto d = server::Dashboard::open({.storage_url = url, .port = 0, .warm_up = warm_up});
    if (!d || !(*d)->bind()) {
      fmt::print(stderr, "bench: cannot start the dashboard\n");
      std::exit(1);
    }
    dashboard_ = std::move(*d);
    thread_ = std::thread([this] { (void)dashboard_->serve(); });
  }
  ~Running() {
    dashboard_->stop();
    thread_.join();
  }
  int port() const { return dashboard_->port(); }

 private:
  std::unique_ptr<server::Dashboard> dashboard_;
  std::thread thread_;
};

struct Timed {
  double ms = 0;
  size_t bytes = 0;
};

Timed get(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(std::chrono::seconds(120));
  const auto start = Clock::now();
  auto r = client.Get(path);
  const double ms = ms_since(start);
  if (!r || r->status != 200) {
    fmt::print(stderr, "bench: GET {} failed ({})\n", path, r ? r->status : -1);
    std::exit(1);
  }
  return {ms, r->body.size()};
}

Timed warm(int port, const std::string& path) {
  std::vector<double> ms;
  Timed last;
  for (int k = 0; k < 5; ++k) {
    last = get(port, path);
    ms.push_back(last.ms);
  }
  std::sort(ms.begin(), ms.end());
  return {ms[2], last.bytes};  // the median
}

// Chromium through web/test/page_check.mjs, when all of it is here: ms from navigation
// until the page's charts are drawn with every trial counted, or a note why not.
std::string browser_ms(const std::string& url, int trials, const std::string& out_dir) {
  const std::string script = std::string(GREENTUNE_SOURCE_DIR) + "/web/test/page_check.mjs";
  if (!std::filesystem::exists(script)) return "no page_check.mjs";
  if (!std::filesystem::exists("/usr/bin/chromium")) return "no chromium";
  auto r =
      testing::run_command({"node", script, url, out_dir, "--expect-charts",
                            "history,intermediate,energy,carbon,pareto,importance,parallel",
                            "--wait-for-trials", std::to_string(trials), "--timeout-ms", "60000"});
  if (r.exit_code != 0) {
    fmt::print(stderr, "bench: page_check failed ({}):\n{}{}\n", r.exit_code, r.out, r.err);
    return "failed";
  }
  // page_check's load_ms: from navigation until the charts of the first screen are drawn with
  // all trials counted (the others are drawn as the page scrolls to them).
  auto summary = nlohmann::json::parse(r.out, nullptr, false);
  if (!summary.is_object() || !summary.value("load_ms", nlohmann::json()).is_number()) {
    return "no load_ms";
  }
  return fmt::format("{}", summary["load_ms"].get<int64_t>());
}

void row(const std::string& study, const std::string& what, const Timed& t) {
  fmt::print("| {:<12} | {:<34} | {:>9.1f} | {:>10} |\n", study, what, t.ms, t.bytes);
}

// Where a cold view's time goes, in process: reading the study, then building the view.
void cold_parts(const std::string& url, const std::string& name) {
  auto storage = open_storage(url);
  if (!storage) std::exit(1);
  auto start = Clock::now();
  auto record = (*storage)->find_study(name);
  auto trials = (*storage)->trials((**record).id);
  row(name, "  in process: trials()", {ms_since(start), 0});
  start = Clock::now();
  auto data = load_study_data(**storage, **record, std::move(*trials));
  row(name, "  in process: load_study_data", {ms_since(start), 0});
  start = Clock::now();
  auto view = study_view_json(*data);
  row(name, "  in process: study_view_json", {ms_since(start), 0});
  start = Clock::now();
  const size_t bytes = view.dump().size();
  row(name, "  in process: dump", {ms_since(start), bytes});
}

int table(int big, int small) {
  testing::TempDir dir;
  const std::string path = dir.file("dashboard.db");
  std::vector<std::pair<std::string, int>> studies = {{fmt::format("study-{}", small), small},
                                                      {fmt::format("study-{}", big), big}};
  for (const auto& [name, n] : studies) {
    fmt::print("wrote {} ({} trials) in {:.2f} s\n", name, n, write_study(path, name, n));
  }
  const std::string url = "sqlite:///" + path;
  fmt::print("\n| {:<12} | {:<34} | {:>9} | {:>10} |\n", "study", "request", "ms", "bytes");
  fmt::print("|{:-<14}|{:-<36}|{:-<11}|{:-<12}|\n", "", "", "", "");
  std::vector<std::string> browser;
  for (const auto& [name, n] : studies) {
    const std::string api = "/api/studies/" + server::percent_encode(name);
    const std::string page = fmt::format("{}/trials?offset={}&limit=100", api, n / 2);
    {
      Running d(url);
      row(name, "view, cold (read + build)", get(d.port(), api + "/view"));
      cold_parts(url, name);
      row(name, "view, warm (cached)", warm(d.port(), api + "/view"));
      row(name, "studies list, warm", warm(d.port(), "/api/studies"));
      row(name, "version", warm(d.port(), "/api/version"));
    }
    {
      Running d(url);
      row(name, "trials page of 100, cold", get(d.port(), page));
      row(name, "trials page of 100, warm", warm(d.port(), page));
      row(name, "page HTML", warm(d.port(), "/studies/" + server::percent_encode(name)));
    }
    {
      Running d(url, /*warm_up=*/true);  // as `greentune dashboard` starts
      const std::string at =
          fmt::format("http://127.0.0.1:{}/studies/{}", d.port(), server::percent_encode(name));
      browser.push_back(
          fmt::format("{}: {} ms (cold), ", name, browser_ms(at, n, dir.file("cold-" + name))));
      browser.back() += browser_ms(at, n, dir.file("warm-" + name)) + " ms (warm)";
    }
  }
  fmt::print(
      "\nChromium, from navigation until the first screen's charts are drawn with all trials "
      "(page_check.mjs load_ms):\n");
  for (const auto& line : browser) fmt::print("  {}\n", line);
  return 0;
}

// Runs wrk and prints its figures; false on any non-2xx answer or socket error.
bool wrk(int port, const std::string& path, int seconds) {
  auto r =
      testing::run_command({"wrk", "-t2", "-c50", fmt::format("-d{}s", seconds), "--latency",
                            "--timeout", "5s", fmt::format("http://127.0.0.1:{}{}", port, path)});
  std::smatch m;
  auto find = [&](const char* pattern) {
    return std::regex_search(r.out, m, std::regex(pattern)) ? m[1].str() : std::string();
  };
  const std::string rps = find(R"(Requests/sec:\s+([0-9.]+))");
  const std::string requests = find(R"((\d+) requests in)");
  const std::string non2xx = find(R"(Non-2xx or 3xx responses: (\d+))");
  const std::string sockets = find(R"(Socket errors: ([^\n]+))");
  const std::string p50 = find(R"(50%\s+(\S+))");
  const std::string p99 = find(R"(99%\s+(\S+))");
  fmt::print(
      "wrk -t2 -c50 -d{}s {}: {} requests, {} req/s, p50 {}, p99 {}, non-2xx {}, "
      "socket errors {}\n",
      seconds, path, requests, rps, p50, p99, non2xx.empty() ? "0" : non2xx,
      sockets.empty() ? "none" : sockets);
  return r.exit_code == 0 && !requests.empty() && requests != "0" && non2xx.empty() &&
         sockets.empty();
}

int load_test(int trials, int seconds) {
  if (testing::run_command({"wrk", "--version"}).exit_code == 127) {
    fmt::print("skipped: wrk is not installed (Debian: apt-get install wrk)\n");
    return 77;
  }
  testing::TempDir dir;
  const std::string path = dir.file("load.db");
  write_study(path, "load", trials);
  Running d("sqlite:///" + path);
  bool ok = wrk(d.port(), "/api/studies/load/view", seconds);
  ok = wrk(d.port(), "/api/version", seconds) && ok;
  fmt::print("{}\n", ok ? "load test passed" : "load test FAILED");
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace greentune

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  bool load = false;
  int big = 100000, small = 1000, seconds = 10;
  std::string write_to;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::atoi(argv[++i]) : 0; };
    if (a == "--load-test")
      load = true;
    else if (a == "--trials")
      big = next();
    else if (a == "--small")
      small = next();
    else if (a == "--seconds")
      seconds = next();
    else if (a == "--write" && i + 1 < argc)
      write_to = argv[++i];
    else {
      fmt::print(stderr,
                 "usage: bench_dashboard_load [--trials N] [--small N] [--write DB] | "
                 "--load-test [--seconds S]\n");
      return 2;
    }
  }
  if (!write_to.empty()) {
    // Only the studies, kept, to look at: greentune dashboard --storage sqlite:///PATH
    greentune::write_study(write_to, fmt::format("study-{}", small), small);
    greentune::write_study(write_to, fmt::format("study-{}", big), big);
    return 0;
  }
  return load ? greentune::load_test(small, seconds) : greentune::table(big, small);
}
