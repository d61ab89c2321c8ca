// WatchStreamDecoder: turns the body of a watch response into events as the bytes arrive.
//
// The API server sends one JSON object per line ({"type":"ADDED","object":{...}}\n) in a chunked
// response that stays open; chunk boundaries fall anywhere, so a line may arrive in pieces and a
// piece may hold several lines. The decoder keeps the unfinished line between Feed calls.
//
// One decoder per stream, used by one thread at a time.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "operator/common/status.h"
#include "operator/kube/kube_client.h"

namespace pgferry::kube {

// Decodes one event line. ERROR events get `error` filled from their metav1.Status object.
Result<WatchEvent> ParseWatchEvent(std::string_view line);

class WatchStreamDecoder {
 public:
  // Lines longer than this are refused (the API server caps objects far below it).
  static constexpr size_t kMaxLineBytes = 64 << 20;

  // Appends `bytes` and decodes every line completed by them into `events`, in order. A line that
  // is not a watch event is an error (kInternal) and the stream should be abandoned.
  Status Feed(std::string_view bytes, std::vector<WatchEvent>* events);

  // At the end of the stream: decodes a final line that had no newline.
  Status Finish(std::vector<WatchEvent>* events);

  // Bytes of an unfinished line held back.
  size_t buffered() const { return pending_.size(); }

 private:
  std::string pending_;
};

}  // namespace pgferry::kube
