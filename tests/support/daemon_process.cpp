// DaemonProcess: fork/exec of erralertd with pipes read by two threads; waits are bounded
// waits on a condition variable, never sleeps.
#include "support/daemon_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string_view>

namespace erralert::testing {

namespace fs = std::filesystem;

TempDir::TempDir() {
  std::random_device rd;
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto p = fs::temp_directory_path() / ("erralert-test-" + std::to_string(rd()));
    if (fs::create_directory(p)) {
      path_ = p;
      return;
    }
  }
  throw std::runtime_error("cannot create a temp dir");
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

namespace {

/// Writes `n` in decimal over the spaces that end `entry` (between fork and exec, where only
/// async-signal-safe work is allowed: no allocation, no setenv).
void write_number_into(std::string& entry, long n) {
  char digits[24];
  int len = 0;
  do {
    digits[len++] = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n > 0);
  std::size_t at = entry.find(' ');
  while (len > 0) entry[at++] = digits[--len];
  entry.resize(at);  // no allocation: it only shrinks
}

/// Forks erralertd with stdin/stdout/stderr on the given fds, its environment plus `launch.env`,
/// and `launch.passed_sockets` as socket activation passes them.
/// `file_size_limit` >= 0 sets RLIMIT_FSIZE: every file write past it fails, as on a full disk.
pid_t spawn(const std::vector<std::string>& args, int in_fd, int out_fd, int err_fd, long file_size_limit = -1,
            const LaunchOptions& launch = {}) {
  std::vector<char*> argv;
  std::string exe = ERRALERTD_PATH;
  argv.push_back(exe.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);

  // Everything the child needs is built before fork: the environment, and LISTEN_PID's room.
  std::vector<std::string> env_entries = launch.env;
  std::string* listen_pid = nullptr;
  if (!launch.passed_sockets.empty()) {
    env_entries.push_back("LISTEN_FDS=" + std::to_string(launch.passed_sockets.size()));
    env_entries.push_back("LISTEN_PID=" + std::string(20, ' '));
    listen_pid = &env_entries.back();
  }
  // The test's own environment, but for what the launch sets and what a service manager would
  // have set for the test runner itself (a CI job run as a systemd service).
  const auto name_of = [](std::string_view entry) { return entry.substr(0, entry.find('=')); };
  const auto replaced = [&](std::string_view name) {
    for (std::string_view manager : {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_PID", "LISTEN_FDS",
                                     "LISTEN_FDNAMES"})
      if (name == manager) return true;
    return std::any_of(env_entries.begin(), env_entries.end(),
                       [&](const std::string& e) { return name_of(e) == name; });
  };
  std::vector<char*> envp;
  for (char** e = environ; *e != nullptr; ++e)
    if (!replaced(name_of(*e))) envp.push_back(*e);
  for (auto& e : env_entries) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<int> parked(launch.passed_sockets.size(), -1);

  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(in_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    // Out of the way first, so that no passed socket is overwritten on its way to 3, 4, ...
    for (std::size_t i = 0; i < parked.size(); ++i) parked[i] = ::fcntl(launch.passed_sockets[i], F_DUPFD_CLOEXEC, 100);
    for (std::size_t i = 0; i < parked.size(); ++i) ::dup2(parked[i], 3 + static_cast<int>(i));
    if (listen_pid) write_number_into(*listen_pid, ::getpid());  // envp points at it already
    if (file_size_limit >= 0) {
      // The soft limit is what the kernel enforces; the hard one stays as it was, so that
      // lift_file_size_limit() can raise the soft one again without CAP_SYS_RESOURCE.
      rlimit limit{};
      ::getrlimit(RLIMIT_FSIZE, &limit);
      limit.rlim_cur = static_cast<rlim_t>(file_size_limit);
      ::setrlimit(RLIMIT_FSIZE, &limit);
    }
    if (launch.open_files_limit >= 0) {
      const rlimit limit{static_cast<rlim_t>(launch.open_files_limit), static_cast<rlim_t>(launch.open_files_limit)};
      ::setrlimit(RLIMIT_NOFILE, &limit);
    }
    ::execve(exe.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
  return pid;
}

/// Reads `fd` to its end into `into`, under `mu`, notifying `cv` on every chunk.
void pump(int fd, std::string& into, std::mutex& mu, std::condition_variable& cv) {
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    {
      std::lock_guard lock(mu);
      into.append(buf, static_cast<std::size_t>(n));
    }
    cv.notify_all();
  }
  ::close(fd);
}

}  // namespace

bool wait_exit(pid_t pid, int& code, std::chrono::milliseconds timeout) {
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd >= 0) {
    pollfd p{fd, POLLIN, 0};
    ::poll(&p, 1, static_cast<int>(timeout.count()));
    ::close(fd);
  }
  int status = 0;
  if (::waitpid(pid, &status, fd >= 0 ? WNOHANG : 0) != pid) return false;
  code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return true;
}


CommandResult run_erralertd(const std::vector<std::string>& args, const std::string& stdin_text,
                            std::chrono::seconds timeout, long file_size_limit) {
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
  const pid_t pid = spawn(args, in[0], out[1], err[1], file_size_limit);
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  if (!stdin_text.empty()) {
    [[maybe_unused]] auto n = ::write(in[1], stdin_text.data(), stdin_text.size());
  }
  ::close(in[1]);
  CommandResult r;
  std::mutex mu;
  std::condition_variable cv;
  std::thread t1([&] { pump(out[0], r.out, mu, cv); });
  std::thread t2([&] { pump(err[0], r.err, mu, cv); });
  if (!wait_exit(pid, r.exit_code, timeout)) {
    ::kill(pid, SIGKILL);
    wait_exit(pid, r.exit_code, std::chrono::seconds(5));
    r.exit_code = -2;
  }
  t1.join();
  t2.join();
  return r;
}

DaemonProcess::DaemonProcess(const std::string& extra_yaml, const std::string& http_yaml,
                             const std::string& server_yaml, const std::string& storage_dir,
                             long file_size_limit, const LaunchOptions& launch)
    : storage_dir_(storage_dir.empty() ? dir_.file("state") : storage_dir) {
  std::ostringstream cfg;
  cfg << "server:\n"
      << "  http:\n    listen: \"127.0.0.1:0\"\n";
  if (!http_yaml.empty()) cfg << "    " << http_yaml << "\n";
  cfg << "  unix:\n"
      << "    path: \"" << stream_socket() << "\"\n"
      << "    dgram_path: \"" << dgram_socket() << "\"\n"
      << "    mode: \"0600\"\n";
  if (!server_yaml.empty()) cfg << "  " << server_yaml << "\n";
  cfg << "storage:\n  dir: \"" << storage_dir_ << "\"\n";
  if (!launch.storage_yaml.empty()) cfg << "  " << launch.storage_yaml << "\n";
  base_yaml_ = cfg.str();
  write_file(config_path(), base_yaml_ + extra_yaml + "\n");

  int out[2], err[2];
  const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
  pid_ = spawn({"run", "--config", config_path(), "--log-level", "debug"}, devnull, out[1], err[1],
                 file_size_limit, launch);
  ::close(devnull);
  ::close(out[1]);
  ::close(err[1]);
  out_thread_ = std::thread([this, fd = out[0]] { reader(fd, out_); });
  err_thread_ = std::thread([this, fd = err[0]] { reader(fd, err_); });

  static const std::regex ready(R"(ready: http 127\.0\.0\.1:(\d+))");
  std::smatch m;
  const bool up = wait_until(
      [&] {
        std::string e = err_;
        return std::regex_search(e, m, ready) || e.find(" error: ") != std::string::npos;
      },
      std::chrono::seconds(20));
  std::string e = stderr_text();
  if (!up || !std::regex_search(e, m, ready)) {
    terminate(std::chrono::seconds(5));
    throw std::runtime_error("erralertd did not start:\n" + e);
  }
  port_ = static_cast<std::uint16_t>(std::stoi(m[1].str()));
}

DaemonProcess::~DaemonProcess() {
  if (!exited_) {
    ::kill(pid_, SIGKILL);
    wait_exit(pid_, exit_code_, std::chrono::seconds(10));
  }
  join_readers();
}

void DaemonProcess::reader(int fd, std::string& into) { pump(fd, into, mu_, cv_); }

bool DaemonProcess::wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, done);
}

