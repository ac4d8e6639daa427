#include "crawl/transfer.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <stdexcept>

#include "conc/thread_annotations.h"

namespace conc::crawl {
namespace {

// "connection refused", or "cannot connect: " and the system's reason.
std::string connect_error(CURL* easy) {
  long os_errno = 0;
  curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &os_errno);
  if (os_errno == ECONNREFUSED) return "connection refused";
  if (os_errno == 0) return "cannot connect";
  return "cannot connect: " + std::string(std::strerror(static_cast<int>(os_errno)));
}

// Sets an option whose failure means a broken build or libcurl, not bad input.
template <class T>
void set(CURL* easy, CURLoption option, T value) {
  if (curl_easy_setopt(easy, option, value) != CURLE_OK) {
    throw std::runtime_error("libcurl refused an option (" + std::to_string(static_cast<int>(option)) + ")");
  }
}

std::string media_type(const char* content_type) {
  if (content_type == nullptr) return {};
  std::string type(content_type);
  type.erase(std::min(type.find(';'), type.size()));
  while (!type.empty() && std::isspace(static_cast<unsigned char>(type.back()))) type.pop_back();
  std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return std::tolower(c); });
  return type;
}

}  // namespace

void init_curl() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("libcurl failed to initialise");
  });
}

CurlShare::CurlShare() {
  init_curl();
  share_ = curl_share_init();
  if (share_ == nullptr) throw std::bad_alloc();
  curl_share_setopt(share_, CURLSHOPT_LOCKFUNC, &CurlShare::lock);
  curl_share_setopt(share_, CURLSHOPT_UNLOCKFUNC, &CurlShare::unlock);
  curl_share_setopt(share_, CURLSHOPT_USERDATA, this);
  curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
}

CurlShare::~CurlShare() { curl_share_cleanup(share_); }

Mutex& CurlShare::mutex_of(curl_lock_data data) {
  switch (data) {
    case CURL_LOCK_DATA_DNS: return dns_;
    case CURL_LOCK_DATA_SSL_SESSION: return tls_;
    default: return other_;
  }
}

// libcurl pairs every lock with an unlock of the same data on the same
// thread; a plain exclusive lock serves both access kinds.
// libcurl locks in one callback and unlocks in the other: beyond what the
// thread-safety analysis can follow.
void CurlShare::lock(CURL* /*easy*/, curl_lock_data data, curl_lock_access /*access*/,
                     void* self) NO_THREAD_SAFETY_ANALYSIS {
  static_cast<CurlShare*>(self)->mutex_of(data).lock();
}
void CurlShare::unlock(CURL* /*easy*/, curl_lock_data data, void* self) NO_THREAD_SAFETY_ANALYSIS {
  static_cast<CurlShare*>(self)->mutex_of(data).unlock();
}

Transfer::Transfer(const RequestOptions& options, const CurlShare& share)
    : options_(options), share_(share.get()), error_(std::make_unique<char[]>(CURL_ERROR_SIZE)) {
  init_curl();
  easy_ = curl_easy_init();
  if (easy_ == nullptr) throw std::bad_alloc();
  for (const auto& h : options_.headers) {
    curl_slist* more = curl_slist_append(headers_, h.c_str());
    if (more == nullptr) throw std::bad_alloc();
    headers_ = more;
  }
}

Transfer::~Transfer() {
  curl_easy_cleanup(easy_);
  curl_slist_free_all(headers_);
}

