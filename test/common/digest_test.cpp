// Known-answer tests for every digest, whole and streamed in awkward pieces.
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "common/digest.h"
#include "process.h"
#include "temp_dir.h"

using conc::common::Algo;
using conc::common::algo_by_name;
using conc::common::algo_by_tag;
using conc::common::Digest;
using conc::common::DigestSpec;
using conc::common::hex_digest;

namespace {

// Messages: "", "abc", the 448-bit FIPS 180 message, one million 'a'.
// Values: FIPS 180-4 examples (SHA-1/2), RFC 1321 (MD5), FIPS 202 (SHA3),
// RFC 7693 (BLAKE2b "abc"), the xxHash reference implementation (xxhsum),
// the BLAKE3 reference implementation (b3sum).
struct Vector {
  const char* algo;
  std::vector<std::string> hex;
};

const std::vector<Vector> kVectors = {
    {"sha256",
     {"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
      "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"}},
    {"sha1",
     {"da39a3ee5e6b4b0d3255bfef95601890afd80709", "a9993e364706816aba3e25717850c26c9cd0d89d",
      "84983e441c3bd26ebaae4aa1f95129e5e54670f1", "34aa973cd4c4daa4f61eeb2bdbad27316534016f"}},
    {"sha224",
     {"d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f",
      "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7",
      "75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525",
      "20794655980c91d8bbb4c1ea97618a4bf03f42581948b2ee4ee7ad67"}},
    {"sha384",
     {"38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b",
      "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
      "3391fdddfc8dc7393707a65b1b4709397cf8b1d162af05abfe8f450de5f36bc6b0455a8520bc4e6f5fe95b1fe3c8452b",
      "9d0e1809716474cb086e834e310a4a1ced149e9c00f248527972cec5704c2a5b07b8b3dc38ecc4ebae97ddd87f3d8985"}},
    {"sha512",
     {"cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81"
      "a538327af927da3e",
      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e"
      "2a9ac94fa54ca49f",
      "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c33596fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd703"
      "54ec631238ca3445",
      "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e"
      "4eadb217ad8cc09b"}},
    {"md5",
     {"d41d8cd98f00b204e9800998ecf8427e", "900150983cd24fb0d6963f7d28e17f72", "8215ef0796a20bcaaae116d3876c664a",
      "7707d6ae4e027c70eea2a935c2296f21"}},
    {"sha3-256",
     {"a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a",
      "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532",
      "41c0dba2a9d6240849100376a8235e2c82e1b9998a999e21db32dd97496d3376",
      "5c8875ae474a3634ba4fd55ec85bffd661f32aca75c6d699d0cdcb6c115891c1"}},
    {"blake2b",
     {"786a02f742015903c6c6fd852552d272912f4740e15847618a86e217f71f5419d25e1031afee585313896444934eb04b903a685b1448b755"
      "d56f701afe9be2ce",
      "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925a"
      "b92386edd4009923",
      "7285ff3e8bd768d69be62b3bf18765a325917fa9744ac2f582a20850bc2b1141ed1b3e4528595acc90772bdf2d37dc8a47130b44f33a02e8"
      "730e5ad8e166e888",
      "98fb3efb7206fd19ebf69b6f312cf7b64e3b94dbe1a17107913975a793f177e1d077609d7fba363cbba00d05f7aa4e4fa8715d6428104c0a"
      "75643b0ff3fd3eaf"}},
    {"blake3",
     {"af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262",
      "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85",
      "c19012cc2aaf0dc3d8e5c45a1b79114d2df42abb2a410bf54be09e891af06ff8",
      "616f575a1b58d4c9797d4217b9730ae5e6eb319d76edef6549b46f4efe31ff8b"}},
    {"xxh64", {"ef46db3751d8e999", "44bc2cf5ad770999", "f06103773e8585df", "dc483aaa9b4fdc40"}},
    {"xxh3", {"2d06800538d394c2", "78af5f94892f3950", "5bbcbbabcdcc3d3f", "b1fd6fae5285c4eb"}},
    {"xxh128",
     {"99aa06d3014798d86001c324468d497f", "06b05ab6733a618578af5f94892f3950", "3d62d22a5169b016c0d894fd4828a1a7",
      "a545df8e384a9579b1fd6fae5285c4eb"}},
};

const std::vector<std::string> kMessages = {"", "abc", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                                            std::string(1000000, 'a')};

}  // namespace

