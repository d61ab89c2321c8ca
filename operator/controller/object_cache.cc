#include "operator/controller/object_cache.h"

#include "operator/runtime/object_key.h"

namespace pgferry::controller {

ObjectCache::ObjectCache(kube::KubeClient* client, const kube::Resource& resource,
                         const std::vector<std::string>& namespaces, runtime::LogSink log) {
  namespaces_ = namespaces.empty() ? std::vector<std::string>{""} : namespaces;
  for (const auto& ns : namespaces_) {
    runtime::Informer::Options o;
    o.resource = resource;
    o.ns = ns;
    o.log = log;
    informers_.push_back(std::make_unique<runtime::Informer>(client, o));
  }
}

void ObjectCache::AddEventHandlers(const runtime::Informer::EventHandlers& handlers) {
  for (auto& i : informers_) i->AddEventHandlers(handlers);
}

void ObjectCache::Start() {
  for (auto& i : informers_) i->Start();
}

void ObjectCache::Stop() {
  for (auto& i : informers_) i->Stop();
}

Status ObjectCache::SyncStatus() const {
  for (const auto& i : informers_) RETURN_IF_ERROR(i->SyncStatus());
  return Status::Ok();
}

bool ObjectCache::WaitForSync(std::stop_token stop, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (auto& i : informers_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || !i->WaitForSync(stop, left)) return false;
  }
  return true;
}

runtime::Informer* ObjectCache::For(const std::string& ns) const {
  for (size_t i = 0; i < namespaces_.size(); ++i)
    if (namespaces_[i].empty() || namespaces_[i] == ns) return informers_[i].get();
  return nullptr;
}

std::optional<nlohmann::json> ObjectCache::Get(const std::string& key) const {
  runtime::Informer* informer = For(runtime::SplitObjectKey(key).ns);
  if (informer == nullptr) return std::nullopt;
  return informer->Get(key);
}

std::vector<nlohmann::json> ObjectCache::List() const {
  std::vector<nlohmann::json> out;
  for (const auto& i : informers_)
    for (auto& o : i->List()) out.push_back(std::move(o));
  return out;
}

std::vector<nlohmann::json> ObjectCache::ListNamespace(const std::string& ns) const {
  std::vector<nlohmann::json> out;
  runtime::Informer* informer = For(ns);
  if (informer == nullptr) return out;
  for (auto& o : informer->List())
    if (o["metadata"].value("namespace", "") == ns) out.push_back(std::move(o));
  return out;
}

}  // namespace pgferry::controller
