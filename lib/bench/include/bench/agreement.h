// bench/agreement.h: which runs gave the same output, and who is to blame when they differ.
#pragma once

#include <cstddef>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace conc::bench {

/// A configuration whose output or exit code differs from the reference's.
struct Disagreement {
  std::string reference;  ///< the configuration whose output is taken for right
  std::string other;      ///< the configuration that gave another
  std::string what;       ///< "stdout differs: byte 1234", "exit code 1 where seq -j 1 gave 0", ...
};

/// What one configuration's runs gave.
struct Voter {
  std::string label;               ///< "steal -j 2"
  bool seq = false;                ///< the single-threaded baseline
  std::set<std::size_t> variants;  ///< indices from OutputVariants::add
};

/// The distinct outputs the runs gave, each with its exit code, kept in a
/// directory to compare later runs with (usually there is just one, so a run
/// costs one comparison).
class OutputVariants {
 public:
  /// Past this many distinct outputs a new one is not kept: something is
  /// badly wrong already, and each is a copy of a whole output.
  static constexpr std::size_t kMaxKept = 8;
  /// The index `add` gives an output not kept.
  static constexpr std::size_t kNotKept = static_cast<std::size_t>(-1);

  /// `keep_in` must exist; the variants are moved into it.
  explicit OutputVariants(std::filesystem::path keep_in) : dir_(std::move(keep_in)) {}

  /// The variant `output` (a file, a directory tree, or nothing when the
  /// path does not exist) with `exit_code` equals; a new one is moved into
  /// the directory. Throws std::runtime_error when an output cannot be read.
  std::size_t add(const std::filesystem::path& output, int exit_code);

  [[nodiscard]] std::size_t size() const noexcept { return variants_.size(); }

  /// The verdict once every run is in. The reference is seq's output when
  /// seq gave one output: seq has no concurrency to get wrong, and it is the
  /// baseline every speed-up is over. Without it, the output most voters
  /// gave (ties: the one seen first). Each voter that gave another output
  /// is one disagreement, naming where it first differs (`compared` names
  /// what was compared: "stdout", "the -o output"); " in some of its runs"
  /// is added when it also gave the reference's.
  [[nodiscard]] std::vector<Disagreement> judge(const std::vector<Voter>& voters, const std::string& compared) const;

 private:
  struct Variant {
    std::filesystem::path path;
    bool present = false;
    int exit_code = 0;
  };
  [[nodiscard]] std::string difference(const Variant& right, std::size_t other, const std::string& reference,
                                       const std::string& compared) const;

  std::filesystem::path dir_;
  std::vector<Variant> variants_;
};

}  // namespace conc::bench
