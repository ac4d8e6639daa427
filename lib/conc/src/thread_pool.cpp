#include "conc/thread_pool.h"

#include <iterator>

#include "conc/mutex.h"

namespace conc {

ThreadPool::ThreadPool(std::size_t threads) : WorkerPool(threads) { start(); }

ThreadPool::~ThreadPool() {
  stop();  // workers drain the queue before they exit
  LockGuard lock(mutex_);  // uncontended: the workers are gone
  for (const Entry& e : queue_) (void)Task::adopt(e.task);
}

void ThreadPool::post(Task task) {
  const int poster = current_worker();
  {
    LockGuard lock(mutex_);
    queue_.push_back({task.release(), poster});
  }
  wake_one();
}

Task::Node* ThreadPool::find_task(std::size_t self, bool nested) {
  LockGuard lock(mutex_);
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
  LockGuard lock(mutex_);
  return !queue_.empty();
}

}  // namespace conc
