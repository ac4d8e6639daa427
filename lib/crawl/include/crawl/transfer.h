// crawl/transfer.h: one HTTP request through libcurl, set up the crawl's way.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include <curl/curl.h>

#include "conc/mutex.h"

namespace conc::crawl {

/// What every request of a crawl carries and obeys.
struct RequestOptions {
  std::string user_agent;
  std::vector<std::string> headers;              ///< "Name: value", sent on requests in scope only
  std::string cookie_file;                       ///< a Netscape cookie file, or empty
  std::chrono::milliseconds timeout{20000};      ///< connect, and the whole transfer
  std::size_t max_body = std::size_t{10} << 20;  ///< a longer body fails the request
  bool insecure = false;                         ///< skip TLS certificate checks
};

/// How a request ended.
struct Response {
  long status = 0;                                  ///< the HTTP status; 0 when there was no response
  std::string content_type;                         ///< the media type, lower-case, without parameters
  std::string body;                                 ///< kept only when asked for
  std::size_t bytes = 0;                            ///< body bytes received (decoded)
  std::string location;                             ///< a redirect's target, absolute; empty otherwise
  std::optional<std::chrono::seconds> retry_after;  ///< clamped to >= 0
  std::string error;                                ///< empty, or a short reason ("timeout", ...)
  bool transient = false;                           ///< a timeout or a connection failure: worth a retry
  bool stopped = false;                             ///< ended by a stop request

  /// Worth another try: a transient failure, 429 or 5xx.
  [[nodiscard]] bool retryable() const noexcept {
    return !stopped && (transient || status == 429 || (status >= 500 && status <= 599));
  }
};

/// What libcurl's threads documentation asks for, once per process:
/// curl_global_init before any other call (thread-safe to call often).
void init_curl();

/// DNS cache and TLS sessions shared by every transfer of a crawl, with
/// the lock callbacks libcurl needs to use one share from many threads.
/// Cookies and connections are not shared: libcurl does not make those
/// thread-safe to share.
class CurlShare {
 public:
  CurlShare();
  ~CurlShare();
  CurlShare(const CurlShare&) = delete;
  CurlShare& operator=(const CurlShare&) = delete;
  [[nodiscard]] CURLSH* get() const noexcept { return share_; }

 private:
  static void lock(CURL*, curl_lock_data data, curl_lock_access access, void* self);
  static void unlock(CURL*, curl_lock_data data, void* self);
  Mutex& mutex_of(curl_lock_data data);
  CURLSH* share_ = nullptr;
  Mutex dns_;
  Mutex tls_;
  Mutex other_;  ///< libcurl's own share bookkeeping (CURL_LOCK_DATA_SHARE)
};

/// One easy handle, reused request after request (keeping its connections
/// alive), used by one thread at a time. `prepare` sets a request up;
/// then either `perform` runs it here (blocking) or a curl_multi runs the
/// handle and `finish` reads the result. Redirects are not followed: the
/// crawler follows them itself, so each hop is a fetch of its own URL.
class Transfer {
 public:
  enum class Method { kGet, kHead };

  Transfer(const RequestOptions& options, const CurlShare& share);
  ~Transfer();
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;

  /// Sets up a request of `url`. With `keep_body` the body is returned
  /// (up to max_body); otherwise it is only counted. `stop` aborts it.
  /// `user_headers`: send RequestOptions::headers (`-H`, often a secret);
  /// false for hosts out of the crawl's scope.
  void prepare(const std::string& url, Method method, bool keep_body, bool user_headers, std::stop_token stop);
  /// Runs the prepared request to its end on this thread.
  Response perform();
  /// The result of the prepared request, after a curl_multi finished it
  /// with `code`.
  Response finish(CURLcode code);

  [[nodiscard]] CURL* handle() const noexcept { return easy_; }
  /// Ties the transfer to its request for a curl_multi (CURLOPT_PRIVATE).
  void set_tag(void* tag);
  [[nodiscard]] static void* tag_of(CURL* easy);

 private:
  static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* self);
  static int on_progress(void* self, curl_off_t, curl_off_t, curl_off_t, curl_off_t);

  const RequestOptions& options_;
  CURLSH* share_;
  CURL* easy_ = nullptr;
  struct curl_slist* headers_ = nullptr;
  std::unique_ptr<char[]> error_;  ///< CURLOPT_ERRORBUFFER
  std::string body_;
  std::size_t bytes_ = 0;
  bool keep_body_ = false;
  bool too_big_ = false;
  bool cookies_read_ = false;
  std::stop_token stop_;
};

}  // namespace conc::crawl