bool DaemonProcess::wait_for_stdout_lines(std::size_t n, std::chrono::milliseconds timeout) {
  return wait_until([&] { return static_cast<std::size_t>(std::count(out_.begin(), out_.end(), '\n')) >= n; },
                    timeout);
}

namespace {

/// The sum of the `count=` fields of the complete lines in `out`.
std::uint64_t counted(const std::string& out) {
  std::uint64_t total = 0;
  std::size_t start = 0;
  for (std::size_t end; (end = out.find('\n', start)) != std::string::npos; start = end + 1) {
    const auto at = out.find(" count=", start);
    if (at < end) total += std::stoull(out.substr(at + 7, end - at - 7));
  }
  return total;
}

}  // namespace

std::uint64_t DaemonProcess::console_count() const {
  std::lock_guard lock(mu_);
  return counted(out_);
}

bool DaemonProcess::wait_for_console_count(std::uint64_t n, std::chrono::milliseconds timeout) {
  return wait_until([&] { return counted(out_) >= n; }, timeout);
}

bool DaemonProcess::wait_for_stderr(const std::string& text, std::chrono::milliseconds timeout) {
  return wait_until([&] { return err_.find(text) != std::string::npos; }, timeout);
}

std::vector<std::string> DaemonProcess::stdout_lines() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> lines;
  std::istringstream in(out_);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string DaemonProcess::stderr_text() const {
  std::lock_guard lock(mu_);
  return err_;
}

