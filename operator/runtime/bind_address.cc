#include "operator/runtime/bind_address.h"

#include <charconv>

namespace pgferry::runtime {

std::string BindAddress::ListenUri(int actual_port) const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return "http://" + h + ":" + std::to_string(actual_port);
}

Result<BindAddress> ParseBindAddress(std::string_view text, std::string_view flag) {
  auto invalid = [&](const std::string& why) {
    return InvalidArgument(std::string(flag) + ": " + why + " (got \"" + std::string(text) +
                           "\"; want HOST:PORT, :PORT, or 0 to disable)");
  };
  BindAddress address;
  if (text == "0") {
    address.disabled = true;
    return address;
  }
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return invalid("missing port");
  std::string_view host = text.substr(0, colon);
  std::string_view port = text.substr(colon + 1);
  if (host.starts_with('[')) {
    if (!host.ends_with(']') || host.size() < 3) return invalid("unbalanced brackets");
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return invalid("an IPv6 host must be in brackets");
  }
  int value = -1;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value < 0 ||
      value > 65535)
    return invalid("port must be 0..65535");
  address.host = host.empty() ? "0.0.0.0" : std::string(host);
  address.port = value;
  return address;
}

}  // namespace pgferry::runtime
