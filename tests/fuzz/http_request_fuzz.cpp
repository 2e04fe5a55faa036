// libFuzzer target: raw bytes through Beast's request parser (in memory, the
// way the server reads them) into fb::health::handle(). Any crash, sanitizer
// report or response outside the documented set of codes is a finding.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <cstdlib>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp misses it

#include "fb/health/handler.hpp"

namespace http = boost::beast::http;
using namespace fb::health;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Snapshot snapshot = [] {
    Snapshot s;
    s.version = "fuzz";
    s.uplinks = {{"wired", "eth0", "ethernet", UplinkState::up, false, ""},
                 {"cellular", "ppp0", "ppp", UplinkState::down, true, "NO_CARRIER"}};
    return s;
  }();
  static const HandlerPolicy policy{{fb::Prefix{*fb::IpAddress::parse("127.0.0.0"), 8}}};
  static const HttpCounters counters;

  http::request_parser<http::empty_body> parser;
  parser.header_limit(8192);
  boost::beast::error_code ec;
  auto buffer = boost::asio::buffer(data, size);
  while (buffer.size() > 0 && !parser.is_done()) {
    std::size_t used = parser.put(buffer, ec);
    if (ec == http::error::need_more || used == 0) break;
    if (ec) return 0;
    buffer += used;
  }
  if (!parser.is_header_done()) return 0;
  const auto& req = parser.get();
  for (const char* peer : {"127.0.0.1", "203.0.113.5"}) {
    Request request{std::string(req.method_string()), std::string(req.target()), *fb::IpAddress::parse(peer),
                    size % 2 ? "wired" : ""};
    Response r = handle(request, snapshot, policy, counters);
    switch (r.status) {
      case 200:
      case 403:
      case 404:
      case 405:
      case 503: break;
      default: std::abort();  // the handler promises only these
    }
    if (r.body.empty()) std::abort();
  }
  return 0;
}
