#include "http_server.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <mutex>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace conc::test {

std::string crawl_server_script() { return CONC_CRAWL_SERVER; }

// ---- ServerStats -----------------------------------------------------------

namespace {

const Json kNull;

const Json& member(const Json& object, std::string_view key) {
  const Json* v = object.find(key);
  return v != nullptr ? *v : kNull;
}

long long count(const Json& v) { return v.is_null() ? 0 : v.integer(); }

}  // namespace

ServerStats::ServerStats(std::string json) : json_(std::move(json)), root_(Json::parse(json_)) {}

long long ServerStats::requests() const { return root_.at("requests").integer(); }

long long ServerStats::requests(std::string_view target) const {
  return count(member(member(root_.at("paths"), target), "requests"));
}

std::vector<double> ServerStats::times(std::string_view target) const {
  std::vector<double> out;
  const Json& t = member(member(root_.at("paths"), target), "times");
  if (!t.is_null()) {
    for (const Json& v : t.array()) out.push_back(v.number());
  }
  return out;
}

std::vector<long> ServerStats::statuses(std::string_view target) const {
  std::vector<long> out;
  const Json& s = member(member(root_.at("paths"), target), "statuses");
  if (!s.is_null()) {
    for (const Json& v : s.array()) out.push_back(static_cast<long>(v.integer()));
  }
  return out;
}

long long ServerStats::max_in_flight() const { return root_.at("max_in_flight").integer(); }

long long ServerStats::max_in_flight(std::string_view host) const {
  return count(member(member(root_.at("hosts"), host), "max_in_flight"));
}

long long ServerStats::path_max_in_flight(std::string_view target) const {
  return count(member(member(root_.at("paths"), target), "max_in_flight"));
}

long long ServerStats::in_flight() const { return root_.at("in_flight").integer(); }

long long ServerStats::max_connections() const { return root_.at("max_connections").integer(); }

long long ServerStats::max_connections(std::string_view host) const {
  return count(member(member(root_.at("hosts"), host), "max_connections"));
}

std::vector<double> ServerStats::host_times(std::string_view host) const {
  std::vector<double> out;
  const Json& t = member(member(root_.at("hosts"), host), "times");
  if (!t.is_null()) {
    for (const Json& v : t.array()) out.push_back(v.number());
  }
  return out;
}

std::vector<std::string> ServerStats::targets() const {
  std::vector<std::string> out;
  for (const auto& [target, _] : root_.at("paths").object()) out.push_back(target);
  return out;  // std::map: already sorted
}

// ---- fetch -----------------------------------------------------------------

std::string FetchResult::header(std::string_view name) const {
  std::string found;
  std::size_t at = 0;
  while (at < headers.size()) {
    std::size_t end = headers.find('\n', at);
    if (end == std::string::npos) end = headers.size();
    const std::string_view line(headers.data() + at, end - at);
    const std::size_t colon = line.find(':');
    if (colon == name.size() && std::equal(name.begin(), name.end(), line.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        })) {
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
      while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.remove_suffix(1);
      found = value;
    }
    at = end + 1;
  }
  return found;
}

namespace {

struct Sink {
  FetchResult* result;
  const FetchOptions* options;
};

std::size_t on_body(char* data, std::size_t size, std::size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  const std::size_t len = size * n;
  FetchResult& r = *sink->result;
  r.body_bytes += len;
  const std::size_t room = sink->options->max_body - std::min(sink->options->max_body, r.body.size());
  r.body.append(data, std::min(len, room));
  if (sink->options->abort_over_max_body && r.body_bytes > sink->options->max_body) return 0;  // ends the transfer
  return len;
}

std::size_t on_header(char* data, std::size_t size, std::size_t n, void* user) {
  static_cast<FetchResult*>(user)->headers.append(data, size * n);
  return size * n;
}

}  // namespace

void init_curl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

FetchResult fetch(const std::string& url, const FetchOptions& options) {
  init_curl();
  FetchResult result;
  Sink sink{&result, &options};
  CURL* h = curl_easy_init();
  if (h == nullptr) throw std::runtime_error("curl_easy_init failed");
  curl_slist* headers = nullptr;
  for (const auto& line : options.headers) headers = curl_slist_append(headers, line.c_str());
  char errbuf[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PROXY, "");  // never a proxy from the environment: the server is local
  curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.timeout.count()));
  curl_easy_setopt(h, CURLOPT_NOBODY, options.head ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, options.follow ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, options.max_redirects);
  if (options.compressed) curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &result);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  const CURLcode code = curl_easy_perform(h);
  result.curl_code = static_cast<int>(code);
  if (code != CURLE_OK) result.error = errbuf[0] != 0 ? errbuf : curl_easy_strerror(code);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &result.status);
  curl_easy_getinfo(h, CURLINFO_REDIRECT_COUNT, &result.redirects);
  char* effective = nullptr;
  curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &effective);
  if (effective != nullptr) result.effective_url = effective;
  curl_easy_getinfo(h, CURLINFO_TOTAL_TIME, &result.seconds);
  curl_easy_cleanup(h);
  curl_slist_free_all(headers);
  return result;
}

// ---- HttpServer ------------------------------------------------------------

HttpServer::HttpServer(const std::vector<std::string>& flags, std::chrono::milliseconds startup) {
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  // Debian's python3 (scripts/install-deps), not whatever a PATH shim picks.
  std::vector<std::string> argv{"/usr/bin/python3", crawl_server_script()};
  argv.insert(argv.end(), flags.begin(), flags.end());
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  const int rc = posix_spawn(&pid_, argv[0].c_str(), &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(out[1]);
  if (rc != 0) {
    close(out[0]);
    pid_ = -1;
    throw std::runtime_error("cannot start /usr/bin/python3 " + crawl_server_script());
  }
  stdout_fd_ = out[0];

  // The first line is "PORT <n>"; it comes once the server accepts.
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + startup;
  while (line.find('\n') == std::string::npos) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{stdout_fd_, POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;
    char buf[256];
    const ssize_t n = read(stdout_fd_, buf, sizeof buf);
    if (n <= 0) break;  // the server died before saying its port
    line.append(buf, static_cast<std::size_t>(n));
  }
  if (line.rfind("PORT ", 0) == 0 && line.find('\n') != std::string::npos) {
    port_ = std::atoi(line.c_str() + 5);
  }
  if (port_ <= 0 || port_ > 65535) {
    stop();
    throw std::runtime_error("crawl_server.py did not print its port (got \"" + line + "\")");
  }
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::stop() noexcept {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    bool reaped = false;
    while (std::chrono::steady_clock::now() < deadline) {
      const pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_ || (r < 0 && errno != EINTR)) {
        reaped = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!reaped) {
      kill(pid_, SIGKILL);
      while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {}
    }
    pid_ = -1;
  }
  if (stdout_fd_ >= 0) {
    close(stdout_fd_);
    stdout_fd_ = -1;
  }
}

std::string HttpServer::base_url() const { return "http://" + host(); }

std::string HttpServer::url(std::string_view path) const { return base_url() + std::string(path); }

std::string HttpServer::host() const { return "127.0.0.1:" + std::to_string(port_); }

ServerStats HttpServer::stats() const {
  const FetchResult r = fetch(url("/__stats"));
  if (r.status != 200) throw std::runtime_error("GET /__stats failed: " + std::to_string(r.status) + " " + r.error);
  return ServerStats(r.body);
}

void HttpServer::reset() const {
  const FetchResult r = fetch(url("/__reset"));
  if (r.status != 200) throw std::runtime_error("GET /__reset failed: " + std::to_string(r.status) + " " + r.error);
}

}  // namespace conc::test
