// Type-specific behaviour kube-apiserver's registry strategies give each kind: what a create or
// update may change (status subresource split, server-owned metadata, generation), Secret
// stringData/type handling, Namespace phase, Event conversion between core/v1 and events.k8s.io/v1,
// and the validation rules of Secrets, Namespaces, Events and Leases.
//
// Pure functions; thread-safe.
#pragma once

#include "tests/fake-apiserver/resource_type.h"

namespace pgferry::fakeapi {

// Storage form <-> the form served for `type` (only events.k8s.io/v1 Events differ; custom
// resources get their apiVersion set and defaults applied on the way out).
Json ToWire(const ResourceType& type, const Json& stored);
Json FromWire(const ResourceType& type, const ResourceType& storage_type, const Json& wire);

void PrepareForCreate(const ResourceType& type, Json* obj);

// Makes `obj` (the requested new state) what an update of `old` may produce: server-owned
// metadata restored, status kept on main-resource writes, only status taken on /status writes,
// generation bumped when anything outside metadata and status changed.
void PrepareForUpdate(const ResourceType& type, bool status_request, const Json& old, Json* obj);

// Rules beyond the schema for built-in kinds.
void ValidateBuiltin(const ResourceType& type, const Json& obj, const Json* old,
                     FieldErrors* errors);

}  // namespace pgferry::fakeapi
