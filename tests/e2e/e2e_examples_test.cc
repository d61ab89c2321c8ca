// The manifests in examples/ work as shipped: each is accepted by `kubectl apply` against
// fake-apiserver with the CRD installed (the server's schema and CEL validation), and each runs
// with `pgferry migrate` against two real PostgreSQL 15 servers prepared the way the example's
// comments say (its users, passwords, grants and databases). The test rewrites only what cannot
// be the same here: each `host:` placeholder becomes 127.0.0.1 with the server's port, and the
// CA bundle placeholder becomes the test servers' certificate. Servers get TLS (a self-signed
// certificate for 127.0.0.1) so that sslMode require and verify-full are exercised as written.
#include <gmock/gmock.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "tests/e2e/operator_fixture.h"

namespace pgferry::e2e {
namespace {

using ::testing::HasSubstr;
using testing::PgCluster;
using testing::QuoteIdent;
using Json = nlohmann::json;

// Points spec.source at `src` and spec.destination at `dst`: their `host:` lines become
// 127.0.0.1 and the port follows; any `port:` of the example is dropped.
std::string Localize(const std::string& yaml, const PgCluster& src, const PgCluster& dst) {
  std::istringstream in(yaml);
  std::string out, line, block;
  while (std::getline(in, line)) {
    if (line.rfind("  ", 0) == 0 && line.size() > 2 && line[2] != ' ') block = line;
    const PgCluster* c = block == "  source:" ? &src : block == "  destination:" ? &dst : nullptr;
    if (c && line.rfind("    port:", 0) == 0) continue;
    if (c && line.rfind("    host:", 0) == 0) {
      out += "    host: 127.0.0.1\n    port: " + std::to_string(c->port()) + "\n";
      continue;
    }
    out += line + "\n";
  }
  return out;
}

class ExamplesTest : public KubeTest {
 protected:
  static std::vector<std::string> ExampleFiles() {
    std::vector<std::string> files;
    for (const auto& e : std::filesystem::directory_iterator(SourceDir() + "/examples"))
      if (e.path().extension() == ".yaml") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    return files;
  }

  static std::string Example(const std::string& name) {
    return ReadFile(SourceDir() + "/examples/" + name);
  }

  void TearDown() override {
    src_.reset();
    dst_.reset();
    KubeTest::TearDown();
  }

