// Structural schemas for the built-in kinds the fake serves (ObjectMeta, Namespace, Secret,
// ConfigMap, core and events.k8s.io Events, Lease, CustomResourceDefinition), used to prune and
// report unknown fields, to track managed fields and to publish OpenAPI v3 for kubectl explain.
// They cover the fields of the real types in Kubernetes 1.32 (descriptions abridged).
//
// Immutable after first use; thread-safe.
#pragma once

#include "tests/fake-apiserver/api_errors.h"

namespace pgferry::fakeapi {

const Json& ObjectMetaSchema();
const Json& ListMetaSchema();
// Named schemas: "Namespace", "Secret", "ConfigMap", "Event", "events.k8s.io/Event", "Lease",
// "CustomResourceDefinition". Each is a root object schema whose metadata is ObjectMeta.
const Json& BuiltinSchema(const std::string& name);

// A CRD's openAPIV3Schema turned into a root schema with apiVersion/kind and ObjectMeta metadata.
Json RootSchemaWithMeta(const Json& schema);

}  // namespace pgferry::fakeapi
