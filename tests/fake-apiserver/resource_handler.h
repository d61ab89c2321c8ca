// ResourceHandler: the REST verbs on a resource (get, list, watch, create, update, patch with
// merge/JSON/strategic/apply patches, delete, deletecollection) with kube-apiserver's semantics:
// resourceVersion preconditions and 409s, status subresource split, generation, finalizers and
// deletionTimestamp, unknown-field handling per fieldValidation, defaulting and validation (422
// with causes), dryRun, managedFields, Table output and metav1.Status errors.
//
// Thread-safe: every call takes ServerState::mu for its duration.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tests/fake-apiserver/http_message.h"
#include "tests/fake-apiserver/request_info.h"
#include "tests/fake-apiserver/server_state.h"

namespace pgferry::fakeapi {

class ResourceHandler {
 public:
  explicit ResourceHandler(ServerState& state) : state_(state) {}

  // Returns the response, or nullopt when a watch stream was opened through `opener`.
  std::optional<HttpResponse> Handle(const HttpRequest& request, const RequestInfo& info,
                                     StreamOpener* opener);

  // The per-request context shared by the verb implementations.
  struct Call {
    const HttpRequest& http;
    const RequestInfo& info;
    const ResourceType& type;          // the requested group/version
    const ResourceType& storage_type;  // how objects are stored
    std::string now;
    std::vector<std::string> warnings;
  };

 private:
  HttpResponse Get(Call& c);
  HttpResponse List(Call& c);
  std::optional<HttpResponse> Watch(Call& c, StreamOpener* opener);
  HttpResponse Create(Call& c);
  HttpResponse Update(Call& c);
  HttpResponse Patch(Call& c);
  HttpResponse Delete(Call& c);
  HttpResponse DeleteCollection(Call& c);

  // Shared write pipeline (all objects in the requested version's form).
  HttpResponse CommitCreate(Call& c, Json obj, bool managed_fields_done);
  HttpResponse CommitUpdate(Call& c, const Json& old_stored, Json candidate, bool status_request,
                            bool managed_fields_done);
  // Unknown fields per fieldValidation; returns a 400 error for Strict.
  std::optional<ApiError> CheckUnknownFields(Call& c, Json* obj);
  // Defaults and validation; returns a 422 error when invalid.
  std::optional<ApiError> DefaultAndValidate(Call& c, Json* obj, const Json* old);

  HttpResponse ObjectResponse(Call& c, int status, const Json& wire);
  HttpResponse ErrorResponse(Call& c, const ApiError& error);
  std::string FieldManager(const Call& c) const;
  bool DryRun(const Call& c) const;

  ServerState& state_;
};

}  // namespace pgferry::fakeapi
