#include "operator/pg/dump_restore.h"

#include <dirent.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

extern char** environ;

namespace pgferry::pg {
namespace {

std::vector<std::string> EnvWith(const ConnParams& p) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) {
    std::string v(*e);
    if (v.rfind("PGPASSWORD=", 0) == 0 || v.rfind("PGCONNECT_TIMEOUT=", 0) == 0) continue;
    env.push_back(v);
  }
  if (!p.password.empty()) env.push_back("PGPASSWORD=" + p.password);
  env.push_back("PGCONNECT_TIMEOUT=" + std::to_string(std::max(2, p.connect_timeout_seconds)));
  return env;
}

std::string ConninfoNoPassword(const ConnParams& p) {
  ConnParams q = p;
  q.password.clear();
  q.replication.clear();
  return q.ConninfoWithPassword();
}

pid_t Spawn(const std::string& bin, const std::vector<std::string>& args,
            const std::vector<std::string>& env, int in_fd, int out_fd, int err_fd,
            std::vector<int> close_fds) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (in_fd >= 0) posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
  if (out_fd >= 0) posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
  posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
  for (int fd : close_fds) posix_spawn_file_actions_addclose(&fa, fd);
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(bin.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<std::string> env_store = env;
  std::vector<char*> envp;
  for (auto& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, bin.c_str(), &fa, nullptr, argv.data(), envp.data()) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

int Wait(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

std::string PgToolsDir() {
  if (const char* d = std::getenv("PGFERRY_PG_BIN")) return d;
  int best = 0;
  if (DIR* dir = opendir("/usr/lib/postgresql")) {
    while (dirent* e = readdir(dir)) {
      int v = std::atoi(e->d_name);
      std::string p = std::string("/usr/lib/postgresql/") + e->d_name + "/bin/pg_dump";
      if (v > best && access(p.c_str(), X_OK) == 0) best = v;
    }
    closedir(dir);
  }
  return best ? "/usr/lib/postgresql/" + std::to_string(best) + "/bin" : "/usr/bin";
}

Result<DumpRestoreResult> DumpRestore(const ConnParams& source, const std::vector<std::string>& dump_args,
                                      const ConnParams& destination,
                                      const std::vector<std::string>& restore_args) {
  std::string dir = PgToolsDir();
  int data[2], derr[2], rerr[2];
  if (pipe(data) || pipe(derr) || pipe(rerr)) return Internal("pipe failed");
  std::vector<int> all = {data[0], data[1], derr[0], derr[1], rerr[0], rerr[1]};
  std::vector<std::string> dargs = dump_args;
  dargs.push_back("--dbname=" + ConninfoNoPassword(source));
  std::vector<std::string> rargs = restore_args;
  rargs.push_back("--dbname=" + ConninfoNoPassword(destination));
  pid_t dump = Spawn(dir + "/pg_dump", dargs, EnvWith(source), -1, data[1], derr[1], all);
  pid_t restore = Spawn(dir + "/pg_restore", rargs, EnvWith(destination), data[0], -1, rerr[1], all);
  for (int fd : {data[0], data[1], derr[1], rerr[1]}) close(fd);
  DumpRestoreResult r;
  if (dump < 0 || restore < 0) {
    close(derr[0]);
    close(rerr[0]);
    if (dump > 0) Wait(dump);
    if (restore > 0) Wait(restore);
    return Internal("cannot start " + dir + "/pg_dump or pg_restore");
  }
  bool dopen = true, ropen = true;
  char buf[8192];
  while (dopen || ropen) {
    pollfd fds[2] = {{derr[0], static_cast<short>(dopen ? POLLIN : 0), 0},
                     {rerr[0], static_cast<short>(ropen ? POLLIN : 0), 0}};
    if (poll(fds, 2, -1) < 0 && errno != EINTR) break;
    if (dopen && fds[0].revents) {
      ssize_t n = read(derr[0], buf, sizeof buf);
      if (n <= 0) dopen = false; else r.dump_stderr.append(buf, n);
    }
    if (ropen && fds[1].revents) {
      ssize_t n = read(rerr[0], buf, sizeof buf);
      if (n <= 0) ropen = false; else r.restore_stderr.append(buf, n);
    }
  }
  close(derr[0]);
  close(rerr[0]);
  r.dump_exit = Wait(dump);
  r.restore_exit = Wait(restore);
  r.dump_stderr = MaskSecret(MaskSecret(r.dump_stderr, source.password), destination.password);
  r.restore_stderr = MaskSecret(MaskSecret(r.restore_stderr, source.password), destination.password);
  return r;
}

}  // namespace pgferry::pg
