// FakeHttpClient: a net::HttpClient without sockets, for testing receivers: it records every
// post and answers from a script, and can hold an answer until the test releases it.
//
//   FakeHttpClient fake(io.get_executor());
//   ctx.make_client = fake.factory();                 // every client made posts to `fake`
//   fake.push(FakeHttpClient::Reply::status(503));    // first post: 503
//   fake.push(FakeHttpClient::Reply::status(200).held());  // second: 200, once released
//   ... run the io_context until fake.held() == 1 ...
//   fake.release();
//   EXPECT_EQ(fake.posts()[1].json["kind"], "first");
//
// A post with nothing scripted for it answers 200 with an empty body. close() ends held posts
// with a network error, as HttpsClient does. Single-threaded: use it on the io_context's thread.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include "erralert/config/config.hpp"
#include "erralert/net/https_client.hpp"
#include "erralert/net/signal.hpp"

namespace erralert::testing {

class FakeHttpClient final : public net::HttpClient {
 public:
  /// One post as the fake received it.
  struct Post {
    std::string body;
    nlohmann::json json;  ///< the parsed body; `is_discarded()` when it is not JSON
    std::string content_type;
    std::string query;  ///< the extra_query the caller asked for
  };

  /// One scripted answer.
  struct Reply {
    net::ClientResult result;
    bool hold = false;  ///< answer only after release()

    /// An HTTP answer.
    static Reply status(int status, std::map<std::string, std::string> headers = {}, std::string body = {});
    /// No HTTP answer: a timeout, network, TLS or protocol error.
    static Reply error(net::ClientErrorKind kind, std::string message = "scripted failure");
    /// The same answer, given only after release().
    Reply held() &&;
  };

  explicit FakeHttpClient(const boost::asio::any_io_executor& ex);
  FakeHttpClient(const FakeHttpClient&) = delete;
  FakeHttpClient& operator=(const FakeHttpClient&) = delete;

  /// Queues the answer to a later post; answers are used in order, one per post.
  void push(Reply reply);
  /// Lets the oldest held post answer (on the next turn of the io_context).
  void release();
  /// Makes every later post and setup_error() say the client cannot send.
  void fail_setup(std::string why);

  /// For ReceiverContext::make_client: each client it makes forwards to this fake (so the test
  /// keeps the script and the log across a restart); the fake must outlive their posts.
  std::function<std::unique_ptr<net::HttpClient>(const config::Receiver&)> factory();

  const std::vector<Post>& posts() const { return posts_; }
  /// Posts waiting for release().
  std::size_t held() const { return held_; }
  /// How often close() was called.
  std::size_t closes() const { return closes_; }

  boost::asio::awaitable<net::ClientResult> post(std::string body, std::string_view content_type,
                                                 std::string_view extra_query = {}) override;
  void close() override;
  const std::optional<std::string>& setup_error() const override { return setup_error_; }

 private:
  std::deque<Reply> script_;
  std::vector<Post> posts_;
  net::Signal changed_;          // after release() and close()
  std::size_t held_ = 0;
  std::size_t releases_ = 0;     // release() calls not yet taken by a held post
  std::size_t closes_ = 0;
  std::optional<std::string> setup_error_;
};

}  // namespace erralert::testing
