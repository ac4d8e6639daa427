// conc/send_result.h: what a channel send reports.
#pragma once

#include <optional>
#include <utility>

namespace conc {

/// Why a send did not deliver its value.
enum class SendStatus {
  kSent,          ///< delivered
  kFull,          ///< try_send: the bounded channel had no space
  kTimeout,       ///< send_for: no space appeared in time
  kDisconnected,  ///< every Receiver is gone; nothing will ever be received
};

/// The outcome of a send. Converts to true when the value was delivered;
/// otherwise `value()` hands the value back to the caller.
template <class T>
class [[nodiscard]] SendResult {
 public:
  static SendResult sent() { return SendResult(SendStatus::kSent, std::nullopt); }
  static SendResult rejected(SendStatus why, T&& value) { return SendResult(why, std::move(value)); }

  explicit operator bool() const noexcept { return status_ == SendStatus::kSent; }
  [[nodiscard]] SendStatus status() const noexcept { return status_; }
  /// The value that was not sent. Precondition: `!*this`.
  T& value() { return *rejected_; }

 private:
  SendResult(SendStatus s, std::optional<T> v) : status_(s), rejected_(std::move(v)) {}
  SendStatus status_;
  std::optional<T> rejected_;
};

}  // namespace conc
