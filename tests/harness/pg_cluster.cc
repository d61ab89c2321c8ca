#include "tests/harness/pg_cluster.h"

#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace pgferry::testing {
namespace {

std::string Env(const char* name, const std::string& fallback = "") {
  const char* v = std::getenv(name);
  return v ? v : fallback;
}

struct PgConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};

}  // namespace

std::vector<std::string> EnvironWith(const std::vector<std::string>& overrides) {
  auto key = [](const std::string& e) { return e.substr(0, e.find('=')); };
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string entry = *e;
    bool replaced = false;
    for (const auto& o : overrides) replaced = replaced || key(o) == key(entry);
    if (!replaced) env.push_back(std::move(entry));
  }
  env.insert(env.end(), overrides.begin(), overrides.end());
  return env;
}

CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& stdin_data,
                         const std::vector<std::string>& extra_env) {
  CommandResult result;
  int in[2], out[2], err[2];
  if (pipe(in) || pipe(out) || pipe(err)) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]})
    posix_spawn_file_actions_addclose(&fa, fd);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_store = EnvironWith(extra_env);
  std::vector<char*> envp;
  for (auto& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  close(in[0]);
  close(out[1]);
  close(err[1]);
  if (rc != 0) {
    close(in[1]);
    close(out[0]);
    close(err[0]);
    result.err = std::string("cannot start ") + argv[0] + ": " + std::strerror(rc);
    return result;
  }
  // Feed stdin and drain stdout/stderr without deadlocking.
  size_t written = 0;
  fcntl(in[1], F_SETFL, O_NONBLOCK);
  if (stdin_data.empty()) {
    close(in[1]);
    in[1] = -1;
  }
  bool out_open = true, err_open = true;
  char buf[65536];
  while (out_open || err_open || in[1] >= 0) {
    pollfd fds[3];
    int n = 0;
    int oi = -1, ei = -1, ii = -1;
    if (out_open) { fds[n] = {out[0], POLLIN, 0}; oi = n++; }
    if (err_open) { fds[n] = {err[0], POLLIN, 0}; ei = n++; }
    if (in[1] >= 0) { fds[n] = {in[1], POLLOUT, 0}; ii = n++; }
    if (poll(fds, n, -1) < 0) break;
    if (oi >= 0 && fds[oi].revents) {
      ssize_t r = read(out[0], buf, sizeof buf);
      if (r <= 0) out_open = false; else result.output.append(buf, r);
    }
    if (ei >= 0 && fds[ei].revents) {
      ssize_t r = read(err[0], buf, sizeof buf);
      if (r <= 0) err_open = false; else result.err.append(buf, r);
    }
    if (ii >= 0 && fds[ii].revents) {
      ssize_t w = write(in[1], stdin_data.data() + written, stdin_data.size() - written);
      if (w > 0) written += w;
      if (w < 0 || written == stdin_data.size()) { close(in[1]); in[1] = -1; }
    }
  }
  close(out[0]);
  close(err[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::string PgferryBinary() { return Env("PGFERRY_BIN", "pgferry"); }

TempDir::TempDir() {
  std::string tmpl = Env("TMPDIR", "/tmp") + "/pgferry-test.XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
  path_ = buf.data();
  chmod(path_.c_str(), 0755);
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::Write(const std::string& name, const std::string& content) const {
  std::string p = path_ + "/" + name;
  std::ofstream(p) << content;
  return p;
}

std::unique_ptr<PgCluster> PgCluster::Start(const PgClusterOptions& options) {
  std::string tmpl = Env("TMPDIR", "/tmp") + "/pgc.XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
  chmod(buf.data(), 0755);
  std::string dir = std::string(buf.data()) + "/pg";
  std::vector<std::string> argv = {PGFERRY_PGCLUSTER, "start", dir, "--owner-pid",
                                   std::to_string(getpid())};
  for (const auto& s : options.settings) { argv.push_back("--set"); argv.push_back(s); }
  for (const auto& h : options.hba) { argv.push_back("--hba"); argv.push_back(h); }
  CommandResult r = RunCommand(argv);
  if (r.exit_code != 0)
    throw std::runtime_error("pgcluster start failed: " + r.output + r.err);
  std::unique_ptr<PgCluster> c(new PgCluster());
  c->dir_ = dir;
  std::istringstream lines(r.output);
  std::string line;
  while (std::getline(lines, line))
    if (line.rfind("PGC_PORT=", 0) == 0) c->port_ = std::stoi(line.substr(9));
  if (c->port_ == 0) throw std::runtime_error("pgcluster printed no port: " + r.output);
  return c;
}

PgCluster::~PgCluster() {
  RunCommand({PGFERRY_PGCLUSTER, "stop", dir_});
  std::error_code ec;
  std::filesystem::remove_all(std::filesystem::path(dir_).parent_path(), ec);
}

int PgCluster::StartPooler() {
  CommandResult r = RunCommand({PGFERRY_PGCLUSTER, "pooler", dir_});
  if (r.exit_code != 0) throw std::runtime_error("pgcluster pooler failed: " + r.output + r.err);
  std::istringstream lines(r.output);
  std::string line;
  while (std::getline(lines, line))
    if (line.rfind("PGB_PORT=", 0) == 0) return std::stoi(line.substr(9));
  throw std::runtime_error("pgcluster pooler printed no port: " + r.output);
}

std::string PgCluster::PoolerLog() const {
  std::ifstream in(dir_ + "/pooler/pgbouncer.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void PgCluster::Restart(const std::vector<std::string>& settings) {
  std::vector<std::string> argv = {PGFERRY_PGCLUSTER, "restart", dir_};
  for (const auto& s : settings) { argv.push_back("--set"); argv.push_back(s); }
  CommandResult r = RunCommand(argv);
  if (r.exit_code != 0) throw std::runtime_error("pgcluster restart failed: " + r.output + r.err);
}

Rows PgCluster::Query(const std::string& db, const std::string& sql) const {
  const char* keys[] = {"host", "port", "user", "dbname", nullptr};
  std::string port = std::to_string(port_);
  const char* vals[] = {dir_.c_str(), port.c_str(), kSuperuser, db.c_str(), nullptr};
  std::unique_ptr<PGconn, PgConnDeleter> conn(PQconnectdbParams(keys, vals, 0));
  if (PQstatus(conn.get()) != CONNECTION_OK)
    throw std::runtime_error("connect to " + db + ": " + PQerrorMessage(conn.get()));
  std::unique_ptr<PGresult, PgResultDeleter> res(PQexec(conn.get(), sql.c_str()));
  auto st = PQresultStatus(res.get());
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK)
    throw std::runtime_error("SQL failed in " + db + ": " + PQresultErrorMessage(res.get()) +
                             "  SQL: " + sql);
  Rows rows;
  for (int i = 0; i < PQntuples(res.get()); ++i) {
    std::vector<std::string> row;
    for (int j = 0; j < PQnfields(res.get()); ++j) row.emplace_back(PQgetvalue(res.get(), i, j));
    rows.push_back(std::move(row));
  }
  return rows;
}

void PgCluster::Exec(const std::string& db, const std::string& sql) const { Query(db, sql); }

std::string PgCluster::Scalar(const std::string& db, const std::string& sql) const {
  Rows rows = Query(db, sql);
  if (rows.empty() || rows[0].empty()) return "";
  return rows[0][0];
}

std::vector<std::pair<std::string, std::string>> PgCluster::TableFingerprints(
    const std::string& db) const {
  Rows tables = Query(db,
      "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c "
      "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r','p') "
      "AND n.nspname NOT IN ('pg_catalog','information_schema','_pgferry') AND n.nspname NOT LIKE 'pg_toast%' "
      "AND NOT c.relispartition ORDER BY 1");
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& t : tables) {
    const std::string& q = t[0];
    std::string fp = Scalar(db, "SELECT count(*) || '|' || coalesce(md5(string_agg(r::text, ',' "
                                "ORDER BY r::text)), '') FROM " + q + " r");
    out.emplace_back(q, fp);
  }
  return out;
}

std::string QuoteIdent(const std::string& name) {
  std::string out = "\"";
  for (char ch : name) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

std::string QuoteLiteral(const std::string& value) {
  std::string out = "'";
  for (char ch : value) {
    if (ch == '\'') out += '\'';
    out += ch;
  }
  return out + "'";
}

}  // namespace pgferry::testing
