#include "conc/thread_pool.h"

namespace conc {

ThreadPool::ThreadPool(std::size_t threads) : WorkerPool(threads) { start(); }

ThreadPool::~ThreadPool() {
  stop();  // workers drain the queue before they exit
  for (Task::Node* node : queue_) (void)Task::adopt(node);
}

void ThreadPool::post(Task task) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(task.release());
  }
  wake_one();
}

Task::Node* ThreadPool::find_task(std::size_t /*self*/, bool nested) {
  std::lock_guard lock(mutex_);
  if (queue_.empty()) return nullptr;
  Task::Node* node = nullptr;
  if (nested) {
    node = queue_.back();
    queue_.pop_back();
  } else {
    node = queue_.front();
    queue_.pop_front();
  }
  return node;
}

bool ThreadPool::has_visible_work() const {
  std::lock_guard lock(mutex_);
  return !queue_.empty();
}

}  // namespace conc
