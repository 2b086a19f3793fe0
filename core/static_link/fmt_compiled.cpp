// Linked only into static builds (TENANTCTL_STATIC_DEPS), never part of tenantctl_core.
//
// fmt's compiled half, built once. Debian ships fmt as a shared library only, and the static
// build used to take it header-only (FMT_HEADER_ONLY), which compiles the formatting engine
// (vformat_to, the float algorithm, the locale helpers) into every file that formats:
// about a third of each file's compile time, twice over in a full build. Here, with FMT_FUNC
// left empty, format-inl.h gives those functions one out-of-line definition, and the templates
// format.h and core.h declare for the library are instantiated for the character types
// tenantctl formats.
#include <fmt/format.h>
#include <fmt/format-inl.h>

FMT_BEGIN_NAMESPACE
namespace detail {

template auto dragonbox::to_decimal(float x) noexcept -> dragonbox::decimal_fp<float>;
template auto dragonbox::to_decimal(double x) noexcept -> dragonbox::decimal_fp<double>;
template locale_ref::locale_ref(const std::locale& loc);
template auto locale_ref::get<std::locale>() const -> std::locale;

template auto thousands_sep_impl(locale_ref) -> thousands_sep_result<char>;
template auto decimal_point_impl(locale_ref) -> char;
template void buffer<char>::append(const char*, const char*);
template void vformat_to(buffer<char>&, string_view, basic_format_args<FMT_BUFFER_CONTEXT(char)>, locale_ref);

template auto thousands_sep_impl(locale_ref) -> thousands_sep_result<wchar_t>;
template auto decimal_point_impl(locale_ref) -> wchar_t;
template void buffer<wchar_t>::append(const wchar_t*, const wchar_t*);

}  // namespace detail
FMT_END_NAMESPACE
