// Linked only into static builds (TENANTCTL_STATIC_DEPS), never part of tenantctl_core.
//
// libarchive's archive_write_set_format() dispatch table references every writer it has, so a
// static link pulls in all of them, and with the xar writer comes libxml2 and through it ICU:
// about 1.3 ms of loader work on every start of every command, for formats tenantctl never
// writes (it writes pax/ustar, zip and raw). Defining these two public entry points here
// satisfies the table without those objects; the linker then drops libxml2, ICU, liblzma and
// libbz2 (--as-needed). Should anything ever select them, it gets a clean libarchive error.
#include <archive.h>

namespace {

int unsupported(struct archive* a, const char* format) {
    archive_set_error(a, -1, "%s archives are not built into tenantctl", format);
    return ARCHIVE_FATAL;
}

}  // namespace

extern "C" int archive_write_set_format_xar(struct archive* a) { return unsupported(a, "xar"); }
extern "C" int archive_write_set_format_7zip(struct archive* a) { return unsupported(a, "7-Zip"); }
