// The real `greentune dashboard` binary: its exit codes, SIGTERM / SIGINT, and its pages
// in headless Chromium (web/test/page_check.mjs): charts with data, no console errors,
// hostile names shown as text, a new trial drawn without a reload, a screenshot.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "server/routes.hpp"
#include "server/server_test_helpers.hpp"

namespace greentune::server {
namespace {

using greentune::testing::run_command;
using greentune::testing::TempDir;

const std::string kBinary = GREENTUNE_DASHBOARD_BIN;
// Every chart of a study's page (web/src/greentune.js).
const char* const kCharts = "history,intermediate,energy,carbon,pareto,importance,parallel";

// `greentune dashboard ARGS...` in the background, its stdout read through a pipe.
class DashboardProcess {
 public:
  explicit DashboardProcess(const std::vector<std::string>& args) {
    int out[2];
    if (::pipe(out) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::close(out[0]);
      std::vector<std::string> argv = {kBinary, "dashboard"};
      argv.insert(argv.end(), args.begin(), args.end());
      std::vector<char*> c;
      for (auto& a : argv) c.push_back(a.data());
      c.push_back(nullptr);
      ::execv(c[0], c.data());
      ::_exit(127);
    }
    ::close(out[1]);
    out_ = out[0];
  }
  ~DashboardProcess() {
    if (pid_ > 0 && !waited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) ::close(out_);
  }
  // The first line it prints ("dashboard: http://127.0.0.1:PORT/"), waiting up to 20 s.
  std::string first_line() {
    std::string line;
    char c = 0;
    pollfd p{out_, POLLIN, 0};
    while (line.find('\n') == std::string::npos && ::poll(&p, 1, 20000) > 0 &&
           ::read(out_, &c, 1) == 1) {
      line.push_back(c);
    }
    return line;
  }
  // Sends `signal` and returns the exit code (-1 when killed by a signal).
  int stop(int signal) {
    ::kill(pid_, signal);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    waited_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  bool waited_ = false;
};

int port_of(const std::string& line) {
  const size_t colon = line.rfind(':');
  return colon == std::string::npos ? -1 : std::atoi(line.c_str() + colon + 1);
}

class DashboardBinaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto storage = open_storage(url_);
    ASSERT_TRUE(storage);
    storage_ = std::move(*storage);
  }
  TempDir dir_;
  std::string url_ = "sqlite:///" + dir_.file("studies.db");
  std::unique_ptr<Storage> storage_;
};

TEST_F(DashboardBinaryTest, RefusesBadSetupsWithExitCode2) {
  auto exposed = run_command({kBinary, "dashboard", "--storage", url_, "--host", "0.0.0.0"});
  EXPECT_EQ(exposed.exit_code, 2);
  EXPECT_NE(exposed.err.find("--token"), std::string::npos) << exposed.err;
  const std::string missing = "sqlite:///" + dir_.file("missing.db");
  EXPECT_EQ(run_command({kBinary, "dashboard", "--storage", missing}).exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(dir_.file("missing.db")));
  EXPECT_EQ(run_command({kBinary, "dashboard", "--storage", "nosuch://x"}).exit_code, 2);
  EXPECT_EQ(run_command({kBinary, "dashboard", "--storage", url_, "--port", "x"}).exit_code, 2);
  EXPECT_EQ(run_command({kBinary, "dashboard", "--storage", url_, "--port", "70000"}).exit_code, 2);
  EXPECT_EQ(run_command({kBinary, "dashboard", "--storage", url_, "--token", "a b"}).exit_code, 2);
  EXPECT_EQ(run_command({kBinary, "dashboard", "--bogus"}).exit_code, 2);
}

TEST_F(DashboardBinaryTest, ServesUntilSigtermOrSigint) {
  for (int signal : {SIGTERM, SIGINT}) {
    DashboardProcess p({"--storage", url_, "--port", "0"});
    const std::string line = p.first_line();
    ASSERT_EQ(line.rfind("dashboard: http://127.0.0.1:", 0), 0u) << line;
    httplib::Client c("127.0.0.1", port_of(line));
    auto r = c.Get("/api/version");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(p.stop(signal), 0) << "signal " << signal;
  }
}

TEST_F(DashboardBinaryTest, TokenFromTheEnvironmentGuardsANonLoopbackHost) {
  ::setenv("GREENTUNE_DASHBOARD_TOKEN", "from-the-env-0123", 1);
  DashboardProcess p({"--storage", url_, "--host", "0.0.0.0", "--port", "0"});
  ::unsetenv("GREENTUNE_DASHBOARD_TOKEN");
  const int port = port_of(p.first_line());
  ASSERT_GT(port, 0);
  httplib::Client c("127.0.0.1", port);
  EXPECT_EQ(c.Get("/api/version")->status, 401);
  EXPECT_EQ(c.Get("/api/version", {{"Authorization", "Bearer from-the-env-0123"}})->status, 200);
  EXPECT_EQ(p.stop(SIGTERM), 0);
}

// web/test/page_check.mjs in Chromium, or why it cannot run here.
std::string browser_missing() {
  if (!std::filesystem::exists(std::string(GREENTUNE_SOURCE_DIR) + "/web/test/page_check.mjs")) {
    return "web/test/page_check.mjs is not there";
  }
  if (!std::filesystem::exists("/usr/bin/chromium")) return "no /usr/bin/chromium";
  if (run_command({"node", "--version"}).exit_code != 0) return "no node";
  return "";
}

// The screenshots stay for people to look at: build/test-output/server/NAME/.
std::string output_dir(const std::string& name) {
  auto dir = std::filesystem::path(GREENTUNE_BINARY_DIR) / "test-output" / "server" / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

TEST_F(DashboardBinaryTest, BrowserDrawsTheStudyAndItsNewTrialsLive) {
  if (auto why = browser_missing(); !why.empty()) GTEST_SKIP() << why;
  const int64_t study = server::testing::write_study(*storage_, server::testing::kHostileName, 30);
  server::testing::write_study(*storage_, "plain", 3);
  DashboardProcess p({"--storage", url_, "--port", "0", "--token", "tok-en_0123456789"});
  const int port = port_of(p.first_line());
  ASSERT_GT(port, 0);
  const std::string script = std::string(GREENTUNE_SOURCE_DIR) + "/web/test/page_check.mjs";
  const std::string page = fmt::format("http://127.0.0.1:{}/studies/{}?token=tok-en_0123456789",
                                       port, percent_encode(server::testing::kHostileName));
  const std::string out = output_dir("study");
  greentune::testing::CommandResult check;
  std::thread browser([&] {
    check = run_command({"node", script, page, out, "--header",
                         "Authorization: Bearer tok-en_0123456789", "--expect-charts", kCharts,
                         "--wait-for-trials", "31", "--expect-text", server::testing::kHostileName,
                         "--assert-no-xss", "--timeout-ms", "30000"});
  });
  // While the page is open (Chromium starts and draws 30 trials in 2-5 s here), another
  // connection adds trial 30; page_check then waits for the page to show 31 by itself.
  std::this_thread::sleep_for(std::chrono::seconds(6));
  auto writer = open_storage(url_);
  EXPECT_TRUE(writer);
  if (writer) server::testing::add_trial(**writer, study, 30, 1.8e9);
  browser.join();
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(out) / "screenshot.png"))
      << "in " << out << ": " << check.out;

  const std::string index_out = output_dir("index");
  auto index = run_command({"node", script,
                            fmt::format("http://127.0.0.1:{}/?token=tok-en_0123456789", port),
                            index_out, "--expect-text", server::testing::kHostileName,
                            "--expect-text", "plain", "--assert-no-xss"});
  EXPECT_EQ(index.exit_code, 0) << index.out << index.err;
  EXPECT_EQ(p.stop(SIGTERM), 0);
}

}  // namespace
}  // namespace greentune::server
