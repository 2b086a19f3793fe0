#include "core/util/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "core/errors.hpp"

namespace tenantctl::util {

void fsync_directory(const std::filesystem::path& dir) {
    int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

void write_file_atomic(const std::filesystem::path& path, std::string_view content, unsigned mode) {
    const auto dir = path.parent_path();
    std::string tmpl = (dir.empty() ? std::filesystem::path(".") : dir) / ("." + path.filename().string() + ".XXXXXX");
    int fd = ::mkstemp(tmpl.data());
    if (fd < 0)
        throw Error(Exit::runtime, fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
    ::fchmod(fd, mode);
    std::size_t done = 0;
    while (done < content.size()) {
        ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int saved = errno;
            ::close(fd);
            ::unlink(tmpl.c_str());
            throw Error(Exit::runtime, fmt::format("cannot write {}: {}", path.string(), std::strerror(saved)));
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        ::unlink(tmpl.c_str());
        throw Error(Exit::runtime, fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
    }
    if (::rename(tmpl.c_str(), path.c_str()) != 0) {
        int saved = errno;
        ::unlink(tmpl.c_str());
        throw Error(Exit::runtime, fmt::format("cannot write {}: {}", path.string(), std::strerror(saved)));
    }
    fsync_directory(dir);
}

}  // namespace tenantctl::util
