#include "crawl/scope.h"

#include <libpsl.h>

#include <arpa/inet.h>
#include <algorithm>

#include "crawl/url.h"

namespace conc::crawl {
namespace {

bool is_ip_address(const std::string& host) {
  if (!host.empty() && host.front() == '[') return true;  // an IPv6 literal, as curl gives it
  unsigned char buffer[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buffer) == 1 || inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

// host_of's answer without the port.
std::string_view without_port(std::string_view host_and_port) {
  const std::size_t bracket = host_and_port.rfind(']');
  const std::size_t colon = host_and_port.rfind(':');
  if (colon == std::string_view::npos || (bracket != std::string_view::npos && colon < bracket)) {
    return host_and_port;
  }
  return host_and_port.substr(0, colon);
}

}  // namespace

std::string registrable_domain(std::string_view host) {
  std::string h(host);
  if (!h.empty() && h.back() == '.') h.pop_back();
  if (h.empty() || is_ip_address(h)) return h;
  // psl_builtin(): the list compiled into libpsl, so no file is needed. It
  // returns NULL only for a libpsl built without one.
  const psl_ctx_t* psl = psl_builtin();
  if (psl == nullptr) return h;
  const char* domain = psl_registrable_domain(psl, h.c_str());
  return domain != nullptr ? std::string(domain) : h;
}

Scope::Scope(ScopeKind kind, std::span<const std::string> start_urls) : kind_(kind) {
  if (kind_ == ScopeKind::kAny) return;
  for (const std::string& url : start_urls) {
    std::string key = key_of(url);
    if (!key.empty()) keys_.push_back(std::move(key));
  }
  std::sort(keys_.begin(), keys_.end());
  keys_.erase(std::unique(keys_.begin(), keys_.end()), keys_.end());
}

std::string Scope::key_of(std::string_view url) const {
  switch (kind_) {
    case ScopeKind::kHost: return host_of(url);
    case ScopeKind::kDomain: {
      const std::string host = host_of(url);
      return host.empty() ? host : registrable_domain(without_port(host));
    }
    case ScopeKind::kPrefix: return host_of(url).empty() ? std::string() : std::string(url);
    case ScopeKind::kAny: break;
  }
  return {};
}

bool Scope::contains(std::string_view url) const {
  switch (kind_) {
    case ScopeKind::kAny: return true;
    case ScopeKind::kPrefix:
      return std::any_of(keys_.begin(), keys_.end(), [url](const std::string& p) { return url.starts_with(p); });
    case ScopeKind::kHost:
    case ScopeKind::kDomain: {
      const std::string key = key_of(url);
      return !key.empty() && std::binary_search(keys_.begin(), keys_.end(), key);
    }
  }
  return false;
}

}  // namespace conc::crawl