void DaemonProcess::signal(int sig) { ::kill(pid_, sig); }

void DaemonProcess::rewrite_config(const std::string& extra_yaml) {
  const std::string tmp = config_path() + ".new";
  write_file(tmp, base_yaml_ + extra_yaml + "\n");
  fs::rename(tmp, config_path());
}

namespace {

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

}  // namespace

bool DaemonProcess::reload(std::chrono::milliseconds timeout) {
  const std::string done = "reloaded " + config_path();
  const std::size_t before = occurrences(stderr_text(), done);
  ::kill(pid_, SIGHUP);
  return wait_until([&] { return occurrences(err_, done) > before; }, timeout);
}

int DaemonProcess::terminate(std::chrono::milliseconds timeout) {
  if (exited_) return exit_code_;
  ::kill(pid_, SIGTERM);
  if (!wait_exit(pid_, exit_code_, timeout)) {
    ::kill(pid_, SIGKILL);
    wait_exit(pid_, exit_code_, std::chrono::seconds(5));
    exit_code_ = -1;
  }
  exited_ = true;
  join_readers();
  return exit_code_;
}

void DaemonProcess::join_readers() {
  // The pipes end with the process: what it wrote last is read before anyone looks at it.
  if (out_thread_.joinable()) out_thread_.join();
  if (err_thread_.joinable()) err_thread_.join();
}

void DaemonProcess::kill_hard() {
  if (exited_) return;
  ::kill(pid_, SIGKILL);
  wait_exit(pid_, exit_code_, std::chrono::seconds(10));
  exit_code_ = -1;
  exited_ = true;
  join_readers();
}

bool DaemonProcess::lift_file_size_limit() {
  rlimit limit{};
  if (::prlimit(pid_, RLIMIT_FSIZE, nullptr, &limit) != 0) return false;
  limit.rlim_cur = limit.rlim_max;  // as far as an unprivileged process may raise it
  return ::prlimit(pid_, RLIMIT_FSIZE, &limit, nullptr) == 0;
}

bool DaemonProcess::alive() {
  if (exited_) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    exited_ = true;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    join_readers();
    return false;
  }
  return true;
}

}  // namespace erralert::testing
