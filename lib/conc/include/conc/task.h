// conc/task.h: the unit of work every executor runs.
#pragma once

#include <memory>
#include <type_traits>
#include <utility>

namespace conc {

/// A move-only, type-erased `void()` callable.
///
/// Unlike `std::function` it accepts move-only callables (a `packaged_task`, a
/// lambda owning a `unique_ptr`). The callable lives in one heap node, which
/// executors hand around as a raw pointer (`release()` / `adopt()`) so that a
/// lock-free deque can hold it in an atomic slot.
class Task {
 public:
  /// The heap node holding the callable. Executors store `Node*`.
  struct Node {
    virtual ~Node() = default;
    virtual void run() = 0;
  };

  Task() = default;

  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, Task>>>
  Task(F&& f)  // NOLINT(google-explicit-constructor,bugprone-forwarding-reference-overload): a Task is its
               // callable; never a Task itself (the enable_if), so copies and moves are not hidden
      : node_(std::make_unique<Impl<std::decay_t<F>>>(std::forward<F>(f))) {}

  explicit operator bool() const noexcept { return node_ != nullptr; }

  /// Runs the callable. Precondition: the task is not empty.
  void operator()() { node_->run(); }

  /// Gives up ownership of the node; the caller must `adopt()` it again.
  [[nodiscard]] Node* release() noexcept { return node_.release(); }
  static Task adopt(Node* node) noexcept {
    Task t;
    t.node_.reset(node);
    return t;
  }

 private:
  template <class F>
  struct Impl final : Node {
    template <class G>
    explicit Impl(G&& g) : fn(std::forward<G>(g)) {}  // NOLINT(bugprone-forwarding-reference-overload): never copied
    void run() override { fn(); }
    F fn;
  };

  std::unique_ptr<Node> node_;
};

}  // namespace conc
