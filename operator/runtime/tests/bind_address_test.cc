// Bind addresses as --metrics-bind-address and --health-probe-bind-address take them.
#include "operator/runtime/bind_address.h"

#include <gtest/gtest.h>

namespace pgferry::runtime {
namespace {

TEST(BindAddressTest, AcceptsTheForms) {
  struct Case {
    const char* text;
    const char* host;
    int port;
  };
  for (const Case& c :
       {Case{":8080", "0.0.0.0", 8080}, Case{"127.0.0.1:0", "127.0.0.1", 0},
        Case{"[::1]:8081", "::1", 8081}, Case{"localhost:65535", "localhost", 65535}}) {
    Result<BindAddress> parsed = ParseBindAddress(c.text, "--metrics-bind-address");
    ASSERT_TRUE(parsed.ok()) << c.text << ": " << parsed.status().ToString();
    EXPECT_FALSE(parsed->disabled);
    EXPECT_EQ(parsed->host, c.host) << c.text;
    EXPECT_EQ(parsed->port, c.port) << c.text;
  }
  EXPECT_TRUE(ParseBindAddress("0", "--metrics-bind-address")->disabled);
}

TEST(BindAddressTest, RefusesMalformedAddressesNamingTheFlag) {
  for (const char* text : {"8080", "host:", "host:http", "host:70000", "::1:8080", "[::1:80", ""}) {
    Result<BindAddress> parsed = ParseBindAddress(text, "--health-probe-bind-address");
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(parsed.status().message().find("--health-probe-bind-address"), std::string::npos);
  }
}

TEST(BindAddressTest, ListenUriBracketsIpv6) {
  EXPECT_EQ(ParseBindAddress("[::1]:0", "f")->ListenUri(9000), "http://[::1]:9000");
  EXPECT_EQ(ParseBindAddress(":0", "f")->ListenUri(9000), "http://0.0.0.0:9000");
}

}  // namespace
}  // namespace pgferry::runtime
