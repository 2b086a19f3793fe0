# Compresses files the way Debian wants them in a package: gzip -9n (best compression, no
# name and no time stamp in the header, so the same input gives the same bytes on every build).
# Usage: cmake -DGZIP=... -DOUT_DIR=DIR "-DFILES=a|b|c" -P gzip_files.cmake
# Each FILE becomes OUT_DIR/<name>.gz. '|'-separated: a ';' list would be split into several
# arguments of the custom command.
string(REPLACE "|" ";" files "${FILES}")
file(MAKE_DIRECTORY "${OUT_DIR}")
foreach(f IN LISTS files)
  get_filename_component(name "${f}" NAME)
  execute_process(COMMAND "${GZIP}" -9n -c "${f}"
                  OUTPUT_FILE "${OUT_DIR}/${name}.gz"
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "gzip ${f} failed: ${rc}")
  endif()
endforeach()
