// One blocking HTTP/1.1 request with Beast: resolve, connect, write, read.
#include "erralert/app/http_call.hpp"

#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>

namespace erralert::app {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

std::optional<DaemonUrl> parse_daemon_url(std::string_view text) {
  auto url = boost::urls::parse_uri(text);
  if (!url || url->scheme() != "http" || url->host().empty()) return std::nullopt;
  DaemonUrl out{std::string(url->host()), url->has_port() ? std::string(url->port()) : "80",
                std::string(url->encoded_path())};
  if (url->has_query()) out.target += "?" + std::string(url->encoded_query());
  return out;
}

HttpAnswer http_call(const HttpCall& call) try {
  asio::io_context io;
  beast::tcp_stream stream(io);
  asio::ip::tcp::resolver resolver(io);
  stream.connect(resolver.resolve(call.to.host, call.to.port));
  http::request<http::string_body> req{http::string_to_verb(call.method), call.target, 11};
  req.set(http::field::host, call.to.host);
  req.set(http::field::user_agent, "erralertd-cli");
  if (!call.token.empty()) req.set(http::field::authorization, "Bearer " + call.token);
  if (!call.body.empty()) req.set(http::field::content_type, "application/json");
  req.body() = call.body;
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(stream, buf, res);
  return {static_cast<int>(res.result_int()), std::move(res.body())};
} catch (const boost::system::system_error& e) {
  // what() also names Asio's source file and function: the reason alone is what a user reads.
  throw std::runtime_error(e.code().message());
}

}  // namespace erralert::app