TEST_CASE("every algorithm has a known-answer vector set") {
  CHECK(conc::common::all_algos().size() == kVectors.size());
  for (const auto& a : conc::common::all_algos()) {
    CHECK(std::any_of(kVectors.begin(), kVectors.end(), [&](const Vector& v) { return v.algo == a.name; }));
  }
}

TEST_CASE("digests match the published known answers") {
  for (const auto& v : kVectors) {
    const auto algo = algo_by_name(v.algo);
    REQUIRE(algo);
    for (std::size_t m = 0; m < kMessages.size(); ++m) {
      INFO(v.algo << " message " << m);
      CHECK(hex_digest(*algo, kMessages[m]) == v.hex[m]);
      CHECK(v.hex[m].size() == 2 * conc::common::info(*algo).digest_bytes);
    }
  }
}

TEST_CASE("streamed updates in uneven pieces give the one-shot digest") {
  const std::string& million = kMessages[3];
  for (const auto& v : kVectors) {
    Digest d(*algo_by_name(v.algo));
    std::size_t at = 0;
    for (std::size_t step = 1; at < million.size(); step = step * 3 + 1) {
      const std::size_t n = std::min(step % 70001, million.size() - at);
      d.update(million.data() + at, n);
      at += n;
    }
    INFO(v.algo);
    CHECK(d.hex() == v.hex[3]);
  }
}

TEST_CASE("algorithms are found by -a name and by BSD tag, unknown ones are not") {
  CHECK(algo_by_name("sha256") == Algo::kSha256);
  CHECK(algo_by_name("xxh128") == Algo::kXxh128);
  CHECK_FALSE(algo_by_name("SHA256"));
  CHECK_FALSE(algo_by_name("crc32"));
  CHECK(algo_by_tag("SHA256") == Algo::kSha256);
  CHECK(algo_by_tag("BLAKE2b") == Algo::kBlake2b);
  CHECK(algo_by_tag("XXH3") == Algo::kXxh3);
  CHECK(algo_by_tag("MD5") == Algo::kMd5);
  CHECK_FALSE(algo_by_tag("sha256"));
  CHECK(conc::common::all_algos().front().algo == Algo::kSha256);
}

namespace {

// The official BLAKE3 test vectors' inputs, key and context: byte i of an
// input is i mod 251.
const std::size_t kBlake3Lengths[] = {0,    1,    1023, 1024, 1025, 2048, 2049, 3072, 3073,  4096,  4097,
                                      5120, 5121, 6144, 6145, 7168, 7169, 8192, 8193, 16384, 31744, 102400};
constexpr char kBlake3Key[] = "whats the Elvish word for friend";
constexpr char kBlake3Context[] = "BLAKE3 2019-12-27 16:29:52 test vectors context";

std::string blake3_input(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>(i % 251);
  return s;
}

DigestSpec official_keyed() {
  std::array<std::uint8_t, 32> key{};
  std::copy_n(kBlake3Key, 32, key.begin());
  return DigestSpec::blake3_keyed(key);
}

}  // namespace

