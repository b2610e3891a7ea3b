// latency_probe: time from an error's first occurrence to its webhook reaching a receiver.
//
//   latency_probe --target 127.0.0.1:PORT [--count 2000] [--interval-ms 2] [--ready-s 15]
//                 [--settle-s 5]
//
// Serves a webhook receiver on 127.0.0.1 (an ephemeral port, printed as "port N" first), waits
// until erralertd at --target answers GET /readyz 200, then POSTs --count events to
// /v1/events over one keep-alive connection, one every --interval-ms, each with its own code
// so that each is a first occurrence. A webhook request is matched to its event by the code in
// groups[].event.code (CONTRACT section 5). Prints
//   "sent N received M p50_ms A p99_ms B max_ms C"
// after every event has been seen or --settle-s after the last send. Exit 0 when every event
// was seen, 1 when some were not, 3 when the target never became ready.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using steady = std::chrono::steady_clock;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

struct options {
  std::string host = "127.0.0.1";
  std::string port;
  int count = 2000;
  int interval_ms = 2;
  int ready_s = 15;
  int settle_s = 5;
};

/// What the sender and the receiver share: one slot per event, by index.
struct probe_state {
  std::string code_prefix;
  std::vector<steady::time_point> sent_at;
  std::vector<std::optional<steady::time_point>> seen_at;
  int sent = 0;
  int seen = 0;
  bool done_sending = false;
};

std::optional<options> parse_args(int argc, char** argv) {
  options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view k = argv[i];
    const char* v = argv[i + 1];
    if (k == "--target") {
      const std::string t = v;
      const auto colon = t.rfind(':');
      if (colon == std::string::npos) return std::nullopt;
      o.host = t.substr(0, colon);
      o.port = t.substr(colon + 1);
    } else if (k == "--count") {
      o.count = std::atoi(v);
    } else if (k == "--interval-ms") {
      o.interval_ms = std::atoi(v);
    } else if (k == "--ready-s") {
      o.ready_s = std::atoi(v);
    } else if (k == "--settle-s") {
      o.settle_s = std::atoi(v);
    } else {
      return std::nullopt;
    }
  }
  if (o.port.empty() || o.count <= 0) return std::nullopt;
  return o;
}

/// Marks every event of ours named in a webhook body as seen, now.
void record_webhook(std::string_view body, probe_state& st) {
  const auto now = steady::now();
  const auto doc = nlohmann::json::parse(body, nullptr, false);
  if (!doc.is_object() || !doc.contains("groups") || !doc["groups"].is_array()) return;
  for (const auto& g : doc["groups"]) {
    if (!g.is_object() || !g.contains("event")) continue;
    const auto& code = g["event"].value("code", std::string());
    if (code.rfind(st.code_prefix, 0) != 0) continue;
    const int i = std::atoi(code.c_str() + st.code_prefix.size());
    if (i < 0 || i >= static_cast<int>(st.seen_at.size()) || st.seen_at[i]) continue;
    st.seen_at[i] = now;
    ++st.seen;
  }
}

/// The webhook receiver's side of one connection: read, record, answer 204.
asio::awaitable<void> receiver_session(tcp::socket socket, probe_state& st) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> req;
    stream.expires_after(std::chrono::seconds(60));
    auto [ec, n] = co_await http::async_read(stream, buffer, req, use_tuple);
    if (ec) break;
    record_webhook(req.body(), st);
    http::response<http::empty_body> res{http::status::no_content, req.version()};
    res.keep_alive(req.keep_alive());
    auto [wec, wn] = co_await http::async_write(stream, res, use_tuple);
    if (wec || !req.keep_alive()) break;
  }
}

asio::awaitable<void> receiver_loop(tcp::acceptor& acceptor, probe_state& st) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) continue;
    socket.set_option(tcp::no_delay(true));
    asio::co_spawn(acceptor.get_executor(), receiver_session(std::move(socket), st), asio::detached);
  }
}

std::string event_body(const probe_state& st, int i) {
  return R"({"service":"bench-latency","environment":"bench","severity":"error","status":502,)"
         R"("code":")" + st.code_prefix + std::to_string(i) +
         R"(","message":"first occurrence )" + std::to_string(i) +
         R"(","request":{"method":"POST","path":"/v1/probe/)" + std::to_string(i) + R"("}})";
}

