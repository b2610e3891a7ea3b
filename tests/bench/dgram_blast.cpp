// dgram_blast: sends error events to a Unix datagram socket as fast as it can, for a while.
//
//   dgram_blast PATH SECONDS [DISTINCT]
//
// Non-blocking, like an app that must never wait on erralert: when the receiver's buffer is
// full, send() fails with EAGAIN; that is counted, and the sender waits for room with poll()
// (at most 10 ms) rather than spinning. DISTINCT (default 1) rotates the code and route over
// that many values. Prints "sent N eagain E seconds S rate R" and exits.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

/// The bench's error event (about 450 bytes, like the contract's example) with code number i.
std::string make_event(unsigned i) {
  char buf[1024];
  const int n = std::snprintf(
      buf, sizeof buf,
      R"({"service":"payment-api","environment":"prod","host":"web-3","severity":"error",)"
      R"("code":"FEP-SEC-%05u","status":502,"message":"upstream call failed #%u",)"
      R"("detail":"feign.FeignException$BadGateway: [502 Bad Gateway]",)"
      R"("request":{"method":"POST","path":"/v1/users/48213/embeddings/v%u",)"
      R"("params":{"model":"m","password":"hunter2"},"client_ip":"10.0.0.7"},)"
      R"("exception":{"type":"feign.FeignException$BadGateway"},)"
      R"("trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"})",
      i, i, i);
  return std::string(buf, static_cast<std::size_t>(n));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: dgram_blast PATH SECONDS [DISTINCT]\n");
    return 2;
  }
  const std::string path = argv[1];
  const double seconds = std::atof(argv[2]);
  const unsigned distinct = argc > 3 ? static_cast<unsigned>(std::max(1, std::atoi(argv[3]))) : 1;

  std::vector<std::string> events;
  for (unsigned i = 0; i < distinct; ++i) events.push_back(make_event(i));

  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (fd < 0 || path.size() >= sizeof addr.sun_path) {
    std::fprintf(stderr, "dgram_blast: cannot open a socket for %s\n", path.c_str());
    return 3;
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  // Connected, so that poll(POLLOUT) reports room in the receiver's queue.
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::fprintf(stderr, "dgram_blast: connect %s: %s\n", path.c_str(), std::strerror(errno));
    return 3;
  }

  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  unsigned long long sent = 0;
  unsigned long long eagain = 0;
  unsigned next = 0;
  // Check the clock every 256 sends: a clock read per datagram would show in the numbers.
  for (unsigned tick = 0;; ++tick) {
    if ((tick & 255) == 0 && clock::now() >= end) break;
    const std::string& e = events[next];
    const ssize_t n = ::send(fd, e.data(), e.size(), MSG_NOSIGNAL);
    if (n >= 0) {
      ++sent;
      next = next + 1 == distinct ? 0 : next + 1;
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      ++eagain;
      pollfd p{fd, POLLOUT, 0};
      ::poll(&p, 1, 10);
      continue;
    }
    if (errno == EINTR) continue;
    std::fprintf(stderr, "dgram_blast: send: %s\n", std::strerror(errno));
    ::close(fd);
    return 3;
  }
  const double took = std::chrono::duration<double>(clock::now() - start).count();
  ::close(fd);
  std::printf("sent %llu eagain %llu seconds %.3f rate %.0f\n", sent, eagain, took,
              static_cast<double>(sent) / took);
  return 0;
}
