#ifndef KILN_CFUZZERDRIVER_H
#define KILN_CFUZZERDRIVER_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver, in the runtime that `-sanitize=fuzzer` links. SwiftPM renames an executable's `main` (it
/// links `main` to `<Target>_main`), so libFuzzer's own `main` never runs: each fuzz target's main.swift calls this.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
