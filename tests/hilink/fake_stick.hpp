// The fake router stick (fake_hilink_server.py or fake_zte_server.py) as a
// child process on loopback, a client rig around HiLinkClient on its own
// io_context, and check_code: what client_test.cpp and zte_client_test.cpp
// share. The fake is killed when the test ends; each reading runs the loop
// until it is answered, within a bound.
#pragma once

#include <curl/curl.h>
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fb/hilink/client.hpp"
#include "io_wait.hpp"
#include "process.hpp"

namespace fb::hilink::test {

using namespace std::chrono_literals;

class FakeStick {
 public:
  // `server`: the fake's script; `api`: the dialect it speaks.
  FakeStick(const std::string& server, modem::RouterApi api, std::vector<std::string> args = {}) : api_(api) {
    std::vector<std::string> argv{FB_PYTHON3, "-u", server};
    argv.insert(argv.end(), args.begin(), args.end());
    process_ = std::make_unique<fb::test::Process>(argv, fb::test::SpawnOptions{{}, dir_ / "out", dir_ / "err"});
    if (!fb::test::wait_for_text(dir_ / "out", "READY port=", 20s))
      FAIL("fake " << modem::to_string(api) << " stick did not start: " << fb::test::read_file(dir_ / "err"));
    unsigned p = 0;
    std::sscanf(fb::test::read_file(dir_ / "out").c_str(), "READY port=%u", &p);
    port_ = static_cast<unsigned short>(p);
  }

  modem::RouterApi api() const { return api_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // A control request (blocking curl easy: the client's loop is not running).
  nlohmann::json control(const std::string& path_and_query) const {
    CURL* e = curl_easy_init();
    std::string body;
    std::string url = base_url() + path_and_query;
    curl_easy_setopt(e, CURLOPT_URL, url.c_str());
    curl_easy_setopt(
        e, CURLOPT_WRITEFUNCTION, +[](char* d, size_t s, size_t n, void* out) {
          static_cast<std::string*>(out)->append(d, s * n);
          return s * n;
        });
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(e, CURLOPT_PROXY, "");
    CURLcode rc = curl_easy_perform(e);
    curl_easy_cleanup(e);
    REQUIRE_MESSAGE(rc == CURLE_OK, "control " << path_and_query << ": " << curl_easy_strerror(rc));
    return nlohmann::json::parse(body);
  }
  nlohmann::json state() const { return control("/_control/state"); }
  void fault(const std::string& name, int count = 1) const {
    control("/_control/fault?name=" + name + "&count=" + std::to_string(count));
  }
  // How many requests went to `path`.
  int count(const std::string& path) const {
    nlohmann::json st = state();  // held: a range-for over state()["requests"] would outlive the temporary
    int n = 0;
    for (const auto& r : st["requests"]) n += r["path"] == path;
    return n;
  }

 private:
  modem::RouterApi api_;
  fb::test::TempDir dir_;
  std::unique_ptr<fb::test::Process> process_;
  unsigned short port_ = 0;
};

// A HiLinkClient in the fake's dialect, at its address.
struct Rig {
  boost::asio::io_context io;
  fb::test::TempDir dir;
  std::unique_ptr<HiLinkClient> client;

  explicit Rig(const FakeStick& fake, const std::string& password = "", std::chrono::milliseconds timeout = 3000ms) {
    ClientSettings s;
    s.api = fake.api();
    s.base_url = fake.base_url();
    s.request_timeout = timeout;
    if (!password.empty()) {
      s.password_file = dir / "stick-password";
      fb::test::write_file(s.password_file, password + "\n", 0600);
    }
    auto made = HiLinkClient::create(io, s);
    REQUIRE_MESSAGE(made.ok(), describe(made));
    client = std::move(made).value();
  }

  // Runs the loop until `result` holds an answer (bounded).
  template <class T>
  Result<T> wait(std::optional<Result<T>>& result, std::chrono::milliseconds limit = 15s) {
    bool done = fb::test::run_until(
        io, [&] { return result.has_value(); }, limit);
    REQUIRE_MESSAGE(done, "no answer within the test's limit");
    return *result;
  }

  Result<Status> status() {
    std::optional<Result<Status>> r;
    client->status([&](Result<Status> x) { r = std::move(x); });
    CHECK_FALSE(r.has_value());  // never answered from inside the call
    return wait(r);
  }
  Result<Signal> signal() {
    std::optional<Result<Signal>> r;
    client->signal([&](Result<Signal> x) { r = std::move(x); });
    return wait(r);
  }
  Result<Plmn> plmn() {
    std::optional<Result<Plmn>> r;
    client->plmn([&](Result<Plmn> x) { r = std::move(x); });
    return wait(r);
  }
  Result<Traffic> traffic() {
    std::optional<Result<Traffic>> r;
    client->traffic([&](Result<Traffic> x) { r = std::move(x); });
    return wait(r);
  }
  Result<void> set_data(bool on) {
    std::optional<Result<void>> r;
    client->set_data(on, [&](Result<void> x) { r = std::move(x); });
    return wait(r);
  }
  Result<void> reboot() {
    std::optional<Result<void>> r;
    client->reboot([&](Result<void> x) { r = std::move(x); });
    return wait(r);
  }
};

// A failed result with `code` and `words` in its detail.
void check_code(const auto& result, Code code, const std::string& words) {
  REQUIRE_FALSE(result.ok());
  CHECK_MESSAGE(result.code() == code, describe(result));
  CHECK_MESSAGE(result.error().detail.find(words) != std::string::npos, describe(result));
}

}  // namespace fb::hilink::test
