// ConnParams: everything needed to open a PostgreSQL session, built from a PgMigration's
// ServerSpec plus the credentials from its Secret.
//
// The password is held here and only here. Every printable form (Describe(), the masked
// conninfo) shows it as "********"; only ConninfoWithPassword() carries it, for the two places
// that must hand it to PostgreSQL: the subscription's CONNECTION string on the destination and the
// environment of pg_dump/pg_restore. Plain value type.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace pgferry::pg {

struct ConnParams {
  std::string host;
  int port = 5432;
  std::string dbname = "postgres";
  std::string user;
  std::string password;
  std::string sslmode = "prefer";
  std::string sslrootcert;  // path to a CA file, "" for none
  int connect_timeout_seconds = 10;
  std::string application_name = "pgferry";
  std::string replication;  // "database" for a logical replication connection, else ""

  // The same server and credentials, another database.
  ConnParams WithDatabase(const std::string& db) const;

  // libpq keyword/value pairs (password included) for PQconnectStartParams.
  std::vector<std::pair<std::string, std::string>> Keywords() const;

  // "host=... port=... dbname=... user=... password=******** sslmode=..." for logs and errors.
  std::string Describe() const;

  // A libpq conninfo string with values quoted as libpq requires. The password is included only
  // by ConninfoWithPassword(); ConninfoMasked() shows it as ********.
  std::string ConninfoWithPassword() const;
  std::string ConninfoMasked() const;

  // "host:port", used to refuse migrating a server onto itself.
  std::string Endpoint() const;
};

// Quotes a value for a libpq conninfo string: 'value' with \ and ' backslash-escaped.
std::string QuoteConninfoValue(const std::string& value);

// Replaces every occurrence of `secret` in `text` by ********; used on any text that may echo
// a conninfo (server messages, pg_dump output) before it is shown.
std::string MaskSecret(std::string text, const std::string& secret);

}  // namespace pgferry::pg
