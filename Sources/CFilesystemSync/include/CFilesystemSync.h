#ifndef KEYWARD_CFILESYSTEMSYNC_H
#define KEYWARD_CFILESYSTEMSYNC_H

/// `syncfs(2)`: writes back everything dirty on the filesystem holding `fd` and flushes the device once. glibc
/// declares it only under `_GNU_SOURCE`, which Swift's Glibc module does not define, hence this shim. Returns 0 or
/// -1 with errno set (on Linux 5.8+ including writeback errors since `fd` was opened).
int keyward_syncfs(int fd);

#endif
