// FakePlatform: Beast sessions on a private io_context thread; answers come from pure functions.
#include "support/fake_platform.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <future>
#include <list>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

namespace erralert::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using nlohmann::json;
using Response = http::response<http::string_body>;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr auto kStepTimeout = std::chrono::seconds(30);
constexpr std::size_t kBodyLimit = 8 * 1024 * 1024;

constexpr std::string_view kDiscordId = "123456789012345678";
constexpr std::string_view kDiscordToken = "tok-SECRET-d1sc0rd";
constexpr std::string_view kSlackPath = "/services/T0001/B0002/";
constexpr std::string_view kSlackToken = "XSECRETsl4ck";
constexpr std::string_view kWebhookToken = "SECRET-h00k";

/// Ignores what ends a connection in the ordinary way; the fake logs nothing.
void fail(const boost::system::error_code& ec, const char* what) {
  (void)ec;
  (void)what;
}

// ---- Discord's payload rules -------------------------------------------------------------

/// Adds one error under `path` of Discord's errors tree.
void add_error(json& errors, const std::vector<std::string>& path, const std::string& code,
               const std::string& message) {
  json* node = &errors;
  for (const auto& p : path) node = &(*node)[p];
  (*node)["_errors"].push_back({{"code", code}, {"message", message}});
}

/// Checks a string member: its type, presence and length in code points; returns the length.
std::size_t check_text(const json& obj, const char* key, std::size_t max, bool required, json& errors,
                       std::vector<std::string> path) {
  path.emplace_back(key);
  if (!obj.is_object() || !obj.contains(key) || obj[key].is_null()) {
    if (required) add_error(errors, path, "BASE_TYPE_REQUIRED", "This field is required");
    return 0;
  }
  const auto& v = obj[key];
  if (!v.is_string()) {
    add_error(errors, path, "BASE_TYPE_STRING", "Value must be a string.");
    return 0;
  }
  const std::size_t n = code_points(v.get_ref<const std::string&>());
  if (required && n == 0) add_error(errors, path, "BASE_TYPE_REQUIRED", "This field is required");
  if (n > max) {
    add_error(errors, path, "BASE_TYPE_MAX_LENGTH", "Must be " + std::to_string(max) + " or fewer in length.");
  }
  return n;
}

// ---- Slack's payload rules ----------------------------------------------------------------

/// The `text` of a Slack text object, or nullopt when it is not one.
std::optional<std::string> text_of(const json& obj) {
  if (!obj.is_object() || !obj.contains("text") || !obj["text"].is_string()) return std::nullopt;
  return obj["text"].get<std::string>();
}

bool slack_block_ok(const json& block) {
  if (!block.is_object() || !block.contains("type") || !block["type"].is_string()) return false;
  const auto type = block["type"].get<std::string>();
  if (type == "header") {
    auto t = text_of(block.value("text", json()));
    return t && code_points(*t) >= 1 && code_points(*t) <= 150;
  }
  if (type == "section") {
    const bool has_text = block.contains("text");
    const bool has_fields = block.contains("fields");
    if (!has_text && !has_fields) return false;
    if (has_text) {
      auto t = text_of(block["text"]);
      if (!t || code_points(*t) < 1 || code_points(*t) > 3000) return false;
    }
    if (has_fields) {
      const auto& f = block["fields"];
      if (!f.is_array() || f.empty() || f.size() > 10) return false;
      for (const auto& field : f) {
        auto t = text_of(field);
        if (!t || code_points(*t) < 1 || code_points(*t) > 2000) return false;
      }
    }
    return true;
  }
  if (type == "context") {
    const auto& e = block.value("elements", json());
    return e.is_array() && !e.empty() && e.size() <= 10;
  }
  return true;  // divider, image, actions...: not checked
}

// ---- Answers ------------------------------------------------------------------------------

struct Fault {
  enum class Kind { status, rate_limited, not_found, close, delay, echo_path } kind;
  int status = 0;
  double retry_after = 0;
  bool global = false;
  std::chrono::milliseconds delay{0};
};

