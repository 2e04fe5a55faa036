// libFuzzer over every DDNS parser of fb_ddns_protocol: Lambda replies (all
// generations, kinds and the documented statuses), Route53 XML replies, the
// secret and credential file formats, SigV4 Authorization headers. The
// contract under test: any bytes give an outcome, never a crash, never an
// exception, and the detail text stays bounded.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fb/ddns/lambda.hpp"
#include "fb/ddns/route53.hpp"
#include "fb/ddns/secrets.hpp"
#include "fb/ddns/sigv4.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fb::ddns;
  if (size < 1) return 0;
  // First byte: which generation/kind/status; the rest: the body.
  const std::uint8_t selector = data[0];
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  static constexpr long kStatuses[] = {200, 201, 302, 400, 401, 403, 404, 429, 500, 502, 503, 504};
  const long status = kStatuses[selector % std::size(kStatuses)];
  const RequestKind kind = (selector & 0x10) ? RequestKind::set : RequestKind::get;
  const Provider gens[] = {Provider::lambda_v1, Provider::lambda_v2, Provider::lambda_v3};
  HttpReply reply{status, std::string(body)};
  Reply r = parse_lambda_reply(gens[(selector >> 5) % 3], kind, reply);
  if (r.detail.size() > 400) std::abort();
  if (r.outcome == Outcome::observed && !r.address) std::abort();
  Reply x = parse_route53_reply(kind, "home.dyn.example.com", reply);
  if (x.detail.size() > 400) std::abort();
  (void)parse_secret_text(body);
  (void)parse_aws_credentials(body);
  (void)sigv4::parse_authorization(body);
  (void)xml_element_text(body, "Code");
  return 0;
}
