// The HiLink stick's API for ModemService (fb/core/hilink_api.hpp):
// HiLinkClient, and its dry-run twin.
#include "fb/core/hilink_api.hpp"

#include <boost/asio/post.hpp>

#include "fb/log.hpp"

namespace fb::core {
namespace {

namespace asio = boost::asio;

class ClientApi : public HiLinkApi {
 public:
  ClientApi(std::unique_ptr<hilink::HiLinkClient> client, hilink::ClientSettings settings)
      : client_(std::move(client)), settings_(std::move(settings)) {}
  void status(Done<hilink::Status> done) override { client_->status(std::move(done)); }
  void signal(Done<hilink::Signal> done) override { client_->signal(std::move(done)); }
  void plmn(Done<hilink::Plmn> done) override { client_->plmn(std::move(done)); }
  void traffic(Done<hilink::Traffic> done) override { client_->traffic(std::move(done)); }
  void set_data(bool on, Done<void> done) override { client_->set_data(on, std::move(done)); }
  void reboot(Done<void> done) override { client_->reboot(std::move(done)); }
  bool switches() const override { return true; }
  std::string describe() const override { return client_->describe(); }

  // A client of its own on a private io_context: the daemon's is stopping,
  // and the stick wants a fresh session for the one request anyway.
  void data_off_at_exit(Duration limit) override {
    client_.reset();
    asio::io_context io;
    hilink::ClientSettings s = settings_;
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(limit);
    s.request_timeout = std::min(s.request_timeout, ms);
    s.connect_timeout = std::min(s.connect_timeout, ms);
    auto client = hilink::HiLinkClient::create(io, s);
    if (!client) {
      log_.warning() << "mobile data left on: " << fb::describe(client.error());
      return;
    }
    std::string outcome = "no answer within " + std::to_string(ms.count()) + " ms";
    (*client)->set_data(false, [&](hilink::Result<void> r) {
      outcome = r ? std::string() : fb::describe(r.error());
      io.stop();
    });
    io.run_for(limit);
    if (outcome.empty())
      log_.notice() << "mobile data switched off through the API";
    else
      log_.warning() << "mobile data may be left on: " << outcome;
  }

 private:
  std::unique_ptr<hilink::HiLinkClient> client_;
  hilink::ClientSettings settings_;
  Logger log_{"modem"};
};

class DryRunApi final : public ClientApi {
 public:
  DryRunApi(asio::io_context& io, std::unique_ptr<hilink::HiLinkClient> client, hilink::ClientSettings settings)
      : ClientApi(std::move(client), std::move(settings)), io_(io) {}
  void set_data(bool on, Done<void> done) override {
    withheld(std::string("dry-run: not switching mobile data ") + (on ? "on" : "off") + " through the API",
             std::move(done));
  }
  void reboot(Done<void> done) override { withheld("dry-run: not rebooting the stick", std::move(done)); }
  bool switches() const override { return false; }
  void data_off_at_exit(Duration) override { log_.notice() << "dry-run: mobile data left as it is"; }

 private:
  void withheld(const std::string& what, Done<void> done) {
    log_.notice() << what;
    asio::post(io_, [alive = std::weak_ptr<bool>(alive_), done = std::move(done)] {
      if (alive.lock()) done({});
    });
  }
  asio::io_context& io_;
  Logger log_{"modem"};
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace

HiLinkOpener make_hilink_opener(asio::io_context& io) {
  return [&io](const hilink::ClientSettings& settings) -> hilink::Result<std::unique_ptr<HiLinkApi>> {
    auto client = hilink::HiLinkClient::create(io, settings);
    if (!client) return client.error();
    return std::unique_ptr<HiLinkApi>(std::make_unique<ClientApi>(std::move(*client), settings));
  };
}

HiLinkOpener make_dry_run_hilink_opener(asio::io_context& io) {
  return [&io](const hilink::ClientSettings& settings) -> hilink::Result<std::unique_ptr<HiLinkApi>> {
    auto client = hilink::HiLinkClient::create(io, settings);
    if (!client) return client.error();
    return std::unique_ptr<HiLinkApi>(std::make_unique<DryRunApi>(io, std::move(*client), settings));
  };
}

}  // namespace fb::core
