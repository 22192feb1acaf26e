// greentune dashboard [--storage URL] [--host 127.0.0.1] [--port 8080] [--token T]: serve
// the studies of a storage live over HTTP (server/dashboard.hpp) until SIGINT or SIGTERM.
#include "server/dashboard.hpp"

#include <fmt/format.h>
#include <signal.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <thread>

#include "cli/commands.hpp"

namespace greentune::cli {
namespace {

struct DashboardArgs {
  CommonOptions common;
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string token;
};

// Errors before serving are the user's to fix (a bad flag, a storage that cannot be
// opened, a port in use): exit 2, as for any usage error.
int refuse(const Error& error) {
  fmt::print(stderr, "greentune: error: {}\n", error.message);
  return 2;
}

int run_dashboard(const DashboardArgs& args) {
  // The signals are taken by one thread with sigwait, so they must be blocked before the
  // server's threads start (they inherit the mask).
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);  // a browser that goes away mid-response is no failure

  server::DashboardOptions options{
      .storage_url = args.common.storage, .host = args.host, .port = args.port};
  if (!args.token.empty()) options.token = args.token;
  auto dashboard = server::Dashboard::open(std::move(options));
  if (!dashboard) return refuse(dashboard.error());
  if (auto ok = (*dashboard)->bind(); !ok) return refuse(ok.error());
  if (args.common.json) {
    fmt::print(
        "{}\n",
        nlohmann::json{{"dashboard", (*dashboard)->url()}, {"port", (*dashboard)->port()}}.dump());
  } else {
    fmt::print("dashboard: {}\n", (*dashboard)->url());
  }
  std::fflush(stdout);

  // The waiter looks up every 200 ms so that it also ends when serve() ends on its own.
  std::atomic<bool> served_out{false};
  std::thread waiter([&stop_signals, &dashboard, &served_out] {
    const timespec tick{0, 200'000'000};
    while (!served_out) {
      if (sigtimedwait(&stop_signals, nullptr, &tick) > 0) {
        (*dashboard)->stop();
        return;
      }
    }
  });
  Status served = (*dashboard)->serve();
  served_out = true;
  waiter.join();
  if (!served) return fail(served.error());
  return 0;
}

}  // namespace

Runner setup_dashboard(CLI::App& sub) {
  auto args = std::make_shared<DashboardArgs>();
  add_common_options(sub, args->common);
  sub.add_option("--host", args->host,
                 "address to listen on; other than loopback only with --token")
      ->capture_default_str();
  sub.add_option("--port", args->port, "port to listen on (0: any free port)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  sub.add_option("--token", args->token,
                 "require \"Authorization: Bearer T\" or ?token=T on every request "
                 "(also read from GREENTUNE_DASHBOARD_TOKEN, which keeps it out of ps)")
      ->envname("GREENTUNE_DASHBOARD_TOKEN");
  return [args] { return run_dashboard(*args); };
}

}  // namespace greentune::cli
