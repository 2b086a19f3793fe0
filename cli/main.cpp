#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "cli/app.hpp"
#include "core/version.hpp"

int main(int argc, char** argv) {
    // `--version` answers before anything else is set up: it must be instantaneous.
    if (argc == 2 && std::strcmp(argv[1], "--version") == 0) {
        std::printf("tenantctl %s (commit %s)\n", tenantctl::version(), tenantctl::git_commit());
        return 0;
    }
    // A closed pipe (`tenantctl audit query | head`) is not an error.
    std::signal(SIGPIPE, SIG_IGN);
    std::ios::sync_with_stdio(false);
    return tenantctl::cli::run(argc, argv, std::cout, std::cerr, std::cin);
}
