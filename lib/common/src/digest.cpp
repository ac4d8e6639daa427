#include "common/digest.h"

#include "common/blake3_kernels.h"

#include <openssl/evp.h>
#include <xxh_x86dispatch.h>
#include <xxhash.h>

#include <array>
#include <stdexcept>
#include <vector>

namespace conc::common {
namespace {

constexpr std::array<AlgoInfo, 12> kAlgos{{
    {Algo::kSha256, "sha256", "SHA256", 32, "SHA-256 (default; sha256sum)"},
    {Algo::kSha1, "sha1", "SHA1", 20, "SHA-1 (sha1sum; not collision resistant)"},
    {Algo::kSha224, "sha224", "SHA224", 28, "SHA-224 (sha224sum)"},
    {Algo::kSha384, "sha384", "SHA384", 48, "SHA-384 (sha384sum)"},
    {Algo::kSha512, "sha512", "SHA512", 64, "SHA-512 (sha512sum)"},
    {Algo::kMd5, "md5", "MD5", 16, "MD5 (md5sum; not collision resistant)"},
    {Algo::kSha3_256, "sha3-256", "SHA3-256", 32, "SHA3-256 (FIPS 202)"},
    {Algo::kBlake2b, "blake2b", "BLAKE2b", 64, "BLAKE2b-512 (b2sum)"},
    {Algo::kBlake3, "blake3", "BLAKE3", 32,
     "BLAKE3 (b3sum): a tree, so under -s steal one big file uses every core; --length, --keyed, --derive-key"},
    {Algo::kXxh64, "xxh64", "XXH64", 8, "XXH64, non-cryptographic (xxhsum -H1)"},
    {Algo::kXxh3, "xxh3", "XXH3", 8, "XXH3 64-bit, non-cryptographic, fastest (xxhsum -H3)"},
    {Algo::kXxh128, "xxh128", "XXH128", 16, "XXH3 128-bit, non-cryptographic (xxhsum -H2)"},
}};

const char* openssl_name(Algo algo) {
  switch (algo) {
    case Algo::kSha256: return "SHA256";
    case Algo::kSha1: return "SHA1";
    case Algo::kSha224: return "SHA224";
    case Algo::kSha384: return "SHA384";
    case Algo::kSha512: return "SHA512";
    case Algo::kMd5: return "MD5";
    case Algo::kSha3_256: return "SHA3-256";
    case Algo::kBlake2b: return "BLAKE2B-512";
    default: return nullptr;
  }
}

// Fetched once per algorithm: an implicit fetch on every init costs a
// lookup under OpenSSL's global lock, which several workers would contend.
const EVP_MD* fetched_md(Algo algo) {
  struct Table {
    std::array<EVP_MD*, kAlgos.size()> md{};
    Table() {
      for (const auto& a : kAlgos) {
        if (const char* n = openssl_name(a.algo))
          md[static_cast<std::size_t>(a.algo)] = EVP_MD_fetch(nullptr, n, nullptr);
      }
    }
  };
  static const Table table;  // thread-safe static initialisation
  const EVP_MD* md = table.md[static_cast<std::size_t>(algo)];
  if (md == nullptr) throw std::runtime_error(std::string("OpenSSL does not provide ") + std::string(info(algo).name));
  return md;
}

constexpr char kHexDigits[] = "0123456789abcdef";

}  // namespace

std::string lower_hex(std::span<const std::uint8_t> bytes) {
  std::string out(2 * bytes.size(), '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kHexDigits[bytes[i] >> 4];
    out[2 * i + 1] = kHexDigits[bytes[i] & 0xF];
  }
  return out;
}

std::span<const AlgoInfo> all_algos() noexcept { return kAlgos; }

const AlgoInfo& info(Algo algo) noexcept { return kAlgos[static_cast<std::size_t>(algo)]; }

std::optional<Algo> algo_by_name(std::string_view name) noexcept {
  for (const auto& a : kAlgos) {
    if (a.name == name) return a.algo;
  }
  return std::nullopt;
}

std::optional<Algo> algo_by_tag(std::string_view tag) noexcept {
  for (const auto& a : kAlgos) {
    if (a.tag == tag) return a.algo;
  }
  return std::nullopt;
}

std::string algo_names() {
  std::string out;
  for (const auto& a : kAlgos) {
    if (!out.empty()) out += ", ";
    out += a.name;
  }
  return out;
}

DigestSpec DigestSpec::blake3_keyed(const std::array<std::uint8_t, 32>& key) noexcept {
  DigestSpec spec(Algo::kBlake3);
  spec.mode = KeyMode::kKeyed;
  spec.key = key;
  return spec;
}

DigestSpec DigestSpec::blake3_derive_key(std::string_view context) {
  DigestSpec spec(Algo::kBlake3);
  spec.mode = KeyMode::kDeriveKey;
  // blake3.h has no call that returns the context key alone; the hasher it
  // initialises holds it as its key words (stored as a key's bytes are).
  blake3_detect_cpu_once();
  blake3_hasher hasher;
  blake3_hasher_init_derive_key_raw(&hasher, context.data(), context.size());
  for (std::size_t w = 0; w < 8; ++w) store32(&spec.key[4 * w], hasher.key[w]);
  return spec;
}

std::size_t DigestSpec::output_bytes() const noexcept {
  return algo == Algo::kBlake3 && length != 0 ? length : info(algo).digest_bytes;
}

struct Digest::State {
  EVP_MD_CTX* evp = nullptr;
  XXH64_state_t* xxh64 = nullptr;
  XXH3_state_t* xxh3 = nullptr;
  std::unique_ptr<blake3_hasher> blake3;

