// greentune dashboard: a read-only HTTP server over a storage (cpp-httplib).  It serves
// the studies list and each study's page (greentune.js draws them and polls /api/version
// to redraw when the storage changes), their three assets and a JSON API (routes.hpp).
//
// Read-only: it answers GET and HEAD only (anything else: 405) and never writes to the
// storage.  Loopback by default; on any other address it refuses to start without a
// token, and with a token every request must carry it (access.hpp).  Every response
// carries X-Content-Type-Options: nosniff, a Content-Security-Policy (pages: scripts from
// this origin and the page's own nonce only) and no CORS header, so other origins can
// neither read it nor embed it.
//
// Thread safety: serve() runs requests on a pool of threads; stop() may be called from
// any thread (or from a thread that waits for signals) while serve() runs.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "greentune/result.hpp"
#include "greentune/storage.hpp"
#include "server/study_cache.hpp"

namespace greentune::server {

struct DashboardOptions {
  std::string storage_url = kDefaultStorageUrl;  // what to show
  std::string host = "127.0.0.1";                // address to listen on
  int port = 8080;                               // 0: any free port (see Dashboard::port)
  std::optional<std::string> token;              // required on non-loopback hosts
  size_t threads = 64;      // request threads: each keeps one keep-alive connection
  StudyCacheOptions cache;  // how often a changed study is read again
  bool warm_up = true;      // read every study when serving starts (StudyCache::warm_up)
};

class Dashboard {
 public:
  // Checks the options and opens the storage.  kInvalidArgument for a non-loopback host
  // without a token, a token that cannot be one (token_problem), a port outside
  // 0..65535, a malformed storage URL or a SQLite file that does not exist (a read-only
  // dashboard creates no database); kStorage when the storage cannot be opened.
  static Result<std::unique_ptr<Dashboard>> open(DashboardOptions options);
  // REQUIRES: serve() has returned (or was never called).
  ~Dashboard();
  Dashboard(const Dashboard&) = delete;
  Dashboard& operator=(const Dashboard&) = delete;

  // Binds the listening socket; kIo when the address cannot be bound (in use, no such
  // interface).  After it, port() is the bound port.
  Status bind();
  // Serves requests until stop().  REQUIRES: bind() succeeded.
  Status serve();
  // Makes serve() return (it finishes the requests in flight).  Idempotent.
  void stop();

  int port() const;
  // "http://HOST:PORT/" (IPv6 hosts in brackets).
  std::string url() const;

 private:
  struct Impl;
  explicit Dashboard(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace greentune::server
