#include "operator/controller/job_runner.h"

#include <algorithm>

namespace pgferry::controller {

JobRunner::JobRunner(int max_concurrent) {
  for (int i = 0; i < std::max(1, max_concurrent); ++i) workers_.emplace_back([this] { Work(); });
}

JobRunner::~JobRunner() { Shutdown(); }

void JobRunner::Submit(std::shared_ptr<Job> job, bool urgent) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!shutting_down_) {
      if (urgent) {
        waiting_.push_front(std::move(job));
      } else {
        waiting_.push_back(std::move(job));
      }
      cv_.notify_one();
      return;
    }
  }
  job->Cancel();
}

bool JobRunner::Withdraw(const std::shared_ptr<Job>& job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = std::find(waiting_.begin(), waiting_.end(), job);
    if (it == waiting_.end()) return false;
    waiting_.erase(it);
  }
  job->Cancel();
  return true;
}

void JobRunner::Shutdown() {
  std::deque<std::shared_ptr<Job>> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutting_down_ = true;
    dropped.swap(waiting_);
    for (const auto& job : running_) job->RequestStop();
    cv_.notify_all();
  }
  for (const auto& job : dropped) job->Cancel();
  for (std::thread& worker : workers_)
    if (worker.joinable()) worker.join();
}

int JobRunner::running() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(running_.size());
}

int JobRunner::waiting() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(waiting_.size());
}

void JobRunner::Work() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return shutting_down_ || !waiting_.empty(); });
      if (shutting_down_) return;
      job = std::move(waiting_.front());
      waiting_.pop_front();
      running_.insert(job);
    }
    job->Run();
    std::lock_guard<std::mutex> lock(mu_);
    running_.erase(job);
  }
}

}  // namespace pgferry::controller
