// Entry point of the command line: parse, dispatch, render, map errors to exit codes.
#pragma once

#include <iosfwd>

namespace tenantctl::cli {

// Runs tenantctl with the given arguments and streams; returns the process exit code.
int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err, std::istream& in);

}  // namespace tenantctl::cli