TEST_CASE("BLAKE3 gives the official test vectors in its three modes") {
  struct Pinned {
    std::size_t length;
    const char* hash;
    const char* keyed;
    const char* derived;
  };
  const Pinned pinned[] = {
      {0, "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262",
       "92b2b75604ed3c761f9d6f62392c8a9227ad0ea3f09573e783f1498a4ed60d26",
       "2cc39783c223154fea8dfb7c1b1660f2ac2dcbd1c1de8277b0b0dd39b7e50d7d"},
      {1, "2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213",
       "6d7878dfff2f485635d39013278ae14f1454b8c0a3a2d34bc1ab38228a80c95b",
       "b3e2e340a117a499c6cf2398a19ee0d29cca2bb7404c73063382693bf66cb06c"},
      {1023, "10108970eeda3eb932baac1428c7a2163b0e924c9a9e25b35bba72b28f70bd11",
       "c951ecdf03288d0fcc96ee3413563d8a6d3589547f2c2fb36d9786470f1b9d6e",
       "74a16c1c3d44368a86e1ca6df64be6a2f64cce8f09220787450722d85725dea5"},
      {1024, "42214739f095a406f3fc83deb889744ac00df831c10daa55189b5d121c855af7",
       "75c46f6f3d9eb4f55ecaaee480db732e6c2105546f1e675003687c31719c7ba4",
       "7356cd7720d5b66b6d0697eb3177d9f8d73a4a5c5e968896eb6a689684302706"},
      {1025, "d00278ae47eb27b34faecf67b4fe263f82d5412916c1ffd97c8cb7fb814b8444",
       "357dc55de0c7e382c900fd6e320acc04146be01db6a8ce7210b7189bd664ea69",
       "effaa245f065fbf82ac186839a249707c3bddf6d3fdda22d1b95a3c970379bcb"},
      {102400, "bc3e3d41a1146b069abffad3c0d44860cf664390afce4d9661f7902e7943e085",
       "1c35d1a5811083fd7119f5d5d1ba027b4d01c0c6c49fb6ff2cf75393ea5db4a7",
       "4652cff7a3f385a6103b5c260fc1593e13c778dbe608efb092fe7ee69df6e9c6"},
  };
  for (const auto& p : pinned) {
    INFO("length " << p.length);
    const auto input = blake3_input(p.length);
    CHECK(hex_digest(Algo::kBlake3, input) == p.hash);
    CHECK(hex_digest(official_keyed(), input) == p.keyed);
    CHECK(hex_digest(DigestSpec::blake3_derive_key(kBlake3Context), input) == p.derived);
  }
}

TEST_CASE("BLAKE3 agrees with b3sum at every official test-vector length, mode and output length") {
  conc::test::TempDir dir;
  const auto key_file = dir.write("key", std::string(kBlake3Key, 32));
  for (const std::size_t n : kBlake3Lengths) {
    const auto input = blake3_input(n);
    const auto path = dir.write("input", input);
    for (const std::size_t length : {std::size_t{32}, std::size_t{131}}) {
      DigestSpec plain(Algo::kBlake3);
      DigestSpec keyed = official_keyed();
      DigestSpec derived = DigestSpec::blake3_derive_key(kBlake3Context);
      plain.length = keyed.length = derived.length = length;
      const std::vector<std::string> b3sum = {"/usr/bin/b3sum", "--no-names", "--length", std::to_string(length)};
      auto oracle = [&](std::vector<std::string> extra, const std::string& stdin_bytes) {
        auto argv = b3sum;
        argv.insert(argv.end(), extra.begin(), extra.end());
        argv.push_back(path);
        const auto r = conc::test::run_process(argv, stdin_bytes);
        REQUIRE(r.exit_code == 0);
        return r.out;
      };
      INFO("input length " << n << ", output length " << length);
      CHECK(hex_digest(plain, input) + "\n" == oracle({}, ""));
      CHECK(hex_digest(keyed, input) + "\n" == oracle({"--keyed"}, std::string(kBlake3Key, 32)));
      CHECK(hex_digest(derived, input) + "\n" == oracle({"--derive-key", kBlake3Context}, ""));
    }
  }
}

TEST_CASE("a digest spec's output length is its own unless BLAKE3's is set") {
  CHECK(DigestSpec(Algo::kSha512).output_bytes() == 64);
  DigestSpec b3(Algo::kBlake3);
  CHECK(b3.output_bytes() == 32);
  b3.length = 1;
  CHECK(hex_digest(b3, "abc") == "64");
  b3.length = 64;
  CHECK(hex_digest(b3, "abc").substr(0, 64) == hex_digest(Algo::kBlake3, "abc"));  // an XOF: a prefix
  CHECK(conc::common::lower_hex(std::vector<std::uint8_t>{0x00, 0xab, 0xff}) == "00abff");
}
