#include "conc/thread_pool.h"

#include <iterator>

namespace conc {

ThreadPool::ThreadPool(std::size_t threads) : WorkerPool(threads) { start(); }

ThreadPool::~ThreadPool() {
  stop();  // workers drain the queue before they exit
  for (const Entry& e : queue_) (void)Task::adopt(e.task);
}

void ThreadPool::post(Task task) {
  const int poster = current_worker();
  {
    std::lock_guard lock(mutex_);
    queue_.push_back({task.release(), poster});
  }
  wake_one();
}

Task::Node* ThreadPool::find_task(std::size_t self, bool nested) {
  std::lock_guard lock(mutex_);
  if (queue_.empty()) return nullptr;
  if (nested) {
    // The newest task this worker posted; usually at or near the back.
    for (auto it = queue_.rbegin(); it != queue_.rend(); ++it) {
      if (it->poster == static_cast<int>(self)) {
        Task::Node* node = it->task;
        queue_.erase(std::next(it).base());
        return node;
      }
    }
  }
  Task::Node* node = queue_.front().task;
  queue_.pop_front();
  return node;
}

bool ThreadPool::has_visible_work() const {
  std::lock_guard lock(mutex_);
  return !queue_.empty();
}

}  // namespace conc