/// One request on `stream`, answering the status (0 on a network error).
asio::awaitable<unsigned> exchange(beast::tcp_stream& stream, http::verb verb, std::string target,
                                   std::string body) {
  http::request<http::string_body> req{verb, target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (verb == http::verb::post) req.set(http::field::content_type, "application/json");
  req.body() = std::move(body);
  req.prepare_payload();
  stream.expires_after(std::chrono::seconds(5));
  auto [wec, wn] = co_await http::async_write(stream, req, use_tuple);
  if (wec) co_return 0;
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  auto [rec, rn] = co_await http::async_read(stream, buffer, res, use_tuple);
  if (rec) co_return 0;
  co_return res.result_int();
}

/// Connects to the target until GET /readyz answers 200 or the time is up.
asio::awaitable<bool> wait_ready(beast::tcp_stream& stream, const tcp::endpoint& target, int seconds) {
  const auto until = steady::now() + std::chrono::seconds(seconds);
  asio::steady_timer timer(stream.get_executor());
  while (steady::now() < until) {
    stream.expires_after(std::chrono::seconds(1));
    auto [ec] = co_await stream.async_connect(target, use_tuple);
    if (!ec && co_await exchange(stream, http::verb::get, "/readyz", "") == 200) co_return true;
    stream.close();  // the next async_connect opens a fresh socket
    timer.expires_after(std::chrono::milliseconds(100));
    co_await timer.async_wait(use_tuple);
  }
  co_return false;
}

/// Sends the paced events, then waits for their webhooks, then stops the io_context.
asio::awaitable<void> sender(asio::io_context& io, const options& o, probe_state& st,
                             int& exit_code) {
  auto ex = io.get_executor();
  const tcp::endpoint target{asio::ip::make_address(o.host),
                             static_cast<unsigned short>(std::atoi(o.port.c_str()))};
  beast::tcp_stream stream(ex);
  asio::steady_timer timer(ex);
  if (!co_await wait_ready(stream, target, o.ready_s)) {
    std::fprintf(stderr, "latency_probe: %s:%s never answered /readyz 200\n", o.host.c_str(),
                 o.port.c_str());
    exit_code = 3;
    io.stop();
    co_return;
  }
  stream.socket().set_option(tcp::no_delay(true));
  const auto start = steady::now();
  const auto interval = std::chrono::milliseconds(o.interval_ms);
  for (int i = 0; i < o.count; ++i) {
    timer.expires_at(start + i * interval);  // on schedule; at once when running late
    co_await timer.async_wait(use_tuple);
    std::string body = event_body(st, i);
    st.sent_at[i] = steady::now();
    const unsigned status = co_await exchange(stream, http::verb::post, "/v1/events", std::move(body));
    if (status != 202) {
      std::fprintf(stderr, "latency_probe: event %d answered %u\n", i, status);
      break;
    }
    ++st.sent;
  }
  st.done_sending = true;
  const auto until = steady::now() + std::chrono::seconds(o.settle_s);
  while (st.seen < st.sent && steady::now() < until) {
    timer.expires_after(std::chrono::milliseconds(20));
    co_await timer.async_wait(use_tuple);
  }
  exit_code = st.seen == st.sent && st.sent == o.count ? 0 : 1;
  io.stop();
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

}  // namespace

int main(int argc, char** argv) {
  const auto opts = parse_args(argc, argv);
  if (!opts) {
    std::fprintf(stderr,
                 "usage: latency_probe --target HOST:PORT [--count N] [--interval-ms MS] "
                 "[--ready-s S] [--settle-s S]\n");
    return 2;
  }
  probe_state st;
  st.code_prefix = "LAT-" + std::to_string(::getpid()) + "-";
  st.sent_at.resize(opts->count);
  st.seen_at.resize(opts->count);

  asio::io_context io(1);
  tcp::acceptor acceptor(io, tcp::endpoint{asio::ip::make_address("127.0.0.1"), 0});
  std::printf("port %u\n", static_cast<unsigned>(acceptor.local_endpoint().port()));
  std::fflush(stdout);
  int exit_code = 1;
  asio::co_spawn(io, receiver_loop(acceptor, st), asio::detached);
  asio::co_spawn(io, sender(io, *opts, st, exit_code), asio::detached);
  io.run();
  if (exit_code == 3) return 3;

  std::vector<double> ms;
  for (int i = 0; i < st.sent; ++i) {
    if (st.seen_at[i]) {
      ms.push_back(std::chrono::duration<double, std::milli>(*st.seen_at[i] - st.sent_at[i]).count());
    }
  }
  const double max = ms.empty() ? 0 : *std::max_element(ms.begin(), ms.end());
  const double p50 = percentile(ms, 0.50);
  const double p99 = percentile(ms, 0.99);
  std::printf("sent %d received %zu p50_ms %.3f p99_ms %.3f max_ms %.3f\n", st.sent, ms.size(), p50,
              p99, max);
  return exit_code;
}
