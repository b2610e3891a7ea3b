// `erralertd send`: build the event, check it locally, then HTTP POST or write to the Unix socket.
#include "erralert/app/send.hpp"

#include <fstream>
#include <iostream>
#include <iterator>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/write.hpp>

#include "erralert/app/daemon.hpp"
#include "erralert/app/http_call.hpp"
#include "erralert/core/parse.hpp"

namespace erralert::app {

namespace asio = boost::asio;

namespace {

nlohmann::json read_json_file(const std::string& file) {
  auto j = nlohmann::json::parse(read_input_text(file, "--json"), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    throw std::runtime_error("--json: " + file + " does not hold one JSON object");
  }
  return j;
}

/// Refuses locally what the daemon would refuse, so a typo is caught before anything is sent.
/// A missing service is left to the daemon, whose config may supply defaults.service.
std::optional<std::string> local_problem(const nlohmann::json& event) {
  core::ParseContext ctx;
  ctx.default_service = "(daemon default)";
  auto r = core::parse_event(event, ctx);
  if (r) return std::nullopt;
  std::string out;
  for (const auto& e : r.errors()) out += "  " + (e.field.empty() ? "event" : e.field) + ": " + e.reason + "\n";
  return out;
}

int send_http(const DaemonUrl& to, const std::string& body, std::ostream& out, std::ostream& err) {
  const std::string target = to.target.empty() || to.target == "/" ? "/v1/events" : to.target;
  try {
    const HttpAnswer res = http_call({"POST", to, target, body, ""});
    out << res.status << " " << res.body << "\n";
    if (res.status == 202) {
      auto j = nlohmann::json::parse(res.body, nullptr, false);
      const bool clean = j.is_object() && j.value("rejected", nlohmann::json::array()).empty();
      return clean ? kExitOk : kExitInvalid;
    }
    return res.status >= 500 ? kExitRuntime : kExitInvalid;
  } catch (const std::exception& e) {
    err << "erralertd send: cannot reach " << to.host << ":" << to.port << ": " << e.what() << "\n";
    return kExitRuntime;
  }
}

int send_unix(const std::string& path, const std::string& body, std::ostream& out, std::ostream& err) {
  try {
    asio::io_context io;
    asio::local::stream_protocol::socket sock(io);
    sock.connect(asio::local::stream_protocol::endpoint(path));
    asio::write(sock, asio::buffer(body + "\n"));
    out << "sent to unix:" << path << "\n";
    return kExitOk;
  } catch (const std::exception& e) {
    err << "erralertd send: cannot write to unix:" << path << ": " << e.what() << "\n";
    return kExitRuntime;
  }
}

}  // namespace

std::string read_input_text(const std::string& file, std::string_view option) {
  if (file == "-") return {std::istreambuf_iterator<char>(std::cin), {}};
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error(std::string(option) + ": cannot read " + file);
  return {std::istreambuf_iterator<char>(in), {}};
}

nlohmann::json build_event(const SendOptions& o) {
  nlohmann::json e = o.json_file ? read_json_file(*o.json_file) : nlohmann::json::object();
  if (o.service) e["service"] = *o.service;
  if (o.message) e["message"] = *o.message;
  if (o.code) e["code"] = *o.code;
  if (o.severity) e["severity"] = *o.severity;
  if (o.status) e["status"] = *o.status;
  if (o.path || o.method || !o.params.empty()) {
    auto& req = e["request"];
    if (!req.is_object()) req = nlohmann::json::object();
    if (o.path) req["path"] = *o.path;
    if (o.method) req["method"] = *o.method;
    for (const auto& kv : o.params) {
      const auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) {
        throw std::runtime_error("--param " + kv + ": expected KEY=VALUE");
      }
      req["params"][kv.substr(0, eq)] = kv.substr(eq + 1);
    }
  }
  return e;
}

int send_event(const SendOptions& o, std::ostream& out, std::ostream& err) {
  nlohmann::json event;
  try {
    event = build_event(o);
  } catch (const std::exception& e) {
    err << "erralertd send: " << e.what() << "\n";
    return kExitInvalid;
  }
  if (auto problem = local_problem(event)) {
    err << "erralertd send: the event is not valid:\n" << *problem;
    return kExitInvalid;
  }
  const std::string body = event.dump();
  constexpr std::string_view unix_prefix = "unix:";
  if (o.to.starts_with(unix_prefix)) return send_unix(o.to.substr(unix_prefix.size()), body, out, err);
  const auto url = parse_daemon_url(o.to);
  if (!url) {
    err << "erralertd send: --to must be http://HOST:PORT[/v1/events] or unix:PATH\n";
    return kExitUsage;
  }
  return send_http(*url, body, out, err);
}

}  // namespace erralert::app
