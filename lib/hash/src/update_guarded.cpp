#include "hash/update_guarded.h"

#include <csetjmp>
#include <csignal>
#include <mutex>

#include "common/input.h"

namespace conc::hash {
namespace {

// The SIGBUS guard: the thread hashing mapped bytes points this at its jump
// buffer for the length of one update; the handler jumps back there.
thread_local sigjmp_buf* t_sigbus_return = nullptr;

void on_sigbus(int sig, siginfo_t*, void*) {
  if (sigjmp_buf* back = t_sigbus_return) siglongjmp(*back, 1);
  // Not ours: die as SIGBUS would have without us.
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void install_sigbus_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGBUS, &sa, nullptr);
  });
}

}  // namespace

void run_sigbus_guarded(void (*work)(void*), void* context) {
  install_sigbus_handler();
  sigjmp_buf back;
  // Nothing with a destructor lives between here and the faulting load (the
  // caller's promise for `work`), so jumping back over it is well defined.
  if (sigsetjmp(back, 1) != 0) {
    t_sigbus_return = nullptr;
    throw common::InputError("file shrank while being read");
  }
  t_sigbus_return = &back;
  try {
    work(context);
  } catch (...) {
    t_sigbus_return = nullptr;  // `back` dies with this frame: a later fault must not jump to it
    throw;
  }
  t_sigbus_return = nullptr;
}

void update_guarded(common::Digest& digest, const char* data, std::size_t size) {
  auto update = [&] { digest.update(data, size); };
  sigbus_guarded(update);
}

}  // namespace conc::hash
