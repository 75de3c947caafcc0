#ifndef KILN_LINUX_FILES_H
#define KILN_LINUX_FILES_H

/// rename(2) that fails with EEXIST instead of replacing what is at `to`.
int kiln_rename_noreplace(const char *from, const char *to);

/// Swaps two paths atomically (renameat2 RENAME_EXCHANGE): both must exist.
int kiln_rename_exchange(const char *a, const char *b);

/// statfs(2)'s f_type of the file system `path` is on, as 32 bits, in `type`; returns 0, or -1 with errno set.
int kiln_file_system_type(const char *path, unsigned int *type);

/// pipe2(2) with O_CLOEXEC: both ends closed on exec from the start, so a tool started at the same moment on
/// another thread never inherits them.
int kiln_pipe_cloexec(int fds[2]);

/// lgetxattr(2): an extended attribute of `path` itself (a symbolic link is not followed), such as an ACL.
long kiln_get_xattr(const char *path, const char *name, void *value, unsigned long size);

/// lsetxattr(2): sets an extended attribute of `path` itself.
int kiln_set_xattr(const char *path, const char *name, const void *value, unsigned long size);

#endif
