#ifndef KEYWARD_CFUZZDRIVER_H
#define KEYWARD_CFUZZDRIVER_H

#include <stddef.h>
#include <stdint.h>

/// One fuzz input; returns 0 (libFuzzer's convention).
typedef int (*keyward_fuzz_target)(const uint8_t *data, size_t size);

/// (Not `keyward_fuzz_main`: SwiftPM names the executable's own entry point that.)
/// Runs `target` under libFuzzer when built with -DKEYWARD_LIBFUZZER and linked against libclang_rt.fuzzer_no_main
/// (scripts/fuzz.sh); otherwise replays every file named in argv (files or directories of files) once each, so the
/// corpus stays a regression test in ordinary builds.
int keyward_fuzz_run(int argc, char **argv, keyward_fuzz_target target);

#endif
