// common/digest.h: the digest algorithms (SHA family, MD5, SHA3, BLAKE2b, xxHash), and one running digest.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace conc::common {

enum class Algo { kSha256, kSha1, kSha224, kSha384, kSha512, kMd5, kSha3_256, kBlake2b, kXxh64, kXxh3, kXxh128 };

/// What the tools and check files call an algorithm.
struct AlgoInfo {
  Algo algo;
  std::string_view name;         ///< `-a` value: "sha256"
  std::string_view tag;          ///< BSD `--tag` form: "SHA256" (as sha256sum, b2sum, xxhsum write it)
  std::size_t digest_bytes;      ///< 32 for sha256: the hex digest has twice as many digits
  std::string_view description;  ///< one line for a list of the algorithms
};

/// Every algorithm, sha256 first (the default), in the order a help text lists them.
std::span<const AlgoInfo> all_algos() noexcept;
const AlgoInfo& info(Algo algo) noexcept;
std::optional<Algo> algo_by_name(std::string_view name) noexcept;
std::optional<Algo> algo_by_tag(std::string_view tag) noexcept;
/// Every algorithm's name in that order, comma-separated ("sha256, sha1, ..."): for a message.
std::string algo_names();

/// One message digest being computed: `update` with the bytes in order, then
/// `hex()` once. The SHA family, MD5, SHA3 and BLAKE2b go through OpenSSL's
/// EVP API (so its SHA-NI/AVX2 code is used); the xxHash family through
/// libxxhash (XXH3 with its runtime CPU dispatch). Not thread-safe: one
/// Digest per file being hashed. Throws std::runtime_error if OpenSSL fails.
class Digest {
 public:
  explicit Digest(Algo algo);
  Digest(Digest&&) noexcept;
  Digest& operator=(Digest&&) noexcept;
  ~Digest();

  void update(const void* data, std::size_t size);
  /// Lowercase hex of the digest; xxHash values in their canonical
  /// (big-endian) form, as xxhsum prints them.
  std::string hex();

  [[nodiscard]] Algo algo() const noexcept { return algo_; }

 private:
  struct State;
  Algo algo_;
  std::unique_ptr<State> state_;
};

/// The hex digest of one buffer.
std::string hex_digest(Algo algo, std::string_view data);

}  // namespace conc::common
