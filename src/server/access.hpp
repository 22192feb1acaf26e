// Who may use the dashboard: the checks every request goes through before it is routed.
// Pure functions of the request's pieces, so that they are tested without a socket.
//
// The rules: a dashboard on a loopback address needs no token, but answers only requests
// whose Host header names a loopback host (a web page elsewhere cannot read it through
// DNS rebinding); a dashboard on any other address must have a token, and then every
// request (pages, assets, API) carries it as "Authorization: Bearer T" or "?token=T".
#pragma once

#include <string>
#include <string_view>

namespace greentune::server {

// True for "localhost", "::1", "[::1]" and every 127.x.y.z literal.
bool is_loopback_host(std::string_view host);

// Whether the request's Host header ("name" or "name:port", "[v6]:port") may reach a
// dashboard that has no token: a loopback name, or the address it was bound to.  An
// absent header (HTTP/1.0 clients) passes: browsers always send one.
bool host_header_allowed(std::string_view host_header, std::string_view bound_host);

// The token of "Bearer T" (scheme case-insensitive), or "" when the header is not one.
std::string_view bearer_token(std::string_view authorization);

// Compares a token a client sent with the expected one in time that depends only on the
// length of what the client sent: every byte is looked at, with no early exit, and the
// expected token's length is not revealed by where the loop stops.
// REQUIRES: !expected.empty().
bool tokens_equal(std::string_view given, std::string_view expected);

// Why `token` cannot be the dashboard's token, or "" when it can: not empty, at most 256
// characters, printable ASCII without spaces (it travels in headers and URLs).
std::string token_problem(std::string_view token);

}  // namespace greentune::server
