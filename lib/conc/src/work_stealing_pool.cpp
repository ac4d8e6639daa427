#include "conc/work_stealing_pool.h"

namespace conc {

WorkStealingPool::WorkStealingPool(std::size_t threads) : WorkerPool(threads, Workload::kCompute) {
  workers_.reserve(concurrency());
  for (std::size_t i = 0; i < concurrency(); ++i) {
    workers_.push_back(std::make_unique<Worker>(static_cast<unsigned>(0x9E3779B9u * (i + 1))));
  }
  start();
}

WorkStealingPool::~WorkStealingPool() {
  stop();  // workers drain every deque and the injector before they exit
  for (auto& w : workers_) {
    while (auto node = w->deque.pop()) (void)Task::adopt(*node);
  }
  MutexLock lock(injector_mutex_);  // uncontended: the workers are gone
  for (Task::Node* node : injector_) (void)Task::adopt(node);
}

void WorkStealingPool::post(Task task) {
  Task::Node* node = task.release();
  const int self = current_worker();
  if (self >= 0) {
    workers_[static_cast<std::size_t>(self)]->deque.push(node);
  } else {
    MutexLock lock(injector_mutex_);
    injector_.push_back(node);
    // seq_cst: parking workers re-check this after registering as sleepers.
    injector_size_.store(injector_.size(), std::memory_order_seq_cst);
  }
  wake_one();
}

Task::Node* WorkStealingPool::pop_injector() {
  // relaxed: a hint to skip the lock; the lock orders the real access.
  if (injector_size_.load(std::memory_order_relaxed) == 0) return nullptr;
  MutexLock lock(injector_mutex_);
  if (injector_.empty()) return nullptr;
  Task::Node* node = injector_.front();
  injector_.pop_front();
  injector_size_.store(injector_.size(), std::memory_order_relaxed);  // relaxed: under the lock
  return node;
}

Task::Node* WorkStealingPool::find_task(std::size_t self, bool /*nested*/) {
  // Helping or not, the own deque is popped LIFO already.
  Worker& me = *workers_[self];
  if (auto node = me.deque.pop()) return *node;
  if (Task::Node* node = pop_injector()) return node;
  const std::size_t n = workers_.size();
  if (n < 2) return nullptr;
  const std::size_t start = me.rng() % n;
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t victim = (start + k) % n;
    if (victim == self) continue;
    if (auto node = workers_[victim]->deque.steal()) {
      WorkerCounters::bump(counters(self).steals);
      return *node;
    }
  }
  return nullptr;
}

bool WorkStealingPool::has_visible_work() const {
  // seq_cst: see injector_size_ and ChaseLevDeque::size.
  if (injector_size_.load(std::memory_order_seq_cst) != 0) return true;
  for (const auto& w : workers_) {
    if (!w->deque.empty()) return true;
  }
  return false;
}

}  // namespace conc
