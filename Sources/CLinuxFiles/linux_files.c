// renameat2 is a GNU extension: Swift's Glibc module does not import it.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include "linux_files.h"

int kiln_rename_noreplace(const char *from, const char *to) {
    return renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
}

int kiln_rename_exchange(const char *a, const char *b) {
    return renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
}

int kiln_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}
