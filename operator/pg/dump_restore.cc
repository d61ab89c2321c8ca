#include "operator/pg/dump_restore.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

extern char** environ;

namespace pgferry::pg {
namespace {

// Session settings for every pg_restore child, through libpq's PGOPTIONS (after any the
// environment has). synchronous_commit=off: pg_restore commits each schema object on its own
// (about six commits per table with a serial key), and each would otherwise wait for a WAL flush
// on a durable server. Safe for resume: the engine's own state mark, committed with the
// server's setting after the restore, flushes all of it (WAL is flushed in order).
constexpr const char* kRestoreOptions = "-c synchronous_commit=off";

std::vector<std::string> EnvWith(const ConnParams& p, const std::string& extra_options = "") {
  std::vector<std::string> env;
  std::string options;
  for (char** e = environ; *e; ++e) {
    std::string v(*e);
    if (v.rfind("PGPASSWORD=", 0) == 0 || v.rfind("PGCONNECT_TIMEOUT=", 0) == 0) continue;
    if (!extra_options.empty() && v.rfind("PGOPTIONS=", 0) == 0) {
      options = v.substr(10);
      continue;
    }
    env.push_back(v);
  }
  if (!extra_options.empty())
    env.push_back("PGOPTIONS=" + options + (options.empty() ? "" : " ") + extra_options);
  if (!p.password.empty()) env.push_back("PGPASSWORD=" + p.password);
  env.push_back("PGCONNECT_TIMEOUT=" + std::to_string(std::max(2, p.connect_timeout_seconds)));
  return env;
}

// A pooler in front of the destination may refuse the options startup parameter (PgBouncer:
// "unsupported startup parameter: options", newer versions "unsupported options startup
// parameter: ..."); pg_restore then fails before it has restored anything, and runs again
// without kRestoreOptions.
bool RefusedStartupOptions(const DumpRestoreResult& r) {
  return r.restore_exit != 0 && r.restore_stderr.find("startup parameter") != std::string::npos;
}

// The tool's connection string, password left out (it goes through PGPASSWORD). Its sessions
// show as "pgferry/pg_dump" and "pgferry/pg_restore" in pg_stat_activity, so that a DBA (and
// LockWaitWatch, and the tests) can tell them from pgferry's own sessions.
std::string ToolConninfo(const ConnParams& p, const std::string& tool) {
  ConnParams q = p;
  q.password.clear();
  q.replication.clear();
  q.application_name = p.application_name + "/" + tool;
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

// Asks the caller's StopFn while children run (poll loops wake every kStopPollMs for it) and,
// the first time it says yes, sends each watched child SIGTERM. A child is watched from its
// spawn until it is done with (Forget, before it is reaped, so its pid cannot be reused).
class ChildStop {
 public:
  static constexpr int kStopPollMs = 100;
  explicit ChildStop(const StopFn& stop) : stop_(stop) {}
  void Watch(pid_t pid) {
    if (pid > 0) pids_.push_back(pid);
  }
  void Forget(pid_t pid) { pids_.erase(std::remove(pids_.begin(), pids_.end(), pid), pids_.end()); }
  int PollTimeout() const { return stop_ && !signalled_ ? kStopPollMs : -1; }
  void Check() {
    if (signalled_ || !stop_ || !stop_()) return;
    signalled_ = true;
    for (pid_t pid : pids_) kill(pid, SIGTERM);
  }
  bool signalled() const { return signalled_; }

 private:
  const StopFn& stop_;
  std::vector<pid_t> pids_;
  bool signalled_ = false;
};

int Wait(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Runs one tool to completion, collecting its stdout and stderr.
// Reads two pipes until both reach end of file. A closed pipe leaves the poll set (fd -1):
// poll() keeps reporting POLLHUP on a hung-up descriptor even with no events requested, which
// would turn this loop into a busy spin until the other process exits.
void DrainPipes(int fd_a, std::string* a, int fd_b, std::string* b, ChildStop& stop) {
  pollfd fds[2] = {{fd_a, POLLIN, 0}, {fd_b, POLLIN, 0}};
  std::string* sinks[2] = {a, b};
  char buf[8192];
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    stop.Check();
    if (poll(fds, 2, stop.PollTimeout()) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) fds[i].fd = -1; else sinks[i]->append(buf, static_cast<size_t>(n));
    }
  }
}

int RunTool(const std::string& bin, const std::vector<std::string>& args, const std::vector<std::string>& env,
            std::string* out, std::string* err, ChildStop& stop) {
  int o[2], e[2];
  if (pipe(o)) return -1;
  if (pipe(e)) {
    close(o[0]);
    close(o[1]);
    return -1;
  }
  pid_t pid = Spawn(bin, args, env, -1, o[1], e[1], {o[0], o[1], e[0], e[1]});
  close(o[1]);
  close(e[1]);
  stop.Watch(pid);
  if (pid > 0) DrainPipes(o[0], out, e[0], err, stop);
  stop.Forget(pid);
  close(o[0]);
  close(e[0]);
  return pid > 0 ? Wait(pid) : -1;
}

}  // namespace

std::pair<uint32_t, uint32_t> TocCatalogId(const std::string& line) {
  if (line.empty() || line[0] == ';') return {0, 0};
  size_t semi = line.find(';');
  if (semi == std::string::npos) return {0, 0};
  std::istringstream in(line.substr(semi + 1));
  long long classoid = -1, objoid = -1;
  if (!(in >> classoid >> objoid) || classoid < 0 || objoid < 0) return {0, 0};
  return {static_cast<uint32_t>(classoid), static_cast<uint32_t>(objoid)};
}

Archive::~Archive() {
  unlink(path_.c_str());
  unlink((dir_ + "/section.list").c_str());
  rmdir(dir_.c_str());
}

namespace {

Result<std::unique_ptr<Archive>> NewArchive() {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/pgferry-schema-XXXXXX";
  std::vector<char> path(templ.begin(), templ.end());
  path.push_back('\0');
  if (!mkdtemp(path.data())) return Internal("cannot create a temporary folder in " + templ);
  return std::make_unique<Archive>(path.data(), std::string(path.data()) + "/schema.dump");
}

// write() that reports EPIPE instead of letting SIGPIPE end the process when the reader has
// exited: SIGPIPE is blocked in this thread for the call, and a pending one is consumed.
ssize_t WriteWithoutSigpipe(int fd, const char* data, size_t n) {
  sigset_t pipe_set, old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  ssize_t w = write(fd, data, n);
  int saved = errno;
  if (w < 0 && errno == EPIPE) {
    timespec zero{0, 0};
    while (sigtimedwait(&pipe_set, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = saved;
  return w;
}

bool WriteAll(int fd, const char* data, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    data += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// Moves pg_dump's stdout to pg_restore's stdin and to `file`, and both stderrs into `r`, until
// every pipe is closed. At most kMaxPending bytes wait for pg_restore; pg_dump is then not read
// (closed pipes and paused ones leave the poll set: see DrainPipes). When pg_restore exits
// early, the rest still goes to the file. False when the file could not be written.
bool Relay(int dump_out, int restore_in, int dump_err, int restore_err, int file, DumpRestoreResult* r,
           ChildStop& stop) {
  constexpr size_t kMaxPending = 1 << 20;
  std::string pending;
  size_t written = 0;
  bool file_ok = true;
  char buf[65536];
  fcntl(restore_in, F_SETFL, fcntl(restore_in, F_GETFL) | O_NONBLOCK);
  std::string* err_sinks[2] = {&r->dump_stderr, &r->restore_stderr};
  int err_fds[2] = {dump_err, restore_err};
  while (dump_out >= 0 || restore_in >= 0 || err_fds[0] >= 0 || err_fds[1] >= 0) {
    if (dump_out < 0 && restore_in >= 0 && written == pending.size()) {
      close(restore_in);  // pg_restore sees the end of the archive
      restore_in = -1;
      continue;
    }
    pollfd fds[4] = {{pending.size() - written < kMaxPending ? dump_out : -1, POLLIN, 0},
                     {written < pending.size() ? restore_in : -1, POLLOUT, 0},
                     {err_fds[0], POLLIN, 0},
                     {err_fds[1], POLLIN, 0}};
    stop.Check();
    if (poll(fds, 4, stop.PollTimeout()) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].fd >= 0 && fds[0].revents) {
      ssize_t n = read(dump_out, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        close(dump_out);
        dump_out = -1;
      } else {
        file_ok = file_ok && WriteAll(file, buf, static_cast<size_t>(n));
        if (restore_in >= 0) pending.append(buf, static_cast<size_t>(n));
      }
    }
    if (fds[1].fd >= 0 && fds[1].revents) {
      ssize_t w = WriteWithoutSigpipe(restore_in, pending.data() + written, pending.size() - written);
      if (w > 0) {
        written += static_cast<size_t>(w);
        if (written == pending.size()) {
          pending.clear();
          written = 0;
        }
      } else if (w < 0 && errno != EAGAIN && errno != EINTR) {  // pg_restore has gone
        close(restore_in);
        restore_in = -1;
        pending.clear();
        written = 0;
      }
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[2 + i].fd < 0 || fds[2 + i].revents == 0) continue;
      ssize_t n = read(err_fds[i], buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        close(err_fds[i]);
        err_fds[i] = -1;
      } else {
        err_sinks[i]->append(buf, static_cast<size_t>(n));
      }
    }
  }
  return file_ok;
}

// pg_restore from the archive with each of `options` in turn (PGOPTIONS additions) until the
// destination accepts the startup parameters.
Status RestoreTrying(const Archive& archive, const ConnParams& destination,
                     const std::vector<std::string>& restore_args,
                     const std::set<std::pair<uint32_t, uint32_t>>& skip,
                     const std::vector<std::string>& options, DumpRestoreResult* r, ChildStop& stop) {
  std::string dir = PgToolsDir();
  std::vector<std::string> rargs = restore_args;
  if (!skip.empty()) {
    std::string toc, toc_err;
    int list_exit = RunTool(dir + "/pg_restore", {"--list", archive.path()}, EnvWith(destination), &toc,
                            &toc_err, stop);
    if (stop.signalled()) {
      r->stopped = true;
      return Status::Ok();
    }
    if (list_exit != 0) return Internal("pg_restore --list failed: " + toc_err.substr(0, 500));
    std::string list = archive.dir() + "/section.list";
    std::ofstream lf(list, std::ios::trunc);
    std::istringstream in(toc);
    std::string line;
    while (std::getline(in, line))
      if (!skip.count(TocCatalogId(line))) lf << line << '\n';
    lf.close();
    if (!lf) return Internal("cannot write " + list);
    rargs.push_back("--use-list=" + list);
  }
  rargs.push_back("--dbname=" + ToolConninfo(destination, "pg_restore"));
  rargs.push_back(archive.path());
  std::string ignored;
  for (const std::string& o : options) {
    r->restore_stderr.clear();
    r->restore_exit = RunTool(dir + "/pg_restore", rargs, EnvWith(destination, o), &ignored,
                              &r->restore_stderr, stop);
    if (stop.signalled() || !RefusedStartupOptions(*r)) break;
  }
  r->stopped = stop.signalled();
  r->restore_stderr = MaskSecret(r->restore_stderr, destination.password);
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Archive>> DumpRestoreKeepingArchive(const ConnParams& source,
                                                           const std::vector<std::string>& dump_args,
                                                           const ConnParams& destination,
                                                           const std::vector<std::string>& restore_args,
                                                           DumpRestoreResult* r, const StopFn& stop) {
  ASSIGN_OR_RETURN(auto archive, NewArchive());
  int file = open(archive->path().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (file < 0) return Internal("cannot write " + archive->path() + ": " + std::strerror(errno));
  std::string dir = PgToolsDir();
  std::vector<std::string> dargs = dump_args;
  dargs.push_back("--format=custom");
  dargs.push_back("--dbname=" + ToolConninfo(source, "pg_dump"));
  std::vector<std::string> rargs = restore_args;
  rargs.push_back("--dbname=" + ToolConninfo(destination, "pg_restore"));
  int out[2], in[2], derr[2], rerr[2];
  if (pipe2(out, O_CLOEXEC) || pipe2(in, O_CLOEXEC) || pipe2(derr, O_CLOEXEC) || pipe2(rerr, O_CLOEXEC)) {
    close(file);
    return Internal("pipe failed");
  }
  std::vector<int> all = {out[0], out[1], in[0], in[1], derr[0], derr[1], rerr[0], rerr[1]};
  *r = DumpRestoreResult();
  pid_t dump = Spawn(dir + "/pg_dump", dargs, EnvWith(source), -1, out[1], derr[1], all);
  pid_t restore = Spawn(dir + "/pg_restore", rargs, EnvWith(destination, kRestoreOptions), in[0], -1, rerr[1], all);
  for (int fd : {out[1], in[0], derr[1], rerr[1]}) close(fd);
  bool file_ok = false;
  ChildStop stopper(stop);
  if (dump > 0 && restore > 0) {
    stopper.Watch(dump);
    stopper.Watch(restore);
    file_ok = Relay(out[0], in[1], derr[0], rerr[0], file, r, stopper);
    stopper.Forget(dump);
    stopper.Forget(restore);
  } else {
    for (int fd : {out[0], in[1], derr[0], rerr[0]}) close(fd);
  }
  close(file);
  r->dump_exit = dump > 0 ? Wait(dump) : -1;
  r->restore_exit = restore > 0 ? Wait(restore) : -1;
  r->dump_stderr = MaskSecret(r->dump_stderr, source.password);
  r->restore_stderr = MaskSecret(r->restore_stderr, destination.password);
  r->stopped = stopper.signalled();
  if (dump < 0 || restore < 0) return Internal("cannot start " + dir + "/pg_dump or pg_restore");
  if (r->stopped) return archive;
  if (!file_ok) return Internal("cannot write " + archive->path());
  if (r->dump_exit == 0 && RefusedStartupOptions(*r)) {
    std::string dump_stderr = r->dump_stderr;
    RETURN_IF_ERROR(RestoreTrying(*archive, destination, restore_args, {}, {""}, r, stopper));  // refused once
    r->dump_stderr = dump_stderr;
  }
  return archive;
}

Result<std::unique_ptr<Archive>> DumpToArchive(const ConnParams& source,
                                               const std::vector<std::string>& dump_args,
                                               DumpRestoreResult* r, const StopFn& stop) {
  ASSIGN_OR_RETURN(auto archive, NewArchive());
  std::string ignored;
  std::vector<std::string> dargs = dump_args;
  dargs.push_back("--format=custom");
  dargs.push_back("--file=" + archive->path());
  dargs.push_back("--dbname=" + ToolConninfo(source, "pg_dump"));
  r->dump_stderr.clear();
  ChildStop stopper(stop);
  r->dump_exit = RunTool(PgToolsDir() + "/pg_dump", dargs, EnvWith(source), &ignored, &r->dump_stderr, stopper);
  r->stopped = stopper.signalled();
  r->dump_stderr = MaskSecret(r->dump_stderr, source.password);
  return archive;
}

Status RestoreFromArchive(const Archive& archive, const ConnParams& destination,
                          const std::vector<std::string>& restore_args,
                          const std::set<std::pair<uint32_t, uint32_t>>& skip, DumpRestoreResult* r,
                          const StopFn& stop) {
  ChildStop stopper(stop);
  return RestoreTrying(archive, destination, restore_args, skip, {kRestoreOptions, ""}, r, stopper);
}

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

}  // namespace pgferry::pg
