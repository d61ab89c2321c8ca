#include "operator/kube/watch_stream.h"

#include <gtest/gtest.h>

#include "operator/kube/api_error.h"

namespace pgferry::kube {
namespace {

const char* kAdded =
    R"({"type":"ADDED","object":{"kind":"Secret","metadata":{"name":"a","resourceVersion":"11"}}})";
const char* kBookmark =
    R"({"type":"BOOKMARK","object":{"kind":"Secret","apiVersion":"v1","metadata":{"resourceVersion":"20"}}})";

TEST(WatchStreamDecoder, DecodesEventsSplitAcrossChunks) {
  std::string stream = std::string(kAdded) + "\n" + kBookmark + "\n";
  // Every split point: the first chunk ends anywhere, even inside a string or an escape.
  for (size_t cut = 0; cut <= stream.size(); ++cut) {
    WatchStreamDecoder decoder;
    std::vector<WatchEvent> events;
    ASSERT_TRUE(decoder.Feed(std::string_view(stream).substr(0, cut), &events).ok());
    ASSERT_TRUE(decoder.Feed(std::string_view(stream).substr(cut), &events).ok());
    ASSERT_EQ(events.size(), 2u) << "cut at " << cut;
    EXPECT_EQ(events[0].type, WatchEventType::kAdded);
    EXPECT_EQ(events[0].object["metadata"]["name"], "a");
    EXPECT_EQ(events[0].ResourceVersion(), "11");
    EXPECT_EQ(events[1].type, WatchEventType::kBookmark);
    EXPECT_EQ(events[1].ResourceVersion(), "20");
    EXPECT_EQ(decoder.buffered(), 0u);
  }
}

TEST(WatchStreamDecoder, HoldsBackAnUnfinishedLineUntilItsNewline) {
  WatchStreamDecoder decoder;
  std::vector<WatchEvent> events;
  ASSERT_TRUE(decoder.Feed(std::string(kAdded).substr(0, 30), &events).ok());
  EXPECT_TRUE(events.empty());
  EXPECT_EQ(decoder.buffered(), 30u);
  ASSERT_TRUE(decoder.Feed(std::string(kAdded).substr(30) + "\n", &events).ok());
  EXPECT_EQ(events.size(), 1u);
}

TEST(WatchStreamDecoder, ByteAtATime) {
  std::string stream = std::string(kAdded) + "\r\n\n" + kBookmark + "\n";
  WatchStreamDecoder decoder;
  std::vector<WatchEvent> events;
  for (char c : stream) ASSERT_TRUE(decoder.Feed(std::string_view(&c, 1), &events).ok());
  EXPECT_EQ(events.size(), 2u);
}

TEST(WatchStreamDecoder, FinishDecodesALastLineWithoutNewline) {
  WatchStreamDecoder decoder;
  std::vector<WatchEvent> events;
  ASSERT_TRUE(decoder.Feed(kAdded, &events).ok());
  EXPECT_TRUE(events.empty());
  ASSERT_TRUE(decoder.Finish(&events).ok());
  EXPECT_EQ(events.size(), 1u);
}

TEST(WatchStreamDecoder, ErrorEventCarriesTheDecodedStatus) {
  WatchStreamDecoder decoder;
  std::vector<WatchEvent> events;
  ASSERT_TRUE(
      decoder
          .Feed(R"({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},)"
                R"J("status":"Failure","message":"too old resource version: 5 (90)",)J"
                R"("reason":"Expired","code":410}})"
                "\n",
                &events)
          .ok());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, WatchEventType::kError);
  EXPECT_TRUE(IsGone(events[0].error));
  EXPECT_EQ(events[0].error.message(), "too old resource version: 5 (90)");
}

TEST(WatchStreamDecoder, GarbageIsAnError) {
  WatchStreamDecoder decoder;
  std::vector<WatchEvent> events;
  EXPECT_EQ(decoder.Feed("<html>oops</html>\n", &events).code(), StatusCode::kInternal);
  WatchStreamDecoder other;
  EXPECT_FALSE(other
                   .Feed(R"({"type":"RENAMED","object":{}})"
                         "\n",
                         &events)
                   .ok());
  EXPECT_FALSE(other
                   .Feed(R"({"object":{}})"
                         "\n",
                         &events)
                   .ok());
}

TEST(WatchEventTypeName, MatchesTheWire) {
  EXPECT_STREQ(WatchEventTypeName(WatchEventType::kAdded), "ADDED");
  EXPECT_STREQ(WatchEventTypeName(WatchEventType::kModified), "MODIFIED");
  EXPECT_STREQ(WatchEventTypeName(WatchEventType::kDeleted), "DELETED");
  EXPECT_STREQ(WatchEventTypeName(WatchEventType::kBookmark), "BOOKMARK");
  EXPECT_STREQ(WatchEventTypeName(WatchEventType::kError), "ERROR");
}

}  // namespace
}  // namespace pgferry::kube
