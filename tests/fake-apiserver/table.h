// meta.k8s.io/v1 Table output (what `kubectl get` asks for): the Name column, then the type's
// columns (a CRD's additionalPrinterColumns), cells rendered like kube-apiserver's table
// convertor (dates as "5m", missing values as null) and row objects per includeObject.
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "tests/fake-apiserver/resource_type.h"

namespace pgferry::fakeapi {

bool WantsTable(const std::string& accept);

Json TableColumnDefinitions(const ResourceType& type);

// One row; `stored` feeds the cells, `wire` (the object as served) goes into row.object.
Json TableRow(const ResourceType& type, const Json& stored, const Json& wire,
              const std::string& include_object);

Json MakeTable(const ResourceType& type, const Json& rows, bool with_columns,
               const std::string& resource_version, const std::string& continue_token);

}  // namespace pgferry::fakeapi
