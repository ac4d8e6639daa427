#include "common/interrupt.h"

#include <semaphore.h>

#include <csignal>
#include <stdexcept>

namespace conc::common {
namespace {

// Process-wide because signal handlers cannot carry state.
sem_t g_wakeup;
// lock-free atomics are async-signal-safe; relaxed/seq_cst choices below.
std::atomic<int> g_signal{0};
std::atomic<bool> g_active{false};
struct sigaction g_old_int {};
struct sigaction g_old_term {};

extern "C" void on_signal(int sig) {
  int expected = 0;
  // seq_cst: the watcher reads g_signal after sem_wait returns.
  if (g_signal.compare_exchange_strong(expected, sig)) {
    // Second signal: default action. sigaction is async-signal-safe.
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGINT, &dfl, nullptr);
    sigaction(SIGTERM, &dfl, nullptr);
    sem_post(&g_wakeup);
  }
}

}  // namespace

InterruptGuard::InterruptGuard() {
  if (g_active.exchange(true)) throw std::logic_error("InterruptGuard: only one at a time");
  g_signal.store(0);
  sem_init(&g_wakeup, 0, 0);
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, &g_old_int);
  sigaction(SIGTERM, &sa, &g_old_term);
  watcher_ = std::jthread([this] {
    while (sem_wait(&g_wakeup) != 0) {
    }  // EINTR: retry
    if (g_signal.load() != 0) stop_.request_stop();
  });
}

InterruptGuard::~InterruptGuard() {
  sigaction(SIGINT, &g_old_int, nullptr);
  sigaction(SIGTERM, &g_old_term, nullptr);
  sem_post(&g_wakeup);  // release the watcher if no signal came
  watcher_.join();
  sem_destroy(&g_wakeup);
  g_active.store(false);
}

int InterruptGuard::signal() const noexcept { return g_signal.load(); }

}  // namespace conc::common
