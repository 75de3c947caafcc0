// renameat2 is a GNU extension: Swift's Glibc module does not import it.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/vfs.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "linux_files.h"

int kiln_rename_noreplace(const char *from, const char *to) {
    return renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
}

int kiln_rename_exchange(const char *a, const char *b) {
    return renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
}

int kiln_file_system_type(const char *path, unsigned int *type) {
    struct statfs info;
    if (statfs(path, &info) != 0) return -1;
    /* f_type is a signed word; the kernel's type numbers are 32 bits (btrfs's has its top bit set). */
    *type = (unsigned int)info.f_type;
    return 0;
}

int kiln_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

long kiln_get_xattr(const char *path, const char *name, void *value, unsigned long size) {
    return (long)lgetxattr(path, name, value, size);
}

int kiln_set_xattr(const char *path, const char *name, const void *value, unsigned long size) {
    return lsetxattr(path, name, value, size, 0);
}