  ~State() {
    EVP_MD_CTX_free(evp);
    XXH64_freeState(xxh64);
    XXH3_freeState(xxh3);
  }
};

Digest::Digest(const DigestSpec& spec) : spec_(spec), state_(std::make_unique<State>()) {
  const Algo algo = spec.algo;
  switch (algo) {
    case Algo::kXxh64:
      state_->xxh64 = XXH64_createState();
      if (state_->xxh64 == nullptr) throw std::bad_alloc();
      XXH64_reset(state_->xxh64, 0);
      break;
    case Algo::kXxh3:
    case Algo::kXxh128:
      state_->xxh3 = XXH3_createState();
      if (state_->xxh3 == nullptr) throw std::bad_alloc();
      if (algo == Algo::kXxh3) {
        XXH3_64bits_reset(state_->xxh3);
      } else {
        XXH3_128bits_reset(state_->xxh3);
      }
      break;
    case Algo::kBlake3:
      blake3_detect_cpu_once();
      state_->blake3 = std::make_unique<blake3_hasher>();
      switch (spec.mode) {
        case KeyMode::kHash: blake3_hasher_init(state_->blake3.get()); break;
        case KeyMode::kKeyed: blake3_hasher_init_keyed(state_->blake3.get(), spec.key.data()); break;
        case KeyMode::kDeriveKey:
          // The derive-key mode is the keyed mode under the context key with
          // its own flag, which blake3.h sets only from the context string
          // (hashing it again for every file): start keyed, then give the
          // chunk state that flag, which its resets and parents keep.
          blake3_hasher_init_keyed(state_->blake3.get(), spec.key.data());
          state_->blake3->chunk.flags = DERIVE_KEY_MATERIAL;
          break;
      }
      break;
    default:
      state_->evp = EVP_MD_CTX_new();
      if (state_->evp == nullptr || EVP_DigestInit_ex2(state_->evp, fetched_md(algo), nullptr) != 1) {
        throw std::runtime_error("OpenSSL could not start a digest");
      }
  }
}

Digest::Digest(Digest&&) noexcept = default;
Digest& Digest::operator=(Digest&&) noexcept = default;
Digest::~Digest() = default;

void Digest::update(const void* data, std::size_t size) {
  switch (spec_.algo) {
    case Algo::kXxh64: XXH64_update(state_->xxh64, data, size); break;
    case Algo::kXxh3: XXH3_64bits_update_dispatch(state_->xxh3, data, size); break;
    case Algo::kXxh128: XXH3_128bits_update_dispatch(state_->xxh3, data, size); break;
    case Algo::kBlake3: blake3_hasher_update(state_->blake3.get(), data, size); break;
    default:
      if (EVP_DigestUpdate(state_->evp, data, size) != 1) throw std::runtime_error("OpenSSL digest update failed");
  }
}

std::string Digest::hex() {
  switch (spec_.algo) {
    case Algo::kXxh64: {
      XXH64_canonical_t c;
      XXH64_canonicalFromHash(&c, XXH64_digest(state_->xxh64));
      return lower_hex({c.digest, sizeof c.digest});
    }
    case Algo::kXxh3: {
      XXH64_canonical_t c;
      XXH64_canonicalFromHash(&c, XXH3_64bits_digest(state_->xxh3));
      return lower_hex({c.digest, sizeof c.digest});
    }
    case Algo::kXxh128: {
      XXH128_canonical_t c;
      XXH128_canonicalFromHash(&c, XXH3_128bits_digest(state_->xxh3));
      return lower_hex({c.digest, sizeof c.digest});
    }
    case Algo::kBlake3: {
      std::vector<unsigned char> out(spec_.output_bytes());
      blake3_hasher_finalize(state_->blake3.get(), out.data(), out.size());
      return lower_hex(out);
    }
    default: {
      unsigned char md[EVP_MAX_MD_SIZE];
      unsigned int n = 0;
      if (EVP_DigestFinal_ex(state_->evp, md, &n) != 1) throw std::runtime_error("OpenSSL digest final failed");
      return lower_hex({md, n});
    }
  }
}

std::string hex_digest(const DigestSpec& spec, std::string_view data) {
  Digest d(spec);
  d.update(data.data(), data.size());
  return d.hex();
}

}  // namespace conc::common
