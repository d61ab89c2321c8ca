// ResourceHandler: get, list and watch.
#include <chrono>

#include "tests/fake-apiserver/object_meta.h"
#include "tests/fake-apiserver/resource_handler.h"
#include "tests/fake-apiserver/table.h"
#include "tests/fake-apiserver/type_rules.h"

namespace pgferry::fakeapi {
namespace {

std::optional<std::string> FieldValue(const ResourceType& type, const Json& stored,
                                      const std::string& label) {
  const Json& meta = Field(stored, "metadata");
  if (label == "metadata.name") return StringField(meta, "name");
  if (label == "metadata.namespace") return StringField(meta, "namespace");
  if (label == "source") return DottedPathValue(stored, "source.component");
  (void)type;
  return DottedPathValue(stored, label);
}

// Maps events.k8s.io field labels onto the stored core/v1 Event fields.
std::string StorageLabel(const ResourceType& type, const std::string& label) {
  if (type.builtin != "events.k8s.io/Event") return label;
  if (label.rfind("regarding.", 0) == 0) return "involvedObject." + label.substr(10);
  if (label == "reportingController") return "reportingComponent";
  return label;
}

bool ParseSelectors(const ResourceHandler::Call& c, LabelSelector* labels, FieldSelector* fields,
                    ApiError* error) {
  std::string err;
  if (!LabelSelector::Parse(QueryValue(c.info.query, "labelSelector"), labels, &err)) {
    *error = BadRequestError("unable to parse requirement: " + err);
    return false;
  }
  FieldSelector raw;
  if (!FieldSelector::Parse(QueryValue(c.info.query, "fieldSelector"), &raw, &err)) {
    *error = BadRequestError(err);
    return false;
  }
  std::string rebuilt;
  for (const auto& t : raw.terms()) {
    std::string label = StorageLabel(c.type, t.field);
    bool supported = label == "metadata.name" || label == "metadata.namespace";
    for (const auto& l : c.type.field_labels) supported = supported || l == label;
    if (!supported) {
      *error = BadRequestError("field label not supported: " + t.field);
      return false;
    }
    std::string value;
    for (char ch : t.value) {
      if (ch == ',' || ch == '=' || ch == '\\') value += '\\';
      value += ch;
    }
    rebuilt += (rebuilt.empty() ? "" : ",") + label + (t.negate ? "!=" : "=") + value;
  }
  FieldSelector::Parse(rebuilt, fields, &err);
  return true;
}

std::string ContinueToken(uint64_t rv, const Json& last) {
  const Json& meta = Field(last, "metadata");
  return std::to_string(rv) + ":" + StringField(meta, "namespace") + "/" + StringField(meta, "name");
}

}  // namespace

HttpResponse ResourceHandler::Get(Call& c) {
  const Json* stored = state_.store.Get(c.type.storage, c.info.namespace_, c.info.name);
  if (!stored) return ErrorResponse(c, NotFoundError(c.type.plural, c.type.group, c.info.name));
  Json wire = ToWire(c.type, *stored);
  if (c.info.subresource.empty() && WantsTable(c.http.Header("Accept"))) {
    std::string include = QueryValue(c.info.query, "includeObject");
    Json rows = Json::array({TableRow(c.type, *stored, wire, include)});
    return ObjectResponse(c, 200, MakeTable(c.type, rows, true, StringField(wire["metadata"], "resourceVersion"), ""));
  }
  return ObjectResponse(c, 200, wire);
}

HttpResponse ResourceHandler::List(Call& c) {
  LabelSelector labels;
  FieldSelector fields;
  ApiError error;
  if (!ParseSelectors(c, &labels, &fields, &error)) return ErrorResponse(c, error);
  std::string cont = QueryValue(c.info.query, "continue");
  std::string after;
  if (!cont.empty()) {
    size_t colon = cont.find(':');
    if (colon == std::string::npos) return ErrorResponse(c, BadRequestError("invalid continue token"));
    uint64_t rv = std::strtoull(cont.substr(0, colon).c_str(), nullptr, 10);
    if (rv < state_.store.oldest_rv()) {
      return ErrorResponse(c, ExpiredError("The provided continue parameter is too old to display a "
                                           "consistent list result. You can start a new list "
                                           "without the continue parameter."));
    }
    after = cont.substr(colon + 1);
  }
  uint64_t limit = 0;
  if (!QueryUint(c.info.query, "limit", &limit)) {
    return ErrorResponse(c, BadRequestError("limit: must be a non-negative integer"));
  }

  auto lookup = [&](const Json& obj, const std::string& label) { return FieldValue(c.type, obj, label); };
  std::vector<const Json*> matches;
  for (const Json* obj : state_.store.List(c.type.storage, c.info.namespace_)) {
    const Json& meta = Field(*obj, "metadata");
    std::string key = StringField(meta, "namespace") + "/" + StringField(meta, "name");
    if (!after.empty() && key <= after) continue;
    if (!labels.Matches(Field(meta, "labels"))) continue;
    if (!fields.empty() && !fields.Matches(*obj, lookup)) continue;
    matches.push_back(obj);
  }
  std::string rv = std::to_string(state_.store.current_rv());
  std::string next;
  size_t remaining = 0;
  if (limit > 0 && matches.size() > limit) {
    remaining = matches.size() - limit;
    matches.resize(limit);
    next = ContinueToken(state_.store.current_rv(), *matches.back());
  }
  if (WantsTable(c.http.Header("Accept"))) {
    std::string include = QueryValue(c.info.query, "includeObject");
    Json rows = Json::array();
    for (const Json* obj : matches) rows.push_back(TableRow(c.type, *obj, ToWire(c.type, *obj), include));
    return ObjectResponse(c, 200, MakeTable(c.type, rows, true, rv, next));
  }
  Json items = Json::array();
  for (const Json* obj : matches) items.push_back(ToWire(c.type, *obj));
  Json meta = {{"resourceVersion", rv}};
  if (!next.empty()) {
    meta["continue"] = next;
    meta["remainingItemCount"] = remaining;
  }
  return ObjectResponse(c, 200, {{"kind", c.type.list_kind}, {"apiVersion", c.type.ApiVersion()},
                                 {"metadata", meta}, {"items", items}});
}

std::optional<HttpResponse> ResourceHandler::Watch(Call& c, StreamOpener* opener) {
  WatchFilter filter;
  ApiError error;
  if (!ParseSelectors(c, &filter.labels, &filter.fields, &error)) return ErrorResponse(c, error);
  if (!c.info.name.empty()) {  // a watch on an item URL watches that name
    FieldSelector::Parse("metadata.name=" + c.info.name, &filter.fields, nullptr);
  }
  if (!opener) return ErrorResponse(c, BadRequestError("watch is not supported on this transport"));
  filter.storage = c.type.storage;
  filter.namespace_ = c.info.namespace_;
  const ResourceType type = c.type;
  filter.field_value = [type](const Json& obj, const std::string& label) {
    return FieldValue(type, obj, label);
  };
  std::string rv_text = QueryValue(c.info.query, "resourceVersion");
  uint64_t from = 0;
  uint64_t timeout = 0;
  if (!QueryUint(c.info.query, "resourceVersion", &from)) {
    return ErrorResponse(c, BadRequestError("resourceVersion: Invalid value: \"" + rv_text +
                                            "\": must be a non-negative integer"));
  }
  if (!QueryUint(c.info.query, "timeoutSeconds", &timeout)) {
    return ErrorResponse(c, BadRequestError("timeoutSeconds: must be a non-negative integer"));
  }
  bool table = WantsTable(c.http.Header("Accept"));
  std::string include = QueryValue(c.info.query, "includeObject");
  auto encode = [type, table, include](const Json& stored, bool first) {
    Json wire = ToWire(type, stored);
    if (!table) return wire;
    Json rows = Json::array({TableRow(type, stored, wire, include)});
    return MakeTable(type, rows, first, StringField(wire["metadata"], "resourceVersion"), "");
  };
  auto bookmark = [type](uint64_t rv) {
    return Json{{"kind", type.kind}, {"apiVersion", type.ApiVersion()},
                {"metadata", {{"resourceVersion", std::to_string(rv)}}}};
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::hours(24 * 365);
  if (timeout > 0) deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout);

  Headers headers;
  headers["Content-Type"] = "application/json";
  headers["Cache-Control"] = "no-cache, private";
  std::shared_ptr<WatchSink> sink = opener->Open(200, headers);
  if (!sink) return std::nullopt;
  auto watch = std::make_shared<fakeapi::Watch>(filter, sink, encode, bookmark,
                                                QueryBool(c.info.query, "allowWatchBookmarks"), deadline);
  bool initial = QueryBool(c.info.query, "sendInitialEvents");
  if (!state_.store.StartWatch(watch, from, initial)) {
    ApiError gone = ExpiredError("too old resource version: " + rv_text + " (" +
                                 std::to_string(state_.store.oldest_rv()) + ")");
    watch->SendError(gone.ToStatus());
    watch->Close();
  }
  return std::nullopt;
}

}  // namespace pgferry::fakeapi
