// libcurl's multi interface driven by a Boost.Asio io_context (fb_curl, shared
// by ddns/ and health/'s probes): curl tells us which sockets to watch
// (CURLMOPT_SOCKETFUNCTION) and when to wake it (CURLMOPT_TIMERFUNCTION); we
// wait with posix::stream_descriptor::async_wait and one steady_timer, and
// call curl_multi_socket_action() when either fires. Nothing blocks the loop.
//
// Contract: single-threaded (the io_context's thread). The easy handles stay
// owned by the caller; add() takes a completion called once with the
// transfer's CURLcode after the handle has left the multi, from an Asio
// handler (never from inside add()). remove() aborts without a callback.
// curl owns the sockets: our descriptors are released, never closed, and a
// socket curl closes is forgotten first (CURLOPT_CLOSESOCKETFUNCTION via
// prepare()), so a reused fd number never inherits stale registrations.
#pragma once

#include <curl/curl.h>

#include <functional>
#include <memory>

#include <utility>  // before Asio: Boost 1.74's awaitable.hpp misses it under GCC 12

#include <boost/asio/io_context.hpp>

namespace fb {

class CurlMulti {
 public:
  using Done = std::function<void(CURLcode)>;

  explicit CurlMulti(boost::asio::io_context& io);
  ~CurlMulti();
  CurlMulti(const CurlMulti&) = delete;
  CurlMulti& operator=(const CurlMulti&) = delete;

  // Sets the easy handle's socket-close hook; call before add().
  void prepare(CURL* easy);
  // Throws std::runtime_error when curl refuses the handle.
  void add(CURL* easy, Done done);
  void remove(CURL* easy);
  std::size_t active() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace fb
