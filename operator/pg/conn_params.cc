#include "operator/pg/conn_params.h"

namespace pgferry::pg {

ConnParams ConnParams::WithDatabase(const std::string& db) const {
  ConnParams p = *this;
  p.dbname = db;
  return p;
}

std::vector<std::pair<std::string, std::string>> ConnParams::Keywords() const {
  std::vector<std::pair<std::string, std::string>> kw = {
      {"host", host},
      {"port", std::to_string(port)},
      {"dbname", dbname},
      {"user", user},
      {"sslmode", sslmode},
      {"application_name", application_name},
      {"connect_timeout", std::to_string(connect_timeout_seconds)},
  };
  if (!password.empty()) kw.emplace_back("password", password);
  if (!sslrootcert.empty()) kw.emplace_back("sslrootcert", sslrootcert);
  if (!replication.empty()) kw.emplace_back("replication", replication);
  return kw;
}

std::string QuoteConninfoValue(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

namespace {
std::string Conninfo(const ConnParams& p, bool mask) {
  std::string out;
  for (const auto& [k, v] : p.Keywords()) {
    if (k == "connect_timeout") continue;
    if (!out.empty()) out += ' ';
    out += k + "=" + QuoteConninfoValue(k == "password" && mask ? "********" : v);
  }
  return out;
}
}  // namespace

std::string ConnParams::ConninfoWithPassword() const { return Conninfo(*this, false); }
std::string ConnParams::ConninfoMasked() const { return Conninfo(*this, true); }

std::string ConnParams::Describe() const {
  return "host=" + host + " port=" + std::to_string(port) + " dbname=" + dbname + " user=" + user +
         (password.empty() ? "" : " password=********") + " sslmode=" + sslmode;
}

std::string ConnParams::Endpoint() const { return host + ":" + std::to_string(port); }

std::string MaskSecret(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  size_t pos = 0;
  while ((pos = text.find(secret, pos)) != std::string::npos) {
    text.replace(pos, secret.size(), "********");
    pos += 8;
  }
  return text;
}

}  // namespace pgferry::pg