  // Both servers with TLS on a self-signed certificate for 127.0.0.1 (cert_ holds it, PEM).
  void StartServers() {
    const std::string key = Scratch("server.key"), crt = Scratch("server.crt");
    CommandResult r =
        RunCommand({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    key, "-out", crt, "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                    "subjectAltName=IP:127.0.0.1,DNS:localhost"},
                   dir_);
    ASSERT_EQ(r.exit_code, 0) << r.all();
    cert_ = ReadFile(crt);
    src_ = PgCluster::Start();
    dst_ = PgCluster::Start();
    for (PgCluster* c : {src_.get(), dst_.get()}) {
      const std::string d = c->dir();
      r = RunCommand({"/usr/bin/install", "-m", "0600", "-o", Owner(), key, d + "/server.key"},
                     dir_);
      ASSERT_EQ(r.exit_code, 0) << r.all();
      r = RunCommand({"/usr/bin/install", "-m", "0644", "-o", Owner(), crt, d + "/server.crt"},
                     dir_);
      ASSERT_EQ(r.exit_code, 0) << r.all();
      c->Restart(
          {"ssl=on", "ssl_cert_file=" + d + "/server.crt", "ssl_key_file=" + d + "/server.key"});
    }
  }

  // The user the servers run as (tests/harness/pgcluster runs them as postgres under root).
  static std::string Owner() { return geteuid() == 0 ? "postgres" : std::to_string(geteuid()); }

  // `pgferry migrate -f` with the manifest; the status object of -o json.
  Json Migrate(const std::string& manifest, int want_exit = 0) {
    const std::string file = Scratch("migration.yaml");
    WriteFile(file, manifest);
    CommandResult r = RunCommand({OperatorBinary(), "migrate", "-f", file, "-o", "json"}, dir_,
                                 std::chrono::minutes(4));
    EXPECT_EQ(r.exit_code, want_exit) << r.all();
    EXPECT_THAT(r.all(), ::testing::Not(HasSubstr("change-me"))) << "a password in the output";
    Json status = Json::parse(r.out, nullptr, false);
    EXPECT_TRUE(status.is_object()) << r.all();
    return status.is_object() ? status : Json::object();
  }

  static Json Db(const Json& status, const std::string& name) {
    for (const auto& d : status.value("databases", Json::array()))
      if (d.value("dbname", "") == name) return d;
    return Json::object();
  }

  void ExpectSameTable(const std::string& db, const std::string& table) {
    const std::string q =
        "SELECT count(*) || '/' || coalesce(md5(string_agg(t::text, ',' ORDER BY "
        "t::text)), '') FROM " +
        table + " t";
    EXPECT_EQ(dst_->Scalar(db, q), src_->Scalar(db, q)) << db << " " << table;
  }

  // Replication objects pgferry left: publications and slots on the source, subscriptions on
  // the destination.
  int Leftovers() {
    return std::stoi(src_->Scalar("postgres",
                                  "SELECT count(*) FROM pg_replication_slots WHERE slot_name "
                                  "LIKE 'pgferry\\_%'")) +
           std::stoi(dst_->Scalar("postgres",
                                  "SELECT count(*) FROM pg_subscription WHERE subname LIKE "
                                  "'pgferry\\_%'"));
  }

  std::string cert_;
  std::unique_ptr<PgCluster> src_, dst_;
};

TEST_F(ExamplesTest, KubectlApplyAcceptsEveryExample) {
  InstallCrd();
  std::vector<std::string> files = ExampleFiles();
  ASSERT_GE(files.size(), 4u);
  for (const auto& f : files) {
    CommandResult r = Kubectl({"apply", "-f", f});
    EXPECT_EQ(r.exit_code, 0) << f << ":\n" << r.all();
    EXPECT_THAT(r.out, ::testing::ContainsRegex("pgmigration.pgferry.io/[a-z0-9-]+ created")) << f;
  }
  CommandResult r = Kubectl({"get", "pgm", "-o", "name"});
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), static_cast<long>(files.size()))
      << r.all();
}

TEST_F(ExamplesTest, DumpOnlyCopiesBothDatabasesAsTheReaderUser) {
  ASSERT_NO_FATAL_FAILURE(StartServers());
  src_->Exec("postgres",
             "CREATE ROLE reader LOGIN PASSWORD 'change-me'; GRANT pg_read_all_data TO reader;");
  dst_->Exec("postgres", "ALTER ROLE postgres PASSWORD 'change-me-too'");
  for (const char* db : {"reports", "archive", "other"}) {
    src_->Exec("postgres", std::string("CREATE DATABASE ") + db);
    src_->Exec(db,
               "CREATE TABLE public.report (id int PRIMARY KEY, body text);"
               "INSERT INTO public.report SELECT g, 'r' || g FROM generate_series(1, 300) g;");
  }
  Json status = Migrate(Localize(Example("dump-only.yaml"), *src_, *dst_));
  EXPECT_EQ(status.value("phase", ""), "Done") << status.dump(2);
  for (const char* db : {"reports", "archive"}) {
    EXPECT_EQ(Db(status, db).value("method", ""), "pg_dump") << db;
    EXPECT_EQ(Db(status, db).value("status", ""), "done") << db;
    ExpectSameTable(db, "public.report");
  }
  EXPECT_EQ(dst_->Scalar("postgres", "SELECT count(*) FROM pg_database WHERE datname = 'other'"),
            "0");
  EXPECT_EQ(Leftovers(), 0);
}

TEST_F(ExamplesTest, ReplicationWithCutoverSyncsThenCutsOver) {
  ASSERT_NO_FATAL_FAILURE(StartServers());
  // REPLICATION (migrator has it) and CREATE on each database it replicates, as the example's
  // comment says; every database but scratch is migrated, postgres included.
  src_->Exec("postgres",
             "ALTER ROLE migrator PASSWORD 'change-me'; GRANT CREATE ON DATABASE postgres TO "
             "migrator");
  dst_->Exec("postgres", "ALTER ROLE postgres PASSWORD 'change-me-too'");
  for (const char* db : {"orders", "scratch"}) {
    src_->Exec("postgres", std::string("CREATE DATABASE ") + db + " OWNER migrator");
    src_->Exec(db,
               "SET ROLE migrator;"
               "CREATE TABLE public.orders (id bigserial PRIMARY KEY, total numeric);"
               "INSERT INTO public.orders (total) SELECT g FROM generate_series(1, 500) g;");
  }
  std::string manifest = Localize(Example("replication-with-cutover.yaml"), *src_, *dst_);
  Json status = Migrate(manifest);
  EXPECT_EQ(status.value("phase", ""), "Syncing") << status.dump(2);
  EXPECT_EQ(Db(status, "orders").value("method", ""), "replication") << status.dump(2);
  EXPECT_EQ(Db(status, "orders").value("status", ""), "syncing");
  EXPECT_EQ(Db(status, "postgres").value("status", ""), "syncing");
  EXPECT_TRUE(Db(status, "scratch").empty()) << "databases.exclude [scratch]";
  ExpectSameTable("orders", "public.orders");
  EXPECT_EQ(Leftovers(), 4);  // a slot and a subscription for orders and for postgres

  // The cutover the example's comment describes, here through pgferry migrate.
  const std::string from = "cutover: false", to = "cutover: true ";
  ASSERT_NE(manifest.find(from), std::string::npos);
  manifest.replace(manifest.find(from), from.size(), to);
  src_->Exec("orders", "INSERT INTO public.orders (total) VALUES (501)");
  status = Migrate(manifest);
  EXPECT_EQ(status.value("phase", ""), "Done") << status.dump(2);
  // verify: checksums compared the table (501 rows) before the cutover dropped the replication.
  EXPECT_EQ(Db(status, "orders").value("verification", Json::object()).value("result", ""), "passed") << status.dump(2);
  EXPECT_EQ(Db(status, "orders").value("verification", Json::object()).value("rows", 0), 501);
  ExpectSameTable("orders", "public.orders");
  EXPECT_EQ(dst_->Scalar("orders", "SELECT nextval('public.orders_id_seq') > 501"), "t");
  EXPECT_EQ(Leftovers(), 0);
}

TEST_F(ExamplesTest, TablesFilterCopiesOnlyTheListedTablesAndSkipsTheExcludedRole) {
  ASSERT_NO_FATAL_FAILURE(StartServers());
  src_->Exec("postgres",
             "ALTER ROLE migrator PASSWORD 'change-me';"
             "CREATE ROLE shop_readonly_legacy; CREATE ROLE shop_app;");
  src_->Exec("postgres", "CREATE DATABASE shop OWNER migrator");
  dst_->Exec("postgres", "ALTER ROLE postgres PASSWORD 'change-me-too'");
  src_->Exec("shop", R"sql(
    SET ROLE migrator;
    CREATE SCHEMA sales;
    CREATE TABLE public.orders (id int PRIMARY KEY, total numeric);
    CREATE TABLE public.order_items (order_id int REFERENCES public.orders, sku text);
    CREATE TABLE sales."Invoices" (id int PRIMARY KEY, amount numeric);
    CREATE TABLE public.audit_log (id int PRIMARY KEY, what text);
    INSERT INTO public.orders SELECT g, g FROM generate_series(1, 100) g;
    INSERT INTO public.order_items SELECT g, 'sku' || g FROM generate_series(1, 100) g;
    INSERT INTO sales."Invoices" SELECT g, g * 2 FROM generate_series(1, 50) g;
    INSERT INTO public.audit_log SELECT g, 'x' FROM generate_series(1, 70) g;)sql");
  Json status = Migrate(Localize(Example("tables-filter.yaml"), *src_, *dst_));
  EXPECT_THAT(status.value("phase", ""), ::testing::AnyOf("Syncing", "Done")) << status.dump(2);
  EXPECT_THAT(Db(status, "shop").value("status", ""), ::testing::AnyOf("syncing", "done"))
      << status.dump(2);
  for (const char* t : {"public.orders", "public.order_items", "sales.\"Invoices\""})
    ExpectSameTable("shop", t);
  // The schema of every table, the data of the listed ones only.
  EXPECT_EQ(dst_->Scalar("shop", "SELECT count(*) FROM public.audit_log"), "0");
  EXPECT_EQ(dst_->Scalar("postgres",
                         "SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles WHERE "
                         "rolname LIKE 'shop\\_%'"),
            "shop_app");
  CommandResult r = RunCommand({OperatorBinary(), "cleanup", "-f", Scratch("migration.yaml")}, dir_,
                               std::chrono::minutes(2));
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(Leftovers(), 0);
}

TEST_F(ExamplesTest, NonSuperuserSourceVerifiesTheCertificateAndReplicates) {
  ASSERT_NO_FATAL_FAILURE(StartServers());
  // The grants of the example's comment, on a server without RDS's roles: REPLICATION stands in
  // for rds_replication.
  src_->Exec("postgres",
             "CREATE ROLE pgferry LOGIN REPLICATION PASSWORD 'change-me';"
             "CREATE ROLE app_owner; GRANT app_owner TO pgferry;");
  src_->Exec("postgres", "CREATE DATABASE app OWNER app_owner");
  src_->Exec("postgres", "GRANT CONNECT ON DATABASE app TO pgferry");
  dst_->Exec("postgres", "ALTER ROLE postgres PASSWORD 'change-me-too'");
  src_->Exec("app", R"sql(
    SET ROLE app_owner;
    CREATE TABLE public.accounts (id bigserial PRIMARY KEY, name text);
    INSERT INTO public.accounts (name) SELECT 'a' || g FROM generate_series(1, 200) g;
    RESET ROLE;
    GRANT USAGE ON SCHEMA public TO pgferry;
    GRANT SELECT ON ALL TABLES IN SCHEMA public TO pgferry;)sql");
  std::string manifest = Localize(Example("non-superuser-source.yaml"), *src_, *dst_);
  // The CA bundle the example asks to paste.
  const std::string placeholder =
      "    -----BEGIN CERTIFICATE-----\n    PASTE-THE-RDS-CA-BUNDLE-HERE\n"
      "    -----END CERTIFICATE-----\n";
  ASSERT_NE(manifest.find(placeholder), std::string::npos);
  std::string indented;
  std::istringstream pem(cert_);
  for (std::string l; std::getline(pem, l);) indented += "    " + l + "\n";
  manifest.replace(manifest.find(placeholder), placeholder.size(), indented);

  // pgferry writes the pasted CA to a file under TMPDIR (libpq wants a path); every command
  // below must remove it, and the schema archive, before it exits.
  const std::string tmpdir = Scratch("tmp");
  std::filesystem::create_directory(tmpdir);
  struct TmpdirForCommands {
    explicit TmpdirForCommands(const std::string& d) {
      if (const char* v = std::getenv("TMPDIR")) saved = v;
      setenv("TMPDIR", d.c_str(), 1);
    }
    ~TmpdirForCommands() { saved ? setenv("TMPDIR", saved->c_str(), 1) : unsetenv("TMPDIR"); }
    std::optional<std::string> saved;
  } tmpdir_for_commands(tmpdir);
  auto left_in_tmpdir = [&] {
    std::string names;
    for (const auto& e : std::filesystem::directory_iterator(tmpdir)) names += e.path().filename().string() + " ";
    return names;
  };

  // verify-full with the pasted CA: pgferry's own connections verify the certificate, and
  // another CA is refused.
  WriteFile(Scratch("right-ca.yaml"), manifest);
  CommandResult r = RunCommand({OperatorBinary(), "check", "-f", Scratch("right-ca.yaml")}, dir_);
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_THAT(r.out, ::testing::ContainsRegex("app +replication")) << r.out;
  EXPECT_EQ(left_in_tmpdir(), "") << "pgferry check left files in TMPDIR";
  std::string wrong = manifest;
  r = RunCommand(
      {"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
       Scratch("other.key"), "-out", Scratch("other.crt"), "-days", "2", "-subj", "/CN=other"},
      dir_);
  ASSERT_EQ(r.exit_code, 0) << r.all();
  std::string other;
  std::istringstream other_pem(ReadFile(Scratch("other.crt")));
  for (std::string l; std::getline(other_pem, l);) other += "    " + l + "\n";
  wrong.replace(wrong.find(indented), indented.size(), other);
  WriteFile(Scratch("wrong-ca.yaml"), wrong);
  r = RunCommand({OperatorBinary(), "check", "-f", Scratch("wrong-ca.yaml")}, dir_);
  EXPECT_EQ(r.exit_code, 3) << r.all();
  EXPECT_THAT(r.all(), HasSubstr("certificate")) << r.all();
  EXPECT_EQ(left_in_tmpdir(), "") << "a refused pgferry check left files in TMPDIR";

  // The migration: the destination's subscription connects to the source too.
  Json status = Migrate(manifest);
  EXPECT_THAT(status.value("phase", ""), ::testing::AnyOf("Syncing", "Done")) << status.dump(2);
  EXPECT_EQ(Db(status, "app").value("method", ""), "replication") << status.dump(2);
  // The CA file is pgferry's; the destination server's subscription cannot read it, so it
  // connects with sslmode=require and the status says so.
  EXPECT_THAT(Db(status, "app").dump(), HasSubstr("sslmode=require, not verify-full"))
      << status.dump(2);
  ExpectSameTable("app", "public.accounts");
  EXPECT_EQ(left_in_tmpdir(), "") << "pgferry migrate left files in TMPDIR";

  r = RunCommand({OperatorBinary(), "cleanup", "-f", Scratch("migration.yaml")}, dir_,
                 std::chrono::minutes(2));
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_EQ(Leftovers(), 0);
  EXPECT_EQ(left_in_tmpdir(), "") << "pgferry cleanup left files in TMPDIR";
}

}  // namespace
}  // namespace pgferry::e2e
