// hash/algorithm.h: hash's names for the digests of common/digest.h, so hash
// code and its users keep saying hash::Algo. The table and the code live there.
#pragma once

#include "common/digest.h"

namespace conc::hash {

using common::Algo;
using common::algo_by_name;
using common::algo_by_tag;
using common::AlgoInfo;
using common::all_algos;
using common::Digest;
using common::hex_digest;
using common::info;

}  // namespace conc::hash
