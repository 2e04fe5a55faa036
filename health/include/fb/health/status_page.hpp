// The status page: GET / serves one self-contained HTML page (no external
// asset, nothing fetched but /status from the same server) that shows each
// uplink's state, the active route, the last failovers, the modem and its
// signal over the last hour, and the data budget; it refreshes itself from
// /status every 2 s. The page is health/status_page.html, built in.
#pragma once

#include <string_view>

namespace fb::health {

std::string_view status_page_html();

}  // namespace fb::health
