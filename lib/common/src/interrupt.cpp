#include "common/interrupt.h"

#include <sched.h>
#include <semaphore.h>
#include <unistd.h>
#include <cerrno>
#include <climits>

#include <csignal>
#include <cstring>
#include <iterator>
#include <stdexcept>

namespace conc::common {
namespace {

// Process-wide because signal handlers cannot carry state.
sem_t g_wakeup;
// lock-free atomics are async-signal-safe; relaxed/seq_cst choices below.
std::atomic<int> g_signal{0};
std::atomic<bool> g_active{false};
constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};
struct sigaction g_old[3]{};
// The other asynchronous signals whose default action ends the process: no
// stop request for them (the sender did not ask for a clean stop), but the
// temporaries go first. The synchronous ones (SIGSEGV, SIGBUS, ...) are left
// alone: hash's mapped reads catch SIGBUS themselves.
constexpr int kFatalSignals[] = {SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGVTALRM, SIGPROF, SIGXCPU, SIGXFSZ, SIGPWR};
constexpr int kFatalCount = static_cast<int>(std::size(kFatalSignals));
struct sigaction g_old_fatal[kFatalCount] {};
bool g_fatal_installed[kFatalCount]{};

// The temporary files to remove before a second signal kills the process.
// Fixed storage, never freed: the handler may read it at any moment.
// kRemoving: the handler owns the slot and reads its path; nobody may free
// or refill it meanwhile (else the handler could unlink a half-copied path).
enum SlotState : int { kFree = 0, kFilling = 1, kReady = 2, kRemoving = 3 };
struct TempSlot {
  std::atomic<int> state{kFree};
  char path[PATH_MAX];
};
constexpr int kTempSlots = 64;
TempSlot g_temps[kTempSlots];

void remove_temp_files() noexcept {
  for (auto& slot : g_temps) {
    int expected = kReady;
    // acquire: pairs with the release that published the path. The slot
    // stays kRemoving: the process dies right after.
    if (slot.state.compare_exchange_strong(expected, kRemoving, std::memory_order_acquire)) ::unlink(slot.path);
  }
}

// Every handler keeps errno: the thread it interrupted may be between a
// failed call and its errno check (and ThreadSanitizer reports a handler
// that changes it).
class ErrnoKeeper {
 public:
  ErrnoKeeper() noexcept : saved_(errno) {}
  ~ErrnoKeeper() { errno = saved_; }
  ErrnoKeeper(const ErrnoKeeper&) = delete;
  ErrnoKeeper& operator=(const ErrnoKeeper&) = delete;

 private:
  int saved_;
};

extern "C" void on_signal(int sig) {
  const ErrnoKeeper keep_errno;  // unlink fails with ENOENT once the run has removed its temporaries
  int expected = 0;
  // seq_cst: the watcher reads g_signal after sem_wait returns.
  if (g_signal.compare_exchange_strong(expected, sig)) {
    sem_post(&g_wakeup);
    return;
  }
  // A second signal: the user insists. Remove the temporaries first (unlink
  // is async-signal-safe), then let the default action run: the signal is
  // blocked while this handler runs, so the raised one lands on return.
  remove_temp_files();
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(sig, &dfl, nullptr);
  raise(sig);
}

// Removes the temporaries, then lets the signal's default action run: the
// signal is blocked while this handler runs, so the raised one lands on return.
extern "C" void on_fatal_signal(int sig) {
  const ErrnoKeeper keep_errno;
  remove_temp_files();
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(sig, &dfl, nullptr);
  raise(sig);
}

}  // namespace

void TempFileRegistration::set(const std::string& path) noexcept {
  reset();
  if (path.size() >= PATH_MAX) return;
  for (int i = 0; i < kTempSlots; ++i) {
    int expected = kFree;
    // acq_rel: claims the slot before its path is written.
    if (!g_temps[i].state.compare_exchange_strong(expected, kFilling, std::memory_order_acq_rel)) continue;
    std::memcpy(g_temps[i].path, path.c_str(), path.size() + 1);
    g_temps[i].state.store(kReady, std::memory_order_release);  // release: the handler sees the whole path
    slot_ = i;
    return;
  }
}

void TempFileRegistration::reset() noexcept {
  if (slot_ < 0) return;
  // release: done with the path. Only a published slot is freed: if the
  // handler holds it (kRemoving, on another thread), it is about to kill
  // the process, so wait for that rather than reuse the path under it.
  for (int expected = kReady; !g_temps[slot_].state.compare_exchange_weak(expected, kFree, std::memory_order_release,
                                                                          std::memory_order_relaxed);
       expected = kReady) {
    sched_yield();
  }
  slot_ = -1;
}

InterruptGuard::InterruptGuard() {
  if (g_active.exchange(true)) throw std::logic_error("InterruptGuard: only one at a time");
  g_signal.store(0);
  sem_init(&g_wakeup, 0, 0);
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &sa, &g_old[i]);
  // Only where the default action is in force: a signal the user's shell
  // set to be ignored (nohup, trap '' USR1) stays ignored.
  struct sigaction fatal {};
  fatal.sa_handler = on_fatal_signal;
  sigemptyset(&fatal.sa_mask);
  for (int i = 0; i < kFatalCount; ++i) {
    g_fatal_installed[i] = sigaction(kFatalSignals[i], nullptr, &g_old_fatal[i]) == 0 &&
                           g_old_fatal[i].sa_handler == SIG_DFL && sigaction(kFatalSignals[i], &fatal, nullptr) == 0;
  }
  watcher_ = std::jthread([this] {
    while (sem_wait(&g_wakeup) != 0) {}  // EINTR: retry
    if (g_signal.load() != 0) stop_.request_stop();
  });
}

InterruptGuard::~InterruptGuard() {
  for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &g_old[i], nullptr);
  for (int i = 0; i < kFatalCount; ++i) {
    if (g_fatal_installed[i]) sigaction(kFatalSignals[i], &g_old_fatal[i], nullptr);
  }
  sem_post(&g_wakeup);  // release the watcher if no signal came
  watcher_.join();
  sem_destroy(&g_wakeup);
  g_active.store(false);
}

int InterruptGuard::signal() const noexcept { return g_signal.load(); }

}  // namespace conc::common
