#include "tests/fake-apiserver/kubeconfig.h"

namespace pgferry::fakeapi {

std::string Base64(const std::string& in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned val = 0;
  int bits = -6;
  for (unsigned char c : in) {
    val = (val << 8) + c;
    bits += 8;
    while (bits >= 0) {
      out += t[(val >> bits) & 0x3F];
      bits -= 6;
    }
  }
  if (bits > -6) out += t[((val << 8) >> (bits + 8)) & 0x3F];
  while (out.size() % 4) out += '=';
  return out;
}

std::string RenderKubeconfig(const std::string& server_url, const std::string& ca_pem,
                             const std::string& token, const std::string& namespace_) {
  std::string s =
      "apiVersion: v1\n"
      "kind: Config\n"
      "clusters:\n"
      "- name: fake-apiserver\n"
      "  cluster:\n"
      "    server: " + server_url + "\n";
  if (!ca_pem.empty()) s += "    certificate-authority-data: " + Base64(ca_pem) + "\n";
  s += "users:\n- name: fake-apiserver\n  user:";
  s += token.empty() ? " {}\n" : "\n    token: " + token + "\n";
  s += "contexts:\n"
       "- name: fake-apiserver\n"
       "  context:\n"
       "    cluster: fake-apiserver\n"
       "    user: fake-apiserver\n"
       "    namespace: " + namespace_ + "\n"
       "current-context: fake-apiserver\n";
  return s;
}

}  // namespace pgferry::fakeapi
