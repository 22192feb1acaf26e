// The dashboard's two pages and its three assets.  The pages are shells: they load
// /assets/echarts.min.js, /assets/style.css and /assets/greentune.js, and hand
// greentune.js its configuration, window.GREENTUNE = {"mode", "api", "token"}, from one
// inline script that only the page's Content Security Policy nonce lets run.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace greentune::server {

struct PageSpec {
  std::string title;                 // shown as text (escaped)
  std::string mode;                  // "index" (the studies list) or "live" (one study)
  std::string api;                   // "/api/studies" or "/api/studies/NAME" (NAME encoded)
  std::optional<std::string> token;  // the dashboard's token, for the page's own requests
  std::string nonce;                 // the Content-Security-Policy nonce of this response
};

// The page's HTML.  Asset URLs carry ?v=HASH (cache busting across builds) and, with a
// token, &token=T, since script and link elements cannot send an Authorization header.
std::string page_html(const PageSpec& spec);

// The Content-Security-Policy of a page whose inline script carries `nonce`: scripts from
// this origin and that one inline script only, fetches to this origin only.
std::string page_csp(std::string_view nonce);

// The CSP of every other response (JSON, assets): nothing may load.
inline constexpr const char* kNoContentCsp = "default-src 'none'; frame-ancestors 'none'";

// A fresh random nonce (128 bits, hex).
std::string make_nonce();

struct Asset {
  std::string_view body;
  std::string_view content_type;
};
// One of the three assets by name; nullopt for any other name.  Served from the binary:
// no file is ever read.
std::optional<Asset> find_asset(std::string_view name);

// A short hash of the assets' bytes, for ?v= in their URLs.
const std::string& assets_version();

}  // namespace greentune::server
