// output_file.h: one image file written whole or not at all.
#pragma once

#include <span>
#include <stop_token>
#include <string>
#include <string_view>

#include "common/output.h"
#include "image/codec.h"

namespace conc::image {

/// An output file that appears whole or not at all (common::Output: a
/// temporary in the target's directory, renamed by commit), as the sink
/// an encoder writes to. Creates the missing directories above it.
class OutputFile final : public ByteSink {
 public:
  OutputFile(const std::string& path, const std::stop_token& stop);
  void write(std::span<const std::byte> bytes) override {
    out_.write(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  }
  void commit() { out_.commit(); }

 private:
  static const std::string& make_parents(const std::string& path);
  common::Output out_;
};

}  // namespace conc::image