void Transfer::prepare(const std::string& url, Method method, bool keep_body, bool user_headers, std::stop_token stop) {
  // Every option is set again below (no curl_easy_reset: it would drop the
  // cookies read from the cookie file); the handle keeps its connections.
  body_.clear();
  bytes_ = 0;
  too_big_ = false;
  keep_body_ = keep_body;
  stop_ = std::move(stop);
  error_[0] = '\0';
  set(easy_, CURLOPT_URL, url.c_str());
  set(easy_, CURLOPT_SHARE, share_);
  // Signals are conc's own business (Ctrl-C, timeouts by the clock).
  set(easy_, CURLOPT_NOSIGNAL, 1L);
  set(easy_, CURLOPT_PROTOCOLS_STR, "http,https");
  set(easy_, CURLOPT_FOLLOWLOCATION, 0L);
  set(easy_, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  set(easy_, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  set(easy_, CURLOPT_USERAGENT, options_.user_agent.c_str());
  set(easy_, CURLOPT_HTTPHEADER, user_headers ? headers_ : nullptr);
  if (!cookies_read_ && !options_.cookie_file.empty()) {
    set(easy_, CURLOPT_COOKIEFILE, options_.cookie_file.c_str());  // read once, kept by the handle
    cookies_read_ = true;
  }
  set(easy_, CURLOPT_ACCEPT_ENCODING, "");  // every encoding this libcurl decodes
  set(easy_, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  set(easy_, CURLOPT_SSL_VERIFYPEER, options_.insecure ? 0L : 1L);
  set(easy_, CURLOPT_SSL_VERIFYHOST, options_.insecure ? 0L : 2L);
  if (method == Method::kHead) {
    set(easy_, CURLOPT_NOBODY, 1L);
  } else {
    set(easy_, CURLOPT_HTTPGET, 1L);
  }
  // Refused before the body when the server announces the size; the write
  // callback enforces it for bodies without a Content-Length.
  set(easy_, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options_.max_body));
  set(easy_, CURLOPT_WRITEFUNCTION, &Transfer::on_body);
  set(easy_, CURLOPT_WRITEDATA, this);
  set(easy_, CURLOPT_NOPROGRESS, 0L);
  set(easy_, CURLOPT_XFERINFOFUNCTION, &Transfer::on_progress);
  set(easy_, CURLOPT_XFERINFODATA, this);
  set(easy_, CURLOPT_ERRORBUFFER, error_.get());
}

Response Transfer::perform() { return finish(curl_easy_perform(easy_)); }

void Transfer::set_tag(void* tag) { set(easy_, CURLOPT_PRIVATE, tag); }

void* Transfer::tag_of(CURL* easy) {
  char* tag = nullptr;
  curl_easy_getinfo(easy, CURLINFO_PRIVATE, &tag);
  return tag;
}

Response Transfer::finish(CURLcode code) {
  Response r;
  curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &r.status);
  char* type = nullptr;
  curl_easy_getinfo(easy_, CURLINFO_CONTENT_TYPE, &type);
  r.content_type = media_type(type);
  char* location = nullptr;
  if (r.status >= 300 && r.status <= 399 && curl_easy_getinfo(easy_, CURLINFO_REDIRECT_URL, &location) == CURLE_OK &&
      location != nullptr) {
    r.location = location;
  }
  // Seconds to wait, from either form of the header. libcurl 7.88 turns an
  // HTTP-date in the past into a negative number: that means "now".
  curl_off_t retry_after = 0;
  if (curl_easy_getinfo(easy_, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK && retry_after != 0) {
    r.retry_after = std::chrono::seconds(std::max<curl_off_t>(retry_after, 0));
  }
  r.bytes = bytes_;
  if (keep_body_) r.body = std::move(body_);
  const std::string detail = error_[0] != '\0' ? std::string(error_.get()) : std::string(curl_easy_strerror(code));
  switch (code) {
    case CURLE_OK: break;
    case CURLE_ABORTED_BY_CALLBACK:
      r.stopped = true;
      r.error = "stopped";
      break;
    case CURLE_FILESIZE_EXCEEDED:
      r.error = "body over --max-body (" + std::to_string(options_.max_body) + " bytes)";
      break;
    case CURLE_WRITE_ERROR:
      r.error = too_big_ ? "body over --max-body (" + std::to_string(options_.max_body) + " bytes)" : detail;
      break;
    case CURLE_OPERATION_TIMEDOUT:
      r.error = "timeout";
      r.transient = true;
      break;
    case CURLE_COULDNT_RESOLVE_HOST: r.error = "DNS failure"; break;
    case CURLE_COULDNT_CONNECT:
      // From errno, not curl's message: that one holds the milliseconds
      // spent, and a record must not depend on timing.
      r.error = connect_error(easy_);
      r.transient = true;
      break;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS: r.error = "TLS error: " + detail; break;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
      r.error = "connection reset";
      r.transient = true;
      break;
    case CURLE_PARTIAL_FILE:
      r.error = "truncated body";
      r.transient = true;
      break;
    case CURLE_GOT_NOTHING:
      r.error = "empty reply";
      r.transient = true;
      break;
    case CURLE_BAD_CONTENT_ENCODING: r.error = "bad content encoding: " + detail; break;
    default: r.error = detail; break;
  }
  return r;
}

std::size_t Transfer::on_body(char* data, std::size_t size, std::size_t count, void* self) {
  auto& t = *static_cast<Transfer*>(self);
  const std::size_t n = size * count;
  if (t.bytes_ + n > t.options_.max_body) {
    t.too_big_ = true;
    return 0;  // anything but n aborts the transfer: CURLE_WRITE_ERROR
  }
  t.bytes_ += n;
  if (t.keep_body_) t.body_.append(data, n);
  return n;
}

int Transfer::on_progress(void* self, curl_off_t /*dltotal*/, curl_off_t /*dlnow*/, curl_off_t /*ultotal*/,
                          curl_off_t /*ulnow*/) {
  return static_cast<Transfer*>(self)->stop_.stop_requested() ? 1 : 0;
}

}  // namespace conc::crawl
