#include "server/dashboard.hpp"

#include <fmt/format.h>
#include <httplib.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "server/access.hpp"
#include "server/api.hpp"
#include "server/pages.hpp"
#include "server/routes.hpp"
#include "storage/url.hpp"

namespace greentune::server {
namespace {

using HandlerResponse = httplib::Server::HandlerResponse;

// Security headers every response carries.  No Access-Control-* header is ever sent:
// other origins cannot read the API from a browser.
void add_security_headers(httplib::Response& res) {
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("Cross-Origin-Resource-Policy", "same-origin");
}

// The reply, with the defaults of every response for headers it does not set itself:
// nothing may load (CSP) and nothing is cached.  (A header set twice would be sent twice,
// and browsers enforce every CSP they get.)
//
// Bodies go out through a content provider of known length: no copy of a cached view or
// an asset, and none of httplib's on-the-fly compression, which for text/* answers
// "Accept-Encoding: br" with Brotli at its slowest setting (seconds for ECharts' 1 MB).
void send(httplib::Response& res, Reply reply) {
  res.status = reply.status;
  for (const auto& [key, value] : reply.headers) res.set_header(key.c_str(), value);
  if (!res.has_header("Content-Security-Policy")) {
    res.set_header("Content-Security-Policy", kNoContentCsp);
  }
  if (!res.has_header("Cache-Control")) res.set_header("Cache-Control", "no-store");
  if (reply.shared_body.empty()) {
    if (reply.body.empty()) {
      res.set_content("", reply.content_type.c_str());
      return;
    }
    auto owned = std::make_shared<const std::string>(std::move(reply.body));
    reply.shared_body = *owned;
    reply.keep = std::move(owned);
  }
  res.set_content_provider(reply.shared_body.size(), reply.content_type.c_str(),
                           [text = reply.shared_body, keep = reply.keep](
                               size_t offset, size_t length, httplib::DataSink& sink) {
                             return sink.write(text.data() + offset, length);
                           });
}

// SO_REUSEADDR (a restarted dashboard can bind while old connections linger) but not
// httplib's default SO_REUSEPORT, with which a second dashboard on the same port would
// silently share its connections instead of failing to start.
void listening_socket_options(socket_t sock) {
  int yes = 1;
  setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
}

// A SQLite URL must name a file that exists: a read-only dashboard creates no database.
Status check_storage_url(const std::string& url) {
  auto parsed = storage_detail::parse_storage_url(url);
  if (!parsed) return tl::unexpected(parsed.error());
  if (parsed->kind == storage_detail::StorageUrl::Kind::kSqlite) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(parsed->location, ec)) {
      return make_error(
          ErrorCode::kInvalidArgument,
          fmt::format("--storage {}: there is no database at {}", url, parsed->location));
    }
  }
  return {};
}

Status check_options(const DashboardOptions& o) {
  if (o.port < 0 || o.port > 65535) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("--port {}: must be 0 (any free port) to 65535", o.port));
  }
  if (o.token) {
    if (std::string why = token_problem(*o.token); !why.empty()) {
      return make_error(ErrorCode::kInvalidArgument, "--token: " + why);
    }
  } else if (!is_loopback_host(o.host)) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("--host {} is not a loopback address: anyone who can reach it "
                                  "could read every study, so it needs --token T (or "
                                  "GREENTUNE_DASHBOARD_TOKEN); use --host 127.0.0.1 to serve "
                                  "this machine only",
                                  o.host));
  }
  if (o.threads == 0) return make_error(ErrorCode::kInvalidArgument, "threads must be >= 1");
  return check_storage_url(o.storage_url);
}

}  // namespace

struct Dashboard::Impl {
  Impl(DashboardOptions o, std::unique_ptr<Storage> s)
      : options(std::move(o)), storage(std::move(s)), cache(*storage, options.cache) {}

  // Every request goes through here (httplib's own routing is never reached).
  HandlerResponse handle(const httplib::Request& req, httplib::Response& res);
  std::optional<Reply> refuse(const httplib::Request& req) const;
  Reply page(const Route& route);
  Reply asset(const Route& route, const httplib::Request& req) const;

  DashboardOptions options;
  std::unique_ptr<Storage> storage;
  StudyCache cache;
  httplib::Server server;
  int port = -1;
  std::atomic<bool> stopping{false};
  std::atomic<bool> serving{false};
};

std::optional<Reply> Dashboard::Impl::refuse(const httplib::Request& req) const {
  if (options.token) {
    std::string given(bearer_token(req.get_header_value("Authorization")));
    if (given.empty() && req.has_param("token")) given = req.get_param_value("token");
    if (!tokens_equal(given, *options.token)) {
      Reply r = error_reply(401,
                            "this dashboard needs its token: \"Authorization: Bearer T\" "
                            "or ?token=T");
      r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"greentune\"");
      return r;
    }
  } else if (!host_header_allowed(req.get_header_value("Host"), options.host)) {
    // Without a token only loopback names may reach it (no DNS rebinding).
    return error_reply(403, "this dashboard answers requests for localhost only");
  }
  if (req.method != "GET" && req.method != "HEAD") {
    Reply r = error_reply(405, "the dashboard is read-only: GET and HEAD only");
    r.headers.emplace_back("Allow", "GET, HEAD");
    return r;
  }
  return std::nullopt;
}

