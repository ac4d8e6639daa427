// common/digest.h: the digest algorithms (SHA family, MD5, SHA3, BLAKE2b, BLAKE3, xxHash), and one running digest.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace conc::common {

enum class Algo {
  kSha256,
  kSha1,
  kSha224,
  kSha384,
  kSha512,
  kMd5,
  kSha3_256,
  kBlake2b,
  kBlake3,
  kXxh64,
  kXxh3,
  kXxh128
};

/// What the tools and check files call an algorithm.
struct AlgoInfo {
  Algo algo;
  std::string_view name;         ///< `-a` value: "sha256"
  std::string_view tag;          ///< BSD `--tag` form: "SHA256" (as sha256sum, b2sum, xxhsum write it)
  std::size_t digest_bytes;      ///< 32 for sha256: the hex digest has twice as many digits (BLAKE3: its default)
  std::string_view description;  ///< one line for a list of the algorithms
};

/// Every algorithm, sha256 first (the default), in the order a help text lists them.
std::span<const AlgoInfo> all_algos() noexcept;
const AlgoInfo& info(Algo algo) noexcept;
std::optional<Algo> algo_by_name(std::string_view name) noexcept;
std::optional<Algo> algo_by_tag(std::string_view tag) noexcept;
/// Every algorithm's name in that order, comma-separated ("sha256, sha1, ..."): for a message.
std::string algo_names();

/// BLAKE3's three modes; every other algorithm has only the first.
enum class KeyMode : std::uint8_t {
  kHash,       ///< the plain hash
  kKeyed,      ///< a keyed hash (a MAC) under a 32-byte key (b3sum --keyed)
  kDeriveKey,  ///< key derivation: the input is key material, under a context string (b3sum --derive-key)
};

/// The most output bytes a BLAKE3 digest may be asked for (`--length`): its
/// extendable output has no limit of its own, a hex line does.
inline constexpr std::size_t kMaxBlake3Length = std::size_t{1} << 16;

/// What a Digest computes: an algorithm and, for BLAKE3, its mode, key and
/// output length. A plain value, cheap to copy into every job; an Algo
/// converts to its plain form.
struct DigestSpec {
  DigestSpec(Algo a = Algo::kSha256) noexcept : algo(a) {}  // NOLINT(google-explicit-constructor): an Algo is a spec

  /// BLAKE3 keyed by `key`.
  static DigestSpec blake3_keyed(const std::array<std::uint8_t, 32>& key) noexcept;
  /// BLAKE3 deriving keys under `context` (any bytes; b3sum takes a string).
  static DigestSpec blake3_derive_key(std::string_view context);

  /// The digest's size in bytes: `length` if set, else the algorithm's own.
  [[nodiscard]] std::size_t output_bytes() const noexcept;

  Algo algo;
  std::size_t length = 0;  ///< output bytes, 1 to kMaxBlake3Length, BLAKE3 only; 0: the algorithm's own
  KeyMode mode = KeyMode::kHash;
  /// kKeyed: the key. kDeriveKey: the context key, the BLAKE3 of the context
  /// string in the context mode (computed once, not per file).
  std::array<std::uint8_t, 32> key{};
};

/// One message digest being computed: `update` with the bytes in order, then
/// `hex()` once. The SHA family, MD5, SHA3 and BLAKE2b go through OpenSSL's
/// EVP API (so its SHA-NI/AVX2 code is used); the xxHash family through
/// libxxhash (XXH3 with its runtime CPU dispatch); BLAKE3 through its
/// official C implementation (SIMD across the chunks of each update). Not
/// thread-safe: one Digest per file being hashed. Throws std::runtime_error
/// if OpenSSL fails.
class Digest {
 public:
  explicit Digest(const DigestSpec& spec);
  Digest(Digest&&) noexcept;
  Digest& operator=(Digest&&) noexcept;
  ~Digest();

  void update(const void* data, std::size_t size);
  /// Lowercase hex of the digest (`spec.output_bytes()` bytes); xxHash
  /// values in their canonical (big-endian) form, as xxhsum prints them.
  std::string hex();

  [[nodiscard]] const DigestSpec& spec() const noexcept { return spec_; }

 private:
  struct State;
  DigestSpec spec_;
  std::unique_ptr<State> state_;
};

/// Lowercase hex of `bytes`, two digits a byte: how every digest is printed.
std::string lower_hex(std::span<const std::uint8_t> bytes);

/// The hex digest of one buffer.
std::string hex_digest(const DigestSpec& spec, std::string_view data);

}  // namespace conc::common
