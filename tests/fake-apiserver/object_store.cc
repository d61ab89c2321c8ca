#include "tests/fake-apiserver/object_store.h"

#include <algorithm>
#include <set>

namespace pgferry::fakeapi {

const Json* ObjectStore::Get(const std::string& storage, const std::string& ns,
                             const std::string& name) const {
  auto it = objects_.find(Key{storage, ns, name});
  return it == objects_.end() ? nullptr : &it->second;
}

std::vector<const Json*> ObjectStore::List(const std::string& storage, const std::string& ns) const {
  std::vector<const Json*> out;
  for (auto it = objects_.lower_bound(Key{storage, ns, ""}); it != objects_.end(); ++it) {
    const auto& [s, n, name] = it->first;
    if (s != storage || (!ns.empty() && n != ns)) break;
    out.push_back(&it->second);
  }
  return out;
}

std::vector<std::string> ObjectStore::Storages() const {
  std::set<std::string> s;
  for (const auto& [key, obj] : objects_) s.insert(std::get<0>(key));
  return {s.begin(), s.end()};
}

void ObjectStore::Record(Event e) {
  for (const auto& w : watches_) {
    if (w->closed() || w->filter().storage != e.storage) continue;
    w->OnChange(e.before.get(), e.after.get());
  }
  history_.push_back(std::move(e));
  if (history_limit_ > 0) {
    while (history_.size() > history_limit_) {
      compacted_rv_ = history_.front().rv;
      history_.pop_front();
    }
  }
}

void ObjectStore::Put(const std::string& storage, const std::string& ns, const std::string& name,
                      Json obj) {
  Key key{storage, ns, name};
  auto it = objects_.find(key);
  std::shared_ptr<const Json> before;
  if (it != objects_.end()) before = std::make_shared<const Json>(it->second);
  auto after = std::make_shared<const Json>(obj);
  objects_[key] = std::move(obj);
  Record(Event{rv_, storage, before, after});
}

void ObjectStore::Remove(const std::string& storage, const std::string& ns,
                         const std::string& name, Json last) {
  objects_.erase(Key{storage, ns, name});
  Record(Event{rv_, storage, std::make_shared<const Json>(std::move(last)), nullptr});
}

bool ObjectStore::StartWatch(const std::shared_ptr<Watch>& watch, uint64_t from_rv,
                             bool initial_events) {
  const std::string& storage = watch->filter().storage;
  if (from_rv == 0 || initial_events) {
    for (const Json* obj : List(storage, watch->filter().namespace_)) watch->SendAdded(*obj);
    if (initial_events && watch->bookmarks()) watch->SendBookmark(rv_, true);
  } else {
    if (from_rv < compacted_rv_) return false;
    for (const auto& e : history_) {
      if (e.rv > from_rv && e.storage == storage) watch->OnChange(e.before.get(), e.after.get());
    }
  }
  watches_.push_back(watch);
  return true;
}

void ObjectStore::Tick(std::chrono::steady_clock::time_point now, bool send_bookmarks) {
  for (const auto& w : watches_) {
    if (w->expired(now)) {
      w->Close();
    } else if (send_bookmarks && w->bookmarks()) {
      w->SendBookmark(rv_);
    }
  }
  watches_.erase(std::remove_if(watches_.begin(), watches_.end(),
                                [](const std::shared_ptr<Watch>& w) { return w->closed(); }),
                 watches_.end());
}

void ObjectStore::CloseAllWatches() {
  for (const auto& w : watches_) w->Close();
  watches_.clear();
}

void ObjectStore::Compact(uint64_t rv) {
  while (!history_.empty() && history_.front().rv <= rv) history_.pop_front();
  compacted_rv_ = std::max(compacted_rv_, rv);
}

}  // namespace pgferry::fakeapi