Reply Dashboard::Impl::page(const Route& route) {
  PageSpec spec{.title = "studies",
                .mode = "index",
                .api = "/api/studies",
                .token = options.token,
                .nonce = make_nonce()};
  if (route.kind == Route::Kind::kStudyPage) {
    auto found = storage->find_study(route.name);
    if (!found) return error_reply(500, found.error().message);
    if (!*found) return error_reply(404, "no study named " + route.name);
    spec.title = route.name;
    spec.mode = "live";
    spec.api = "/api/studies/" + percent_encode(route.name);
  }
  Reply r;
  r.content_type = "text/html; charset=utf-8";
  r.body = page_html(spec);
  r.headers.emplace_back("Content-Security-Policy", page_csp(spec.nonce));
  return r;
}

Reply Dashboard::Impl::asset(const Route& route, const httplib::Request& req) const {
  auto found = find_asset(route.name);
  if (!found) return error_reply(404, "no such asset");
  Reply r;
  r.content_type = std::string(found->content_type);
  r.shared_body = found->body;  // static: nothing to keep alive
  // The pages ask for ?v=HASH of this build: that URL never changes content.
  const bool versioned = req.get_param_value("v") == assets_version();
  const char* scope = options.token ? "private" : "public";
  r.headers.emplace_back("Cache-Control",
                         versioned ? fmt::format("{}, max-age=31536000, immutable", scope)
                                   : fmt::format("{}, no-cache", scope));
  return r;
}

HandlerResponse Dashboard::Impl::handle(const httplib::Request& req, httplib::Response& res) {
  add_security_headers(res);
  try {
    if (auto refused = refuse(req)) {
      send(res, *refused);
      return HandlerResponse::Handled;
    }
    const Route route = route_of(req.target);
    Reply reply;
    switch (route.kind) {
      case Route::Kind::kIndexPage:
      case Route::Kind::kStudyPage:
        reply = page(route);
        break;
      case Route::Kind::kAsset:
        reply = asset(route, req);
        break;
      case Route::Kind::kNotFound:
        reply = error_reply(404, "not found");
        break;
      default:
        reply = api_reply(
            route,
            [&req](const std::string& key) -> std::optional<std::string> {
              if (!req.has_param(key.c_str())) return std::nullopt;
              return req.get_param_value(key.c_str());
            },
            cache);
    }
    // The path only: a query may hold the token.
    if (reply.status >= 500)
      fmt::print(stderr, "greentune dashboard: {}: {}\n", req.path, reply.body);
    send(res, std::move(reply));
  } catch (const std::exception& e) {
    // A bug or an allocation failure: this request fails, the server goes on.
    fmt::print(stderr, "greentune dashboard: {}: {}\n", req.path, e.what());
    send(res, error_reply(500, "internal error"));
  }
  return HandlerResponse::Handled;
}

Result<std::unique_ptr<Dashboard>> Dashboard::open(DashboardOptions options) {
  if (auto ok = check_options(options); !ok) return tl::unexpected(ok.error());
  auto storage = open_storage(options.storage_url);
  if (!storage) return tl::unexpected(storage.error());
  auto impl = std::make_unique<Impl>(std::move(options), std::move(*storage));
  Impl* self = impl.get();
  const size_t threads = self->options.threads;
  self->server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // A browser polls every 2 s on one connection; 100 requests then a new connection
  // keeps a thread from being held by one client for ever.
  self->server.set_keep_alive_max_count(100);
  self->server.set_socket_options(listening_socket_options);
  // httplib sends a response's headers and body in separate writes: with Nagle's
  // algorithm a small body waits for the client's delayed ACK (40 ms a request).
  self->server.set_tcp_nodelay(true);
  self->server.set_pre_routing_handler([self](const httplib::Request& req, httplib::Response& res) {
    return self->handle(req, res);
  });
  return std::unique_ptr<Dashboard>(new Dashboard(std::move(impl)));
}

Dashboard::Dashboard(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Dashboard::~Dashboard() { stop(); }

Status Dashboard::bind() {
  const auto& o = impl_->options;
  if (o.port == 0) {
    impl_->port = impl_->server.bind_to_any_port(o.host);
  } else if (impl_->server.bind_to_port(o.host, o.port)) {
    impl_->port = o.port;
  }
  if (impl_->port <= 0) {
    return make_error(ErrorCode::kIo, fmt::format("cannot listen on {}:{} (in use, or no such "
                                                  "address here)",
                                                  o.host, o.port));
  }
  return {};
}

Status Dashboard::serve() {
  impl_->serving = true;
  if (impl_->stopping) {
    impl_->serving = false;
    return {};
  }
  std::thread warm;
  if (impl_->options.warm_up) warm = std::thread([this] { impl_->cache.warm_up(impl_->stopping); });
  const bool ok = impl_->server.listen_after_bind();
  impl_->serving = false;
  const bool asked_to_stop = impl_->stopping.exchange(true);  // also ends the warm-up
  if (warm.joinable()) warm.join();
  if (!ok && !asked_to_stop) return make_error(ErrorCode::kIo, "the dashboard stopped accepting");
  return {};
}

void Dashboard::stop() {
  impl_->stopping = true;
  // serve() may be between its check and httplib's start: wait (briefly) for the start,
  // since httplib's stop() does nothing before it.
  for (int i = 0; i < 400 && impl_->serving && !impl_->server.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  impl_->server.stop();
}

int Dashboard::port() const { return impl_->port; }

std::string Dashboard::url() const {
  const std::string& host = impl_->options.host;
  const bool v6 = host.find(':') != std::string::npos && host.front() != '[';
  return fmt::format("http://{}{}{}:{}/", v6 ? "[" : "", host, v6 ? "]" : "", impl_->port);
}

}  // namespace greentune::server
