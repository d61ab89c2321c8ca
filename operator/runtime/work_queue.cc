#include "operator/runtime/work_queue.h"

namespace pgferry::runtime {
namespace {

double Seconds(Clock::Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

WorkQueue::WorkQueue(Options options)
    : clock_(options.clock != nullptr ? options.clock : Clock::Real()),
      metrics_(options.metrics),
      backoff_(options.backoff_base, options.backoff_max) {}

void WorkQueue::Add(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  AddLocked(key, clock_->Now());
}

void WorkQueue::AddLocked(const std::string& key, TimePoint now) {
  if (shutting_down_ || dirty_.count(key)) return;
  dirty_.emplace(key, now);
  if (metrics_ != nullptr) metrics_->Added();
  ReportDepthLocked();
  if (processing_.count(key)) return;  // Done queues it again
  queue_.push_back(key);
  cv_.notify_one();
}

void WorkQueue::AddAfter(const std::string& key, Duration delay) {
  std::lock_guard<std::mutex> lock(mu_);
  if (shutting_down_) return;
  TimePoint now = clock_->Now();
  if (delay <= Duration::zero()) {
    AddLocked(key, now);
    return;
  }
  TimePoint ready = now + std::chrono::duration_cast<Clock::Duration>(delay);
  auto known = waiting_index_.find(key);
  if (known != waiting_index_.end()) {
    if (known->second->first <= ready) return;  // already due sooner
    waiting_.erase(known->second);
    waiting_index_.erase(known);
  }
  waiting_index_[key] = waiting_.emplace(ready, key);
  cv_.notify_one();  // a waiting worker may have to wake up earlier now
}

void WorkQueue::AddRateLimited(const std::string& key) {
  Duration delay;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shutting_down_) return;
    if (metrics_ != nullptr) metrics_->Retried();
    delay = backoff_.When(key);
  }
  AddAfter(key, delay);
}

void WorkQueue::Forget(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  backoff_.Forget(key);
}

int WorkQueue::NumRequeues(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  return backoff_.NumRequeues(key);
}

void WorkQueue::PromoteDueLocked(TimePoint now) {
  while (!waiting_.empty() && waiting_.begin()->first <= now) {
    std::string key = waiting_.begin()->second;
    waiting_index_.erase(key);
    waiting_.erase(waiting_.begin());
    AddLocked(key, now);
  }
}

std::string WorkQueue::PopLocked(TimePoint now) {
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  auto dirty = dirty_.find(key);
  if (metrics_ != nullptr) metrics_->Dequeued(Seconds(now - dirty->second));
  dirty_.erase(dirty);
  processing_[key] = now;
  ReportDepthLocked();
  return key;
}

std::optional<std::string> WorkQueue::Get() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    if (shutting_down_) return std::nullopt;
    TimePoint now = clock_->Now();
    PromoteDueLocked(now);
    if (!queue_.empty()) return PopLocked(now);
    TimePoint next = waiting_.empty() ? TimePoint::max() : waiting_.begin()->first;
    clock_->WaitUntil(cv_, lock, next);
  }
}

std::optional<std::string> WorkQueue::TryGet() {
  std::lock_guard<std::mutex> lock(mu_);
  if (shutting_down_) return std::nullopt;
  TimePoint now = clock_->Now();
  PromoteDueLocked(now);
  if (queue_.empty()) return std::nullopt;
  return PopLocked(now);
}

void WorkQueue::Done(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = processing_.find(key);
  if (it == processing_.end()) return;
  if (metrics_ != nullptr) metrics_->Finished(Seconds(clock_->Now() - it->second));
  processing_.erase(it);
  if (!shutting_down_ && dirty_.count(key)) {  // added again while it was being processed
    queue_.push_back(key);
    cv_.notify_one();
  }
}

void WorkQueue::ShutDown() {
  std::lock_guard<std::mutex> lock(mu_);
  shutting_down_ = true;
  queue_.clear();
  dirty_.clear();
  waiting_.clear();
  waiting_index_.clear();
  ReportDepthLocked();
  cv_.notify_all();
}

bool WorkQueue::ShuttingDown() {
  std::lock_guard<std::mutex> lock(mu_);
  return shutting_down_;
}

size_t WorkQueue::Len() {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

size_t WorkQueue::NumWaiting() {
  std::lock_guard<std::mutex> lock(mu_);
  return waiting_.size();
}

size_t WorkQueue::NumProcessing() {
  std::lock_guard<std::mutex> lock(mu_);
  return processing_.size();
}

void WorkQueue::UnfinishedWork(double* total_seconds, double* longest_seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  TimePoint now = clock_->Now();
  double total = 0, longest = 0;
  for (const auto& [key, started] : processing_) {
    double running = Seconds(now - started);
    total += running;
    longest = std::max(longest, running);
  }
  *total_seconds = total;
  *longest_seconds = longest;
}

void WorkQueue::ReportDepthLocked() {
  if (metrics_ != nullptr) metrics_->DepthChanged(dirty_.size());
}

}  // namespace pgferry::runtime
