// test/support/http_server.h: test/servers/crawl_server.py run for a test
// (started on 127.0.0.1, an ephemeral port, killed by PID at the end), its
// server-side counts, and a plain libcurl fetch to talk to it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "common/json_reader.h"

namespace conc::test {

using common::Json;

/// The path of crawl_server.py in the source tree.
[[nodiscard]] std::string crawl_server_script();

/// One snapshot of the server's /__stats (see the script's header for its
/// shape). Paths are request targets as sent (path and query); hosts are
/// Host headers ("127.0.0.1:PORT"). Absent paths and hosts count 0.
class ServerStats {
 public:
  explicit ServerStats(std::string json);

  [[nodiscard]] const std::string& json() const noexcept { return json_; }
  [[nodiscard]] const Json& root() const noexcept { return root_; }

  [[nodiscard]] long long requests() const;  ///< every counted request
  [[nodiscard]] long long requests(std::string_view target) const;
  /// Arrival times (monotonic seconds) of the requests to `target`.
  [[nodiscard]] std::vector<double> times(std::string_view target) const;
  /// The status sent to each request to `target`, in arrival order (0: none).
  [[nodiscard]] std::vector<long> statuses(std::string_view target) const;
  /// Peak requests in progress at once: overall, per Host, per target.
  [[nodiscard]] long long max_in_flight() const;
  [[nodiscard]] long long max_in_flight(std::string_view host) const;
  [[nodiscard]] long long path_max_in_flight(std::string_view target) const;
  /// Requests in progress now, overall.
  [[nodiscard]] long long in_flight() const;
  /// Peak open connections (idle keep-alive ones included): overall, per Host.
  [[nodiscard]] long long max_connections() const;
  [[nodiscard]] long long max_connections(std::string_view host) const;
  /// Arrival times of every request sent with this Host header.
  [[nodiscard]] std::vector<double> host_times(std::string_view host) const;
  /// Every target requested at least once, sorted.
  [[nodiscard]] std::vector<std::string> targets() const;

 private:
  std::string json_;
  Json root_;
};

/// What `fetch` got back.
struct FetchResult {
  long status = 0;             ///< 0 when no response arrived
  int curl_code = 0;           ///< CURLcode: 0 ok, 28 timeout, 18 partial, 56 receive error, 47 too many redirects
  std::string error;           ///< curl's message when curl_code != 0
  std::string headers;         ///< the raw header block(s), every hop's when following redirects
  std::string body;            ///< decoded body (up to max_body bytes)
  std::size_t body_bytes = 0;  ///< every body byte received (counted past max_body too)
  long redirects = 0;          ///< hops followed
  std::string effective_url;   ///< the last URL requested
  double seconds = 0;          ///< the whole transfer

  /// The value of the last header `name` (case-insensitive), or "".
  [[nodiscard]] std::string header(std::string_view name) const;
};

struct FetchOptions {
  std::chrono::milliseconds timeout{5000};  ///< connect and whole transfer
  bool head = false;
  bool follow = false;                           ///< follow redirects
  long max_redirects = 60;                       ///< when following
  bool compressed = false;                       ///< send Accept-Encoding (gzip, deflate, ...) and decode
  std::vector<std::string> headers;              ///< "Name: value"
  std::size_t max_body = std::size_t{64} << 20;  ///< keep at most this much of the body...
  bool abort_over_max_body = false;              ///< ...and end the transfer there (curl_code 23)
};

/// curl_global_init, once per process (fetch calls it; call it before using
/// libcurl directly).
void init_curl();

/// One GET (or HEAD) with libcurl's easy interface; never throws for HTTP or
/// network errors (they are in the result).
[[nodiscard]] FetchResult fetch(const std::string& url, const FetchOptions& options = {});

/// crawl_server.py running for the life of the object.
///
///     HttpServer server({"--site", "50", "--seed", "7"});
///     fetch(server.url("/ok"));
///     CHECK(server.stats().requests("/ok") == 1);
class HttpServer {
 public:
  /// Starts the server with `flags` (see the script's header; --lifetime
  /// defaults to 120 s there) and waits at most `startup` for its PORT line.
  /// Throws std::runtime_error when it does not come.
  explicit HttpServer(const std::vector<std::string>& flags = {},
                      std::chrono::milliseconds startup = std::chrono::seconds(20));
  ~HttpServer();  ///< SIGTERM, then SIGKILL after 3 s; always reaped
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  [[nodiscard]] int port() const noexcept { return port_; }
  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  /// "http://127.0.0.1:PORT", no trailing slash.
  [[nodiscard]] std::string base_url() const;
  /// base_url() + path (path starts with '/').
  [[nodiscard]] std::string url(std::string_view path) const;
  /// "127.0.0.1:PORT": the Host header clients send, the key of stats().
  [[nodiscard]] std::string host() const;

  /// Fetches /__stats (not counted by the server). Throws when it fails.
  [[nodiscard]] ServerStats stats() const;
  /// Clears the server's counts and attempt counters (/__reset).
  void reset() const;

 private:
  void stop() noexcept;
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  int port_ = 0;
};

}  // namespace conc::test
