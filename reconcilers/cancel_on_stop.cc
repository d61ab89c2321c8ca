#include "reconcilers/cancel_on_stop.h"

#include <algorithm>
#include <chrono>

namespace pgferry {

CancelOnStop::CancelOnStop(std::function<bool()> stop) : stop_(std::move(stop)) {
  watcher_ = std::thread([this] {
    std::unique_lock<std::mutex> l(mu_);
    while (!done_) {
      if (stop_ && stop_())
        for (pg::Session* s : live_) s->Cancel();
      wake_.wait_for(l, std::chrono::milliseconds(100));
    }
  });
}

CancelOnStop::~CancelOnStop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    done_ = true;
  }
  wake_.notify_all();
  watcher_.join();
}

CancelOnStop::Guard CancelOnStop::Watch(std::initializer_list<pg::Session*> sessions) {
  std::lock_guard<std::mutex> l(mu_);
  live_.insert(live_.end(), sessions.begin(), sessions.end());
  return Guard(this, std::vector<pg::Session*>(sessions));
}

CancelOnStop::Guard::~Guard() {
  std::lock_guard<std::mutex> l(owner_->mu_);
  auto& live = owner_->live_;
  live.erase(std::remove_if(live.begin(), live.end(),
                            [&](pg::Session* s) {
                              return std::find(sessions_.begin(), sessions_.end(), s) != sessions_.end();
                            }),
             live.end());
}

}  // namespace pgferry