Response make_response(unsigned status, std::string_view content_type, std::string body) {
  Response res{static_cast<http::status>(status), 11};
  res.set(http::field::server, "fake-platform");
  if (!content_type.empty()) res.set(http::field::content_type, content_type);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response json_response(unsigned status, const json& body) {
  return make_response(status, "application/json", body.dump());
}

/// The query parameter `key` of `target`, or nullopt.
std::optional<std::string> query_param(std::string_view target, std::string_view key) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const auto pair = rest.substr(0, amp);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) == key) {
      return std::string(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

/// Discord's per-route bucket: 5 requests per 2 s, reported on every answer.
class DiscordBucket {
 public:
  void count() {
    const auto now = std::chrono::steady_clock::now();
    if (now >= reset_at_) {
      reset_at_ = now + std::chrono::seconds(2);
      used_ = 0;
    }
    ++used_;
  }
  void headers(Response& res) const {
    const auto now_steady = std::chrono::steady_clock::now();
    const double after =
        std::max(0.0, std::chrono::duration<double>(reset_at_ - now_steady).count());
    const double epoch =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count() + after;
    res.set("X-RateLimit-Limit", "5");
    res.set("X-RateLimit-Remaining", std::to_string(used_ >= 5 ? 0 : 5 - used_));
    res.set("X-RateLimit-Reset", fixed3(epoch));
    res.set("X-RateLimit-Reset-After", fixed3(after));
    res.set("X-RateLimit-Bucket", "f1e2d3c4b5a6978812345678abcdef01");
  }

  static std::string fixed3(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3f", v);
    return buf;
  }

 private:
  std::chrono::steady_clock::time_point reset_at_{};
  int used_ = 0;
};

/// Discord's limit enforced (FakePlatform::enforce_rate_limit): at most `count` served requests
/// within any `per`, over their arrival times; a refused request is not counted.
class SlidingLimit {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  SlidingLimit(std::size_t count, std::chrono::milliseconds per) : count_(count), per_(per) {}

  /// Counts a request arriving at `now` and returns nullopt, or, when the window is full,
  /// counts nothing and returns the seconds until a place frees.
  std::optional<double> admit(time_point now) {
    expire(now);
    if (served_.size() >= count_) return seconds(served_.front() + per_ - now);
    served_.push_back(now);
    return std::nullopt;
  }

  void headers(Response& res, time_point now) {
    expire(now);
    const double after = served_.empty() ? 0.0 : seconds(served_.front() + per_ - now);
    const double epoch =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count() + after;
    res.set("X-RateLimit-Limit", std::to_string(count_));
    res.set("X-RateLimit-Remaining", std::to_string(count_ - std::min(count_, served_.size())));
    res.set("X-RateLimit-Reset", DiscordBucket::fixed3(epoch));
    res.set("X-RateLimit-Reset-After", DiscordBucket::fixed3(after));
    res.set("X-RateLimit-Bucket", "f1e2d3c4b5a6978812345678abcdef01");
  }

 private:
  static double seconds(std::chrono::steady_clock::duration d) {
    return std::max(0.0, std::chrono::duration<double>(d).count());
  }
  void expire(time_point now) {
    while (!served_.empty() && served_.front() + per_ <= now) served_.pop_front();
  }

  std::size_t count_;
  std::chrono::milliseconds per_;
  std::deque<time_point> served_;
};

/// Discord's 429 for `retry_after` seconds.
Response discord_rate_limited(double retry_after, bool global) {
  Response res = json_response(429, {{"message", "You are being rate limited."},
                                     {"retry_after", retry_after},
                                     {"global", global}});
  res.set("Retry-After", std::to_string(static_cast<long>(std::ceil(retry_after))));
  res.set("X-RateLimit-Scope", global ? "global" : "user");
  if (global) res.set("X-RateLimit-Global", "true");
  return res;
}

/// `limit` is set when enforce_rate_limit() was called; `limited` says whether it refused.
Response discord_answer(const FakePlatform::Request& req, const std::optional<Fault>& fault,
                        DiscordBucket& bucket, SlidingLimit* limit, std::uint64_t& next_id, bool& limited) {
  limited = false;
  Response res;
  const auto path = path_of(req.target);
  const std::string expected = "/api/webhooks/" + std::string(kDiscordId) + "/" + std::string(kDiscordToken);
  const std::string expected_v10 = "/api/v10/webhooks/" + std::string(kDiscordId) + "/" + std::string(kDiscordToken);
  const auto now = req.received_at;
  if (limit && (!fault || fault->kind == Fault::Kind::delay)) {
    if (auto wait = limit->admit(now)) {
      limited = true;
      res = discord_rate_limited(*wait, false);
      limit->headers(res, now);
      res.set("X-RateLimit-Reset-After", DiscordBucket::fixed3(*wait));
      return res;
    }
  }
  if (!limit) bucket.count();
  if (fault && fault->kind == Fault::Kind::rate_limited) {
    res = discord_rate_limited(fault->retry_after, fault->global);
    bucket.headers(res);
    // As Discord: the bucket is empty and resets when the wait is over.
    res.set("X-RateLimit-Remaining", "0");
    res.set("X-RateLimit-Reset-After", DiscordBucket::fixed3(fault->retry_after));
    return res;
  }
  if (fault && fault->kind == Fault::Kind::not_found) {
    res = json_response(404, {{"message", "Unknown Webhook"}, {"code", 10015}});
  } else if (req.method != "POST") {
    res = json_response(405, {{"message", "405: Method Not Allowed"}, {"code", 0}});
  } else if (path != expected && path != expected_v10) {
    if (path.starts_with("/api/webhooks/") || path.starts_with("/api/v10/webhooks/")) {
      res = json_response(401, {{"message", "Invalid Webhook Token"}, {"code", 50027}});
    } else {
      res = json_response(404, {{"message", "404: Not Found"}, {"code", 0}});
    }
  } else if (req.json.is_discarded() || !req.json.is_object()) {
    res = json_response(400, {{"message", "The request body contains invalid JSON."}, {"code", 50109}});
  } else if (auto err = discord_payload_error(req.json)) {
    res = json_response(400, *err);
  } else if (auto wait = query_param(req.target, "wait"); wait && (*wait == "true" || *wait == "1")) {
    json msg = {{"id", std::to_string(next_id++)},
                {"type", 0},
                {"channel_id", "223456789012345678"},
                {"webhook_id", std::string(kDiscordId)},
                {"content", req.json.value("content", "")},
                {"embeds", req.json.value("embeds", json::array())},
                {"timestamp", "2026-11-22T04:49:46.000000+00:00"}};
    res = json_response(200, msg);
  } else {
    res = make_response(204, "", "");
  }
  if (limit) {
    limit->headers(res, now);
  } else {
    bucket.headers(res);
  }
  return res;
}

Response slack_answer(const FakePlatform::Request& req, const std::optional<Fault>& fault) {
  const auto path = path_of(req.target);
  const auto text = [](unsigned status, std::string body) {
    return make_response(status, "text/plain; charset=utf-8", std::move(body));
  };
  if (fault && fault->kind == Fault::Kind::rate_limited) {
    auto res = text(429, "rate_limited");
    res.set("Retry-After", std::to_string(static_cast<long>(std::ceil(fault->retry_after))));
    return res;
  }
  if (fault && fault->kind == Fault::Kind::not_found) return text(404, "no_service");
  if (req.method != "POST") return text(405, "invalid_method");
  if (path != std::string(kSlackPath) + std::string(kSlackToken)) {
    return path.starts_with("/services/") ? text(403, "invalid_token") : text(404, "no_service");
  }
  if (auto err = slack_payload_error(req.body)) return text(400, *err);
  return text(200, "ok");
}

Response webhook_answer(const FakePlatform::Request& req, const std::optional<Fault>& fault) {
  if (fault && fault->kind == Fault::Kind::rate_limited) {
    auto res = json_response(429, {{"error", "rate limited"}});
    res.set("Retry-After", std::to_string(static_cast<long>(std::ceil(fault->retry_after))));
    return res;
  }
  if (fault && fault->kind == Fault::Kind::not_found) return json_response(404, {{"error", "not found"}});
  if (req.method != "POST") return json_response(405, {{"error", "method not allowed"}});
  if (req.json.is_discarded()) return json_response(400, {{"error", "invalid json"}});
  return json_response(200, json::object());
}

/// What a proxy in front of the platform answers with `status`.
Response proxy_answer(int status) {
  const std::string line =
      std::to_string(status) + " " + std::string(http::obsolete_reason(static_cast<http::status>(status)));
  return make_response(static_cast<unsigned>(status), "text/html",
                       "<html>\r\n<head><title>" + line + "</title></head>\r\n<body>\r\n<center><h1>" +
                           line + "</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n");
}

}  // namespace

std::size_t code_points(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::optional<json> discord_payload_error(const json& payload) {
  json errors = json::object();
  check_text(payload, "content", 2000, false, errors, {});
  check_text(payload, "username", 80, false, errors, {});
  bool has_embeds = false;
  if (payload.contains("embeds") && !payload["embeds"].is_null()) {
    const auto& embeds = payload["embeds"];
    if (!embeds.is_array()) {
      add_error(errors, {"embeds"}, "BASE_TYPE_ARRAY", "Must be an array.");
    } else if (embeds.size() > 10) {
      add_error(errors, {"embeds"}, "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.");
    } else {
      has_embeds = !embeds.empty();
      std::size_t total = 0;
      for (std::size_t i = 0; i < embeds.size(); ++i) {
        const auto& e = embeds[i];
        const std::vector<std::string> at{"embeds", std::to_string(i)};
        if (!e.is_object()) {
          add_error(errors, at, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType");
          continue;
        }
        total += check_text(e, "title", 256, false, errors, at);
        total += check_text(e, "description", 4096, false, errors, at);
        if (e.contains("footer")) {
          auto footer_at = at;
          footer_at.emplace_back("footer");
          total += check_text(e["footer"], "text", 2048, true, errors, footer_at);
        }
        if (e.contains("author")) {
          auto author_at = at;
          author_at.emplace_back("author");
          total += check_text(e["author"], "name", 256, true, errors, author_at);
        }
        if (e.contains("fields")) {
          const auto& fields = e["fields"];
          auto fields_at = at;
          fields_at.emplace_back("fields");
          if (!fields.is_array()) {
            add_error(errors, fields_at, "BASE_TYPE_ARRAY", "Must be an array.");
          } else if (fields.size() > 25) {
            add_error(errors, fields_at, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.");
          } else {
            for (std::size_t j = 0; j < fields.size(); ++j) {
              auto field_at = fields_at;
              field_at.push_back(std::to_string(j));
              total += check_text(fields[j], "name", 256, true, errors, field_at);
              total += check_text(fields[j], "value", 1024, true, errors, field_at);
            }
          }
        }
      }
      if (total > 6000) {
        add_error(errors, {"embeds"}, "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000");
      }
    }
  }
  if (!errors.empty()) return json{{"code", 50035}, {"message", "Invalid Form Body"}, {"errors", errors}};
  const bool has_content = payload.contains("content") && payload["content"].is_string() &&
                           !payload["content"].get_ref<const std::string&>().empty();
  if (!has_content && !has_embeds) return json{{"code", 50006}, {"message", "Cannot send an empty message"}};
  return std::nullopt;
}

std::optional<std::string> slack_payload_error(std::string_view body) {
  const json payload = json::parse(body, nullptr, false);
  if (payload.is_discarded() || !payload.is_object()) return "invalid_payload";
  const bool has_text = payload.contains("text") && payload["text"].is_string() &&
                        !payload["text"].get_ref<const std::string&>().empty();
  const bool has_blocks = payload.contains("blocks") && payload["blocks"].is_array() && !payload["blocks"].empty();
  if (payload.contains("blocks")) {
    const auto& blocks = payload["blocks"];
    if (!blocks.is_array() || blocks.size() > 50) return "invalid_blocks";
    for (const auto& b : blocks) {
      if (!slack_block_ok(b)) return "invalid_blocks";
    }
  }
  if (!has_text && !has_blocks) return "no_text";
  return std::nullopt;
}

// ---- The server ---------------------------------------------------------------------------

struct FakePlatform::State {
  State(Mode mode, std::optional<TlsFiles> tls);
  ~State();

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> session(tcp::socket socket);
  asio::awaitable<void> serve_tls(tcp::socket socket, std::size_t connection);
  template <class Stream>
  asio::awaitable<void> serve(Stream& stream, std::size_t connection);
  std::optional<Fault> next_fault();
  Response answer(const Request& req, const std::optional<Fault>& fault);
  void push(Fault f);

  /// A live connection, so that close_idle_connections() and the destructor can end it.
  struct Conn {
    beast::tcp_stream* stream;
    bool idle;
    bool close_when_idle = false;  ///< close_idle_connections() came while it was busy
  };

  // Declared first, destroyed last: sessions abandoned by io_.stop() die with io_.
  std::optional<ssl::context> ssl_ctx_;
  asio::io_context io_;
  Mode mode_;
  tcp::acceptor acceptor_{io_};
  std::uint16_t port_ = 0;
  std::list<Conn> conns_;  // io thread only
  bool stopping_ = false;  // io thread only
  DiscordBucket bucket_;   // io thread only
  std::optional<SlidingLimit> limit_;  // io thread only; set by enforce_rate_limit()
  std::uint64_t next_message_id_ = 1300000000000000001ULL;

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::deque<Fault> faults_;
  std::vector<Request> requests_;
  std::size_t connections_ = 0;
  bool keep_alive_ = true;
  int down_status_ = 0;  // set_down()
  std::size_t rate_limited_ = 0;  // 429s sent by limit_

  std::thread thread_;
};

FakePlatform::State::State(Mode mode, std::optional<TlsFiles> tls) : mode_(mode) {
  if (tls) {
    ssl_ctx_.emplace(ssl::context::tls_server);
    SSL_CTX_set_min_proto_version(ssl_ctx_->native_handle(), TLS1_2_VERSION);
    ssl_ctx_->use_certificate_chain_file(tls->cert_file);
    ssl_ctx_->use_private_key_file(tls->key_file, ssl::context::pem);
  }
  const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
  acceptor_.open(ep.protocol());
  acceptor_.bind(ep);
  acceptor_.listen();
  port_ = acceptor_.local_endpoint().port();
  asio::co_spawn(io_, accept_loop(), asio::detached);
  thread_ = std::thread([this] { io_.run(); });
}

FakePlatform::State::~State() {
  // Close everything on the io thread, then stop it: whatever is still pending (a delayed
  // answer, a handshake) is abandoned, so this never waits on a client.
  asio::post(io_, [this] {
    stopping_ = true;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    for (auto& c : conns_) c.stream->socket().close(ignored);
    io_.stop();
  });
  thread_.join();
}

asio::awaitable<void> FakePlatform::State::accept_loop() {
  while (!stopping_) {
    auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
    if (ec) {
      fail(ec, "accept");
      if (stopping_ || ec == asio::error::operation_aborted) break;
      continue;
    }
    asio::co_spawn(io_, session(std::move(socket)), asio::detached);
  }
}

asio::awaitable<void> FakePlatform::State::session(tcp::socket socket) {
  std::size_t connection = 0;
  {
    std::lock_guard lock(mu_);
    connection = ++connections_;
  }
  if (ssl_ctx_) {
    co_await serve_tls(std::move(socket), connection);
  } else {
    beast::tcp_stream stream(std::move(socket));
    co_await serve(stream, connection);
  }
}

asio::awaitable<void> FakePlatform::State::serve_tls(tcp::socket socket, std::size_t connection) {
  ssl::stream<beast::tcp_stream> stream(std::move(socket), *ssl_ctx_);
  auto& lowest = beast::get_lowest_layer(stream);
  auto self = conns_.insert(conns_.end(), Conn{&lowest, false});
  lowest.expires_after(kStepTimeout);
  auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, use_tuple);
  conns_.erase(self);
  if (ec) {
    fail(ec, "handshake");  // e.g. the client refused our certificate
  } else {
    co_await serve(stream, connection);
  }
}

template <class Stream>
asio::awaitable<void> FakePlatform::State::serve(Stream& stream, std::size_t connection) {
  auto& lowest = beast::get_lowest_layer(stream);
  auto self = conns_.insert(conns_.end(), Conn{&lowest, true});
  beast::flat_buffer buffer;
  for (;;) {
    if (self->close_when_idle) break;
    self->idle = true;
    http::request_parser<http::string_body> parser;
    parser.body_limit(kBodyLimit);
    lowest.expires_after(kStepTimeout);
    auto [rec, rn] = co_await http::async_read(stream, buffer, parser, use_tuple);
    self->idle = false;
    if (rec || stopping_) {
      fail(rec, "read");
      break;
    }
    const auto& msg = parser.get();
    Request req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    for (const auto& f : msg) {
      std::string name(f.name_string());
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      req.headers[name] = std::string(f.value());
    }
    req.body = msg.body();
    req.json = json::parse(req.body, nullptr, false);
    req.connection = connection;
    req.received_at = std::chrono::steady_clock::now();
    const bool client_keep_alive = msg.keep_alive();

    std::optional<Fault> fault = next_fault();
    bool keep_alive = false;
    std::size_t index = 0;
    {
      std::lock_guard lock(mu_);
      keep_alive = keep_alive_ && client_keep_alive;
      if (!fault && down_status_ != 0) fault = Fault{Fault::Kind::status, down_status_};
      index = requests_.size();
      requests_.push_back(req);
    }
    cv_.notify_all();

    if (fault && fault->kind == Fault::Kind::close) break;
    if (fault && fault->kind == Fault::Kind::delay) {
      asio::steady_timer timer(io_, fault->delay);
      co_await timer.async_wait(use_tuple);
      if (stopping_) break;
    }
    Response res = answer(req, fault);
    {
      std::lock_guard lock(mu_);
      requests_[index].status = static_cast<int>(res.result_int());
    }
    cv_.notify_all();
    res.keep_alive(keep_alive);
    lowest.expires_after(kStepTimeout);
    auto [wec, wn] = co_await http::async_write(stream, res, use_tuple);
    if (wec) {
      fail(wec, "write");
      break;
    }
    if (!keep_alive) break;
  }
  boost::system::error_code ignored;
  lowest.socket().shutdown(tcp::socket::shutdown_both, ignored);
  lowest.socket().close(ignored);
  conns_.erase(self);
}

std::optional<Fault> FakePlatform::State::next_fault() {
  std::lock_guard lock(mu_);
  if (faults_.empty()) return std::nullopt;
  Fault f = faults_.front();
  faults_.pop_front();
  return f;
}

Response FakePlatform::State::answer(const Request& req, const std::optional<Fault>& fault) {
  if (fault && fault->kind == Fault::Kind::status) return proxy_answer(fault->status);
  if (fault && fault->kind == Fault::Kind::echo_path) {
    // What a framework's default page for an unknown route says: the method and the path.
    Response res = make_response(static_cast<unsigned>(fault->status), "text/plain; charset=utf-8",
                                 "Cannot POST " + req.target + "\n");
    res.set(http::field::location, "http://127.0.0.1" + req.target);
    return res;
  }
  switch (mode_) {
    case Mode::discord: {
      bool limited = false;
      Response res = discord_answer(req, fault, bucket_, limit_ ? &*limit_ : nullptr, next_message_id_, limited);
      if (limited) {
        std::lock_guard lock(mu_);
        ++rate_limited_;
      }
      return res;
    }
    case Mode::slack: return slack_answer(req, fault);
    case Mode::webhook: return webhook_answer(req, fault);
  }
  return proxy_answer(500);
}

void FakePlatform::State::push(Fault f) {
  std::lock_guard lock(mu_);
  faults_.push_back(f);
}

// ---- The public face ----------------------------------------------------------------------

FakePlatform::FakePlatform(Mode mode) : state_(std::make_unique<State>(mode, std::nullopt)) {}

FakePlatform::FakePlatform(Mode mode, const TlsFiles& tls) : state_(std::make_unique<State>(mode, tls)) {}

FakePlatform::~FakePlatform() = default;

FakePlatform::Mode FakePlatform::mode() const { return state_->mode_; }

std::uint16_t FakePlatform::port() const { return state_->port_; }

std::string FakePlatform::url() const {
  const std::string base = state_->ssl_ctx_ ? "https://localhost:" + std::to_string(port())
                                            : "http://127.0.0.1:" + std::to_string(port());
  switch (state_->mode_) {
    case Mode::discord:
      return base + "/api/webhooks/" + std::string(kDiscordId) + "/" + std::string(kDiscordToken);
    case Mode::slack:
      return base + std::string(kSlackPath) + std::string(kSlackToken);
    case Mode::webhook:
      return base + "/hooks/erralert?key=" + std::string(kWebhookToken);
  }
  return base;
}

std::string FakePlatform::token() const {
  switch (state_->mode_) {
    case Mode::discord: return std::string(kDiscordToken);
    case Mode::slack: return std::string(kSlackToken);
    case Mode::webhook: return std::string(kWebhookToken);
  }
  return {};
}

void FakePlatform::push_status(int status) { state_->push({Fault::Kind::status, status}); }

void FakePlatform::push_rate_limited(double retry_after_seconds, bool global) {
  state_->push({Fault::Kind::rate_limited, 429, retry_after_seconds, global});
}

void FakePlatform::push_echo_path(int status) { state_->push({Fault::Kind::echo_path, status}); }

void FakePlatform::push_not_found() { state_->push({Fault::Kind::not_found, 404}); }

void FakePlatform::push_close() { state_->push({Fault::Kind::close}); }

void FakePlatform::push_delay(std::chrono::milliseconds delay) {
  state_->push({Fault::Kind::delay, 0, 0, false, delay});
}

void FakePlatform::set_down(int status) {
  std::lock_guard lock(state_->mu_);
  state_->down_status_ = status;
}

void FakePlatform::enforce_rate_limit(std::size_t count, std::chrono::milliseconds per) {
  auto done = std::make_shared<std::promise<void>>();
  auto set = done->get_future();
  asio::post(state_->io_, [state = state_.get(), count, per, done] {
    state->limit_.emplace(count, per);
    done->set_value();
  });
  set.wait_for(std::chrono::seconds(5));
}

std::size_t FakePlatform::rate_limited_count() const {
  std::lock_guard lock(state_->mu_);
  return state_->rate_limited_;
}

void FakePlatform::set_keep_alive(bool keep_alive) {
  std::lock_guard lock(state_->mu_);
  state_->keep_alive_ = keep_alive;
}

void FakePlatform::close_idle_connections() {
  auto done = std::make_shared<std::promise<void>>();
  auto closed = done->get_future();
  asio::post(state_->io_, [state = state_.get(), done] {
    boost::system::error_code ignored;
    for (auto& c : state->conns_) {
      // A session that has just written its answer is not yet reading again: it closes as
      // soon as it is, so the caller's next request never finds it open.
      if (c.idle) {
        c.stream->socket().close(ignored);
      } else {
        c.close_when_idle = true;
      }
    }
    done->set_value();
  });
  closed.wait_for(std::chrono::seconds(5));
}

std::vector<FakePlatform::Request> FakePlatform::requests() const {
  std::lock_guard lock(state_->mu_);
  return state_->requests_;
}

std::size_t FakePlatform::request_count() const {
  std::lock_guard lock(state_->mu_);
  return state_->requests_.size();
}

bool FakePlatform::wait_for_requests(std::size_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(state_->mu_);
  return state_->cv_.wait_for(lock, timeout, [&] { return state_->requests_.size() >= n; });
}

std::size_t FakePlatform::connection_count() const {
  std::lock_guard lock(state_->mu_);
  return state_->connections_;
}

}  // namespace erralert::testing
