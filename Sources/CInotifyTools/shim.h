#ifndef KILN_CINOTIFYTOOLS_SHIM_H
#define KILN_CINOTIFYTOOLS_SHIM_H
// <inotifytools/inotifytools.h> only forward-declares struct inotify_event: the kernel header comes first.
#include <sys/inotify.h>
#include <inotifytools/inotifytools.h>
#endif
