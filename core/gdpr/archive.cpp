#include "core/gdpr/archive.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <vector>

#include "core/crypto/hash.hpp"
#include "core/errors.hpp"
#include "core/util/atomic_file.hpp"

namespace tenantctl::gdpr {

namespace fs = std::filesystem;

int create_private_file(const fs::path& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        throw UsageError(fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)),
                         "choose a writable directory for -O");
    return fd;
}

ArchiveFormat tar_format_for(const fs::path& target) {
    std::string name = target.filename().string();
    auto ends_with = [&](std::string_view suffix) {
        return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    return ends_with(".tar.zst") || ends_with(".tzst") ? ArchiveFormat::tar_zst : ArchiveFormat::tar_gz;
}

// A file in `dir` without a name (O_TMPFILE), mode 0600: nothing of it is left when the
// process dies, however it dies. -1 where the filesystem cannot make one.
int unnamed_private_file(const fs::path& dir) {
    const int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0 && ::fchmod(fd, 0600) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

int scratch_file(const fs::path& dir) {
    if (int fd = unnamed_private_file(dir); fd >= 0) return fd;
    // No O_TMPFILE here: a name for the instant between create and unlink.
    fs::path p = dir / fmt::format(".tenantctl-spool-{}-{}", ::getpid(), static_cast<long>(std::time(nullptr)));
    int fd = ::open(p.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) throw UsageError(fmt::format("cannot write in {}: {}", dir.string(), std::strerror(errno)));
    ::unlink(p.c_str());
    return fd;
}

struct ArchiveWriter::Impl {
    int fd = -1;
    struct archive* a = nullptr;
    crypto::Sha256Stream sha;
    std::string error;

    static la_ssize_t write_cb(struct archive*, void* self, const void* buf, size_t n) {
        auto* impl = static_cast<Impl*>(self);
        const char* p = static_cast<const char*>(buf);
        size_t left = n;
        while (left > 0) {
            ssize_t w = ::write(impl->fd, p, left);
            if (w < 0) {
                if (errno == EINTR) continue;
                impl->error = std::strerror(errno);
                return -1;
            }
            p += w;
            left -= static_cast<size_t>(w);
        }
        impl->sha.update(std::string_view(static_cast<const char*>(buf), n));
        return static_cast<la_ssize_t>(n);
    }

    void check(int rc, const char* what) {
        if (rc < ARCHIVE_WARN)
            throw Error(Exit::runtime, fmt::format("writing the archive failed ({}): {}", what,
                                                   error.empty() ? archive_error_string(a) : error));
    }

    void header(const std::string& name, std::uint64_t size) {
        struct archive_entry* e = archive_entry_new();
        archive_entry_set_pathname(e, name.c_str());
        archive_entry_set_size(e, static_cast<la_int64_t>(size));
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0600);
        archive_entry_set_mtime(e, std::time(nullptr), 0);
        int rc = archive_write_header(a, e);
        archive_entry_free(e);
        check(rc, "header");
    }

    void data(const char* p, size_t n) {
        while (n > 0) {
            la_ssize_t w = archive_write_data(a, p, n);
            if (w < 0) check(static_cast<int>(w), "data");
            p += w;
            n -= static_cast<size_t>(w);
        }
    }
};

namespace {

// A run killed with SIGKILL cannot remove its partial file, which holds personal data: every
// run removes the partial files of this target left by processes that no longer exist.
void remove_stale_partials(const fs::path& dir, const std::string& name) {
    const std::string prefix = "." + name + ".partial-";
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const std::string file = entry.path().filename().string();
        if (file.rfind(prefix, 0) != 0) continue;
        const std::string pid_text = file.substr(prefix.size());
        if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos) continue;
        const long pid = std::strtol(pid_text.c_str(), nullptr, 10);
        if (pid <= 0 || pid == ::getpid()) continue;
        if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // alive (or not ours to judge)
        fs::remove(entry.path(), ec);
    }
}

}  // namespace

bool is_stdout_target(const fs::path& target) { return target == "-"; }

ArchiveWriter::ArchiveWriter(fs::path target, ArchiveFormat format, bool overwrite)
    : m_impl(std::make_unique<Impl>()), m_target(std::move(target)), m_overwrite(overwrite) {
    m_stdout = is_stdout_target(m_target);
    if (m_stdout) {
        // `-O -`: streamed to whoever reads stdout, as tar and pg_dump do; what they keep of a
        // killed run is theirs to discard.
        m_impl->fd = ::dup(STDOUT_FILENO);
        if (m_impl->fd < 0) throw Error(Exit::runtime, fmt::format("cannot write to stdout: {}", std::strerror(errno)));
        ::fcntl(m_impl->fd, F_SETFD, FD_CLOEXEC);
    } else {
        open_target_file(overwrite);
    }
    open_archive(format);
}

