// common/decimal.h: a number as text with a fixed count of decimals.
#pragma once

#include <cstdio>
#include <string>

namespace conc::common {

/// `value` with exactly `decimals` digits after the point, as printf's %.*f:
/// fixed(2.0 / 3, 2) is "0.67".
inline std::string fixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

}  // namespace conc::common
