// Connection strings carry passwords; libpq's error for a malformed one quotes the offending
// token or the whole URI (issue 12.4). Every connection error goes through this.
#pragma once

#include <string>
#include <string_view>

namespace tenantctl::db {

// `text` (a libpq message about `conninfo`) with every password `conninfo` carries masked as
// `****`: the URI userinfo password (as written and percent-decoded) and `password=` values,
// found even when the string does not parse. For a string that does not parse, every quoted
// token of the message is masked too (libpq quotes the token it choked on, which may be a
// password it could not recognise as one), except single punctuation characters.
std::string redact_conninfo_secrets(std::string_view text, std::string_view conninfo);

}  // namespace tenantctl::db
