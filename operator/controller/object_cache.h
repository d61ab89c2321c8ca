// ObjectCache: the informers of one resource over the namespaces the operator watches — one
// runtime::Informer per namespace given with --namespace, or a single all-namespaces informer
// when none was given — behind one Get/List, so the reconciler need not care which.
//
// Ownership: the KubeClient must outlive the cache. Thread-safety: as runtime::Informer (Get,
// List, HasSynced from any thread; AddEventHandlers before Start).
#pragma once

#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "operator/runtime/informer.h"

namespace pgferry::controller {

class ObjectCache {
 public:
  // `namespaces` empty = all namespaces.
  ObjectCache(kube::KubeClient* client, const kube::Resource& resource,
              const std::vector<std::string>& namespaces, runtime::LogSink log);

  void AddEventHandlers(const runtime::Informer::EventHandlers& handlers);
  void Start();
  void Stop();

  // OK once every informer has its first list; the readiness check.
  Status SyncStatus() const;
  bool WaitForSync(std::stop_token stop, std::chrono::milliseconds timeout);

  std::optional<nlohmann::json> Get(const std::string& key) const;
  std::vector<nlohmann::json> List() const;
  std::vector<nlohmann::json> ListNamespace(const std::string& ns) const;

 private:
  runtime::Informer* For(const std::string& ns) const;

  std::vector<std::string> namespaces_;  // parallel to informers_; "" = all
  std::vector<std::unique_ptr<runtime::Informer>> informers_;
};

}  // namespace pgferry::controller
