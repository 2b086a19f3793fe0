// Export archives written so that nobody ever sees half of one: entries go to an unnamed
// O_TMPFILE file in the target's directory (mode 0600: it holds personal data), and only a
// complete, fsynced archive is given the final name, so a run killed even with SIGKILL
// leaves nothing. Where O_TMPFILE is unavailable a `.NAME.partial-PID` file is used instead,
// and the next run for NAME removes the partial files of processes that no longer exist.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace tenantctl::gdpr {

enum class ArchiveFormat { zip, tar_gz, tar_zst };

// tar.zst for names ending .tar.zst or .tzst (zstd level 1 compresses several times faster
// than gzip level 1 at a similar ratio), tar.gz otherwise.
ArchiveFormat tar_format_for(const std::filesystem::path& target);

class ArchiveWriter {
public:
    // Refuses (exit 5) when `target` exists and !overwrite; an unwritable directory is a
    // usage error (exit 2). Both are checked here, before any data is read. A target of "-"
    // streams the archive to stdout (the caller keeps its report off stdout).
    ArchiveWriter(std::filesystem::path target, ArchiveFormat format, bool overwrite);
    ~ArchiveWriter();  // removes the temporary file unless commit() succeeded
    ArchiveWriter(const ArchiveWriter&) = delete;
    ArchiveWriter& operator=(const ArchiveWriter&) = delete;

    // One entry from memory.
    void add(const std::string& name, std::string_view data);
    // One entry copied from an open file of known size (a spooled table), read from its
    // start in blocks.
    void add_fd(const std::string& name, int fd, std::uint64_t size);
    // Finishes the archive, fsyncs, gives it the target's name; returns its SHA-256.
    std::string commit();

    const std::filesystem::path& target() const { return m_target; }
    const std::filesystem::path& temp_path() const { return m_temp; }

private:
    void open_target_file(bool overwrite);
    void open_archive(ArchiveFormat format);

    struct Impl;
    std::unique_ptr<Impl> m_impl;
    std::filesystem::path m_target;
    std::filesystem::path m_temp;  // the partial name (only used where there is no O_TMPFILE, or to overwrite)
    bool m_overwrite = false;
    bool m_unnamed = false;  // written to an O_TMPFILE file, named at commit()
    bool m_committed = false;
    bool m_stdout = false;  // -O -
};

// `-O -`: the archive goes to stdout.
bool is_stdout_target(const std::filesystem::path& target);

// An anonymous scratch file in `dir` (created 0600 and unlinked at once, so a killed run
// leaves nothing behind); the caller closes the fd.
int scratch_file(const std::filesystem::path& dir);

// Creates a file with mode 0600 that must not exist yet (O_EXCL); returns the fd.
int create_private_file(const std::filesystem::path& path);

}  // namespace tenantctl::gdpr
