// BindAddress: the HOST:PORT strings of --metrics-bind-address and --health-probe-bind-address.
//
// Accepted as controller-runtime accepts them: ":8080" (every interface), "127.0.0.1:8081",
// "[::1]:8081", "localhost:0" (port 0 = any free port; the server reports the one it got), and
// "0" alone, which turns the server off. Pure functions on plain values.
#pragma once

#include <string>
#include <string_view>

#include "operator/common/status.h"

namespace pgferry::runtime {

struct BindAddress {
  bool disabled = false;  // "0"
  std::string host;       // "0.0.0.0" for ":PORT"; an IPv6 address without brackets
  int port = 0;           // 0 = any free port

  // "http://HOST:PORT" with brackets around an IPv6 host, for cpprestsdk.
  std::string ListenUri(int actual_port) const;
};

// InvalidArgument naming `flag` ("--metrics-bind-address") when `text` is malformed.
Result<BindAddress> ParseBindAddress(std::string_view text, std::string_view flag);

}  // namespace pgferry::runtime
