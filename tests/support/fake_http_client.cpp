// FakeHttpClient: a script of answers, a log of posts, and a Signal that held posts wait on.
#include "support/fake_http_client.hpp"

#include <utility>

namespace erralert::testing {

namespace asio = boost::asio;

namespace {

/// What ReceiverContext::make_client hands out: a client that forwards to the test's fake.
class Forwarder final : public net::HttpClient {
 public:
  explicit Forwarder(FakeHttpClient& fake) : fake_(fake) {}
  asio::awaitable<net::ClientResult> post(std::string body, std::string_view content_type,
                                          std::string_view extra_query) override {
    return fake_.post(std::move(body), content_type, extra_query);
  }
  void close() override { fake_.close(); }
  const std::optional<std::string>& setup_error() const override { return fake_.setup_error(); }

 private:
  FakeHttpClient& fake_;
};

}  // namespace

FakeHttpClient::Reply FakeHttpClient::Reply::status(int status, std::map<std::string, std::string> headers,
                                                    std::string body) {
  Reply r;
  r.result.response.status = status;
  r.result.response.headers = std::move(headers);
  r.result.response.body = std::move(body);
  return r;
}

FakeHttpClient::Reply FakeHttpClient::Reply::error(net::ClientErrorKind kind, std::string message) {
  Reply r;
  r.result.error = kind;
  r.result.message = std::move(message);
  return r;
}

FakeHttpClient::Reply FakeHttpClient::Reply::held() && {
  hold = true;
  return std::move(*this);
}

FakeHttpClient::FakeHttpClient(const asio::any_io_executor& ex) : changed_(ex) {}

void FakeHttpClient::push(Reply reply) { script_.push_back(std::move(reply)); }

void FakeHttpClient::release() {
  ++releases_;
  changed_.notify();
}

void FakeHttpClient::fail_setup(std::string why) { setup_error_ = std::move(why); }

std::function<std::unique_ptr<net::HttpClient>(const config::Receiver&)> FakeHttpClient::factory() {
  return [this](const config::Receiver&) { return std::make_unique<Forwarder>(*this); };
}

asio::awaitable<net::ClientResult> FakeHttpClient::post(std::string body, std::string_view content_type,
                                                        std::string_view extra_query) {
  Post& p = posts_.emplace_back();
  p.json = nlohmann::json::parse(body, nullptr, false);
  p.body = std::move(body);
  p.content_type = content_type;
  p.query = extra_query;
  if (setup_error_) co_return Reply::error(net::ClientErrorKind::network, *setup_error_).result;

  Reply reply = Reply::status(200);
  if (!script_.empty()) {
    reply = std::move(script_.front());
    script_.pop_front();
  }
  if (reply.hold) {
    const std::size_t closes_before = closes_;
    ++held_;
    while (releases_ == 0 && closes_ == closes_before) co_await changed_.wait();
    --held_;
    if (closes_ != closes_before) co_return Reply::error(net::ClientErrorKind::network, "connection closed").result;
    --releases_;
  }
  co_return std::move(reply.result);
}

void FakeHttpClient::close() {
  ++closes_;
  changed_.notify();
}

}  // namespace erralert::testing
