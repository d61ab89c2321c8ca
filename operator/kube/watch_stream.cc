#include "operator/kube/watch_stream.h"

#include "operator/kube/api_error.h"

namespace pgferry::kube {
namespace {

bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

Status DecodeLines(std::string_view text, std::vector<WatchEvent>* events) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!IsBlank(line)) {
      Result<WatchEvent> event = ParseWatchEvent(line);
      if (!event.ok()) return event.status();
      events->push_back(std::move(event).value());
    }
    start = end + 1;
  }
  return Status::Ok();
}

}  // namespace

const char* WatchEventTypeName(WatchEventType type) {
  switch (type) {
    case WatchEventType::kAdded:
      return "ADDED";
    case WatchEventType::kModified:
      return "MODIFIED";
    case WatchEventType::kDeleted:
      return "DELETED";
    case WatchEventType::kBookmark:
      return "BOOKMARK";
    case WatchEventType::kError:
      return "ERROR";
  }
  return "UNKNOWN";
}

std::string WatchEvent::ResourceVersion() const {
  if (!object.is_object()) return "";
  auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return "";
  auto rv = metadata->find("resourceVersion");
  return rv != metadata->end() && rv->is_string() ? rv->get<std::string>() : "";
}

Result<WatchEvent> ParseWatchEvent(std::string_view line) {
  Json parsed = Json::parse(line, nullptr, /*allow_exceptions=*/false);
  auto describe = [&] {
    std::string text(line.substr(0, 200));
    return "malformed watch event: " + text + (line.size() > 200 ? "..." : "");
  };
  if (!parsed.is_object()) return Internal(describe());
  auto type = parsed.find("type");
  auto object = parsed.find("object");
  if (type == parsed.end() || !type->is_string() || object == parsed.end())
    return Internal(describe());

  WatchEvent event;
  const std::string& name = type->get_ref<const std::string&>();
  if (name == "ADDED") {
    event.type = WatchEventType::kAdded;
  } else if (name == "MODIFIED") {
    event.type = WatchEventType::kModified;
  } else if (name == "DELETED") {
    event.type = WatchEventType::kDeleted;
  } else if (name == "BOOKMARK") {
    event.type = WatchEventType::kBookmark;
  } else if (name == "ERROR") {
    event.type = WatchEventType::kError;
  } else {
    return Internal("unknown watch event type \"" + name + "\"");
  }
  event.object = std::move(*object);
  if (event.type == WatchEventType::kError) {
    event.error = event.object.is_object() ? ApiErrorFromStatusObject(event.object, 500)
                                           : Internal("watch ERROR event without a Status");
  }
  return event;
}

Status WatchStreamDecoder::Feed(std::string_view bytes, std::vector<WatchEvent>* events) {
  size_t last_newline = bytes.rfind('\n');
  if (last_newline == std::string_view::npos) {
    pending_.append(bytes);
    if (pending_.size() > kMaxLineBytes)
      return Internal("watch event larger than " + std::to_string(kMaxLineBytes) + " bytes");
    return Status::Ok();
  }
  // Decode the held-back line and every line finished by `bytes`; keep the unfinished tail.
  pending_.append(bytes.substr(0, last_newline + 1));
  std::string complete;
  complete.swap(pending_);
  pending_.assign(bytes.substr(last_newline + 1));
  return DecodeLines(complete, events);
}

Status WatchStreamDecoder::Finish(std::vector<WatchEvent>* events) {
  std::string rest;
  rest.swap(pending_);
  return DecodeLines(rest, events);
}

}  // namespace pgferry::kube