void ArchiveWriter::open_target_file(bool overwrite) {
    if (fs::exists(m_target) && !overwrite)
        throw Refused(fmt::format("{} already exists", m_target.string()), "pass --force to overwrite it");
    fs::path dir = m_target.has_parent_path() ? m_target.parent_path() : fs::path(".");
    m_temp = dir / fmt::format(".{}.partial-{}", m_target.filename().string(), ::getpid());
    remove_stale_partials(dir, m_target.filename().string());
    // The archive is written to an unnamed file and given its name only when complete: a run
    // killed with SIGKILL leaves no personal data behind. Without O_TMPFILE it is written
    // under a hidden partial name, which the next run removes.
    m_impl->fd = unnamed_private_file(dir);
    m_unnamed = m_impl->fd >= 0;
    if (!m_unnamed) {
        fs::remove(m_temp);
        m_impl->fd = create_private_file(m_temp);
    }
}

void ArchiveWriter::open_archive(ArchiveFormat format) {
    m_impl->a = archive_write_new();
    if (format == ArchiveFormat::zip) {
        archive_write_set_format_zip(m_impl->a);
    } else {
        archive_write_set_format_pax_restricted(m_impl->a);
        // Level 1: exports are I/O-bound; higher levels cost CPU for a few percent of size.
        if (format == ArchiveFormat::tar_zst) {
            m_impl->check(archive_write_add_filter_zstd(m_impl->a), "zstd");
            archive_write_set_filter_option(m_impl->a, "zstd", "compression-level", "1");
        } else {
            archive_write_add_filter_gzip(m_impl->a);
            archive_write_set_filter_option(m_impl->a, "gzip", "compression-level", "1");
        }
        archive_write_set_bytes_in_last_block(m_impl->a, 1);
    }
    m_impl->check(archive_write_open(m_impl->a, m_impl.get(), nullptr, &Impl::write_cb, nullptr), "open");
}

ArchiveWriter::~ArchiveWriter() {
    if (m_impl->a) archive_write_free(m_impl->a);
    if (m_impl->fd >= 0) ::close(m_impl->fd);
    if (!m_committed && !m_stdout) {
        std::error_code ec;
        fs::remove(m_temp, ec);
    }
}

void ArchiveWriter::add(const std::string& name, std::string_view data) {
    m_impl->header(name, data.size());
    m_impl->data(data.data(), data.size());
}

void ArchiveWriter::add_fd(const std::string& name, int fd, std::uint64_t size) {
    if (::lseek(fd, 0, SEEK_SET) != 0) throw Error(Exit::runtime, fmt::format("cannot rewind spool file: {}", std::strerror(errno)));
    m_impl->header(name, size);
    std::vector<char> buf(1 << 20);
    std::uint64_t copied = 0;
    for (;;) {
        ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw Error(Exit::runtime, fmt::format("reading spool file failed: {}", std::strerror(errno)));
        if (n == 0) break;
        m_impl->data(buf.data(), static_cast<size_t>(n));
        copied += static_cast<std::uint64_t>(n);
    }
    if (copied != size) throw Error(Exit::runtime, "spool file changed size while archiving");
}

std::string ArchiveWriter::commit() {
    m_impl->check(archive_write_close(m_impl->a), "close");
    archive_write_free(m_impl->a);
    m_impl->a = nullptr;
    if (m_stdout) {
        ::close(m_impl->fd);  // a pipe or a file the shell opened: nothing to name or sync
        m_impl->fd = -1;
        m_committed = true;
        return m_impl->sha.hex_final();
    }
    if (::fsync(m_impl->fd) != 0)
        throw Error(Exit::runtime, fmt::format("fsync {} failed: {}", m_target.string(), std::strerror(errno)));
    if (m_unnamed) {
        // Name it: straight at the target when nothing may be overwritten (a file that
        // appeared there meanwhile is refused, not replaced), else at the partial name first
        // and renamed over the target.
        const fs::path& name = m_overwrite ? m_temp : m_target;
        if (m_overwrite) fs::remove(m_temp);
        const std::string self = fmt::format("/proc/self/fd/{}", m_impl->fd);
        if (::linkat(AT_FDCWD, self.c_str(), AT_FDCWD, name.c_str(), AT_SYMLINK_FOLLOW) != 0) {
            if (errno == EEXIST && !m_overwrite)
                throw Refused(fmt::format("{} already exists", m_target.string()), "pass --force to overwrite it");
            throw Error(Exit::runtime, fmt::format("cannot name {}: {}", m_target.string(), std::strerror(errno)));
        }
    }
    ::close(m_impl->fd);
    m_impl->fd = -1;
    if (!m_unnamed || m_overwrite) fs::rename(m_temp, m_target);
    util::fsync_directory(m_target.has_parent_path() ? m_target.parent_path() : fs::path("."));
    m_committed = true;
    return m_impl->sha.hex_final();
}

}  // namespace tenantctl::gdpr
