// SPDX-License-Identifier: GPL-3.0-or-later
// Hearth's AppImage runtime: the ELF at the start of an AppImage (type 2). The SquashFS image of the
// AppDir follows the ELF; the ELF ends where its section header table ends (e_shoff + e_shnum * e_shentsize).
// Without FUSE (this project's machines and many containers) the image is extracted to a temporary
// directory, AppRun runs from there, and the directory is removed when it exits.
// It depends on glibc only: libsquashfuse is linked statically and zstd is loaded with dlopen, because
// libzstd.so.1 is present on every desktop distribution (dpkg, rpm and systemd need it).
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <squashfuse/squashfuse.h>

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef HEARTH_RUNTIME_VERSION
#define HEARTH_RUNTIME_VERSION "unknown"
#endif


static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    fputs("AppImage runtime: ", stderr);
    vfprintf(stderr, fmt, args);
    fputc('\n', stderr);
    va_end(args);
}

// --- zstd through dlopen; the other codecs libsquashfuse knows are refused before any block is read ---

typedef size_t (*zstd_decompress_fn)(void *, size_t, const void *, size_t);
typedef unsigned (*zstd_is_error_fn)(size_t);
static zstd_decompress_fn g_zstdDecompress;
static zstd_is_error_fn g_zstdIsError;

static int loadZstd(void)
{
    void *lib = dlopen("libzstd.so.1", RTLD_NOW | RTLD_LOCAL);
    if (lib) {
        g_zstdDecompress = (zstd_decompress_fn)dlsym(lib, "ZSTD_decompress");
        g_zstdIsError = (zstd_is_error_fn)dlsym(lib, "ZSTD_isError");
    }
    if (!g_zstdDecompress || !g_zstdIsError) {
        fail("libzstd.so.1 is needed to unpack this AppImage but could not be loaded (%s); install zstd's library "
             "(Debian/Ubuntu: libzstd1, Fedora: libzstd)",
             dlerror());
        return -1;
    }
    return 0;
}

size_t ZSTD_decompress(void *dst, size_t dstCapacity, const void *src, size_t srcSize);
size_t ZSTD_decompress(void *dst, size_t dstCapacity, const void *src, size_t srcSize)
{
    return g_zstdDecompress(dst, dstCapacity, src, srcSize);
}
unsigned ZSTD_isError(size_t code);
unsigned ZSTD_isError(size_t code)
{
    return g_zstdIsError(code);
}

// Never reached (the image's codec is checked first); they exist so the static library links without them.
int uncompress(void *dst, unsigned long *dstLen, const void *src, unsigned long srcLen);
int uncompress(void *dst, unsigned long *dstLen, const void *src, unsigned long srcLen)
{
    (void)dst, (void)dstLen, (void)src, (void)srcLen;
    return -3;
}
int LZ4_decompress_safe(const char *src, char *dst, int srcSize, int dstCapacity);
int LZ4_decompress_safe(const char *src, char *dst, int srcSize, int dstCapacity)
{
    (void)src, (void)dst, (void)srcSize, (void)dstCapacity;
    return -1;
}
int lzo1x_decompress_safe(const unsigned char *src, size_t srcLen, unsigned char *dst, size_t *dstLen, void *wrk);
int lzo1x_decompress_safe(const unsigned char *src, size_t srcLen, unsigned char *dst, size_t *dstLen, void *wrk)
{
    (void)src, (void)srcLen, (void)dst, (void)dstLen, (void)wrk;
    return -1;
}
int lzma_stream_buffer_decode(void *a, void *b, const void *c, const void *d, size_t *e, size_t f, void *g, size_t *h, size_t i);
int lzma_stream_buffer_decode(void *a, void *b, const void *c, const void *d, size_t *e, size_t f, void *g, size_t *h, size_t i)
{
    (void)a, (void)b, (void)c, (void)d, (void)e, (void)f, (void)g, (void)h, (void)i;
    return 11;
}
int lzma_alone_decoder(void *strm, uint64_t memlimit);
int lzma_alone_decoder(void *strm, uint64_t memlimit)
{
    (void)strm, (void)memlimit;
    return 11;
}
int lzma_code(void *strm, int action);
int lzma_code(void *strm, int action)
{
    (void)strm, (void)action;
    return 11;
}
void lzma_end(void *strm);
void lzma_end(void *strm)
{
    (void)strm;
}

// --- Where the image starts ---

// The end of the ELF file: the section header table is the last thing the linker writes.
static int imageOffset(int fd, const char *path, off_t *offset)
{
    unsigned char ident[EI_NIDENT];
    if (pread(fd, ident, sizeof ident, 0) != (ssize_t)sizeof ident || memcmp(ident, ELFMAG, SELFMAG) != 0) {
        fail("%s: not an ELF file, so not an AppImage", path);
        return -1;
    }
    if (ident[EI_DATA] != ELFDATA2LSB) {
        fail("%s: big-endian ELF files are not supported", path);
        return -1;
    }
    uint64_t shoff = 0;
    uint64_t shnum = 0;
    uint64_t shentsize = 0;
    if (ident[EI_CLASS] == ELFCLASS64) {
        Elf64_Ehdr h;
        if (pread(fd, &h, sizeof h, 0) != (ssize_t)sizeof h) {
            fail("%s: the ELF header is truncated", path);
            return -1;
        }
        shoff = h.e_shoff, shnum = h.e_shnum, shentsize = h.e_shentsize;
    } else if (ident[EI_CLASS] == ELFCLASS32) {
        Elf32_Ehdr h;
        if (pread(fd, &h, sizeof h, 0) != (ssize_t)sizeof h) {
            fail("%s: the ELF header is truncated", path);
            return -1;
        }
        shoff = h.e_shoff, shnum = h.e_shnum, shentsize = h.e_shentsize;
    } else {
        fail("%s: unknown ELF class %u", path, ident[EI_CLASS]);
        return -1;
    }
    if (shoff == 0 || shnum == 0) {
        fail("%s: the ELF file has no section headers, so the image offset is unknown", path);
        return -1;
    }
    *offset = (off_t)(shoff + shnum * shentsize);
    return 0;
}

// Opens the image after the runtime, checking what libsquashfuse would otherwise report tersely.
static int openImage(sqfs *fs, int fd, const char *path, off_t offset)
{
    struct stat st;
    struct squashfs_super_block sb;
    if (fstat(fd, &st) != 0 || st.st_size < offset + (off_t)sizeof sb || pread(fd, &sb, sizeof sb, offset) != (ssize_t)sizeof sb) {
        fail("%s: no SquashFS image follows the runtime at offset %lld (the file is truncated or is the bare "
             "runtime)",
             path, (long long)offset);
        return -1;
    }
    if (memcmp(&sb.s_magic, "hsqs", 4) != 0) {
        fail("%s: the data at offset %lld is not a SquashFS image", path, (long long)offset);
        return -1;
    }
    // Little-endian fields, read on a little-endian machine (x86-64, aarch64).
    if (sb.bytes_used > (uint64_t)(st.st_size - offset)) {
        fail("%s: the SquashFS image is truncated (%lld of %llu bytes present)", path, (long long)(st.st_size - offset),
             (unsigned long long)sb.bytes_used);
        return -1;
    }
    memset(fs, 0, sizeof *fs);
    const sqfs_err err = sqfs_init(fs, fd, (size_t)offset);
    if (err == SQFS_OK && sqfs_compression(fs) != ZSTD_COMPRESSION) {
        fail("%s: the image is compressed with %s; this runtime reads zstd only", path,
             sqfs_compression_name(sqfs_compression(fs)));
        sqfs_destroy(fs);
        return -1;
    }
    if (err != SQFS_OK) {
        fail("%s: the SquashFS image is damaged or unsupported (superblock rejected, error %d)", path, (int)err);
        return -1;
    }
    return loadZstd() == 0 ? 0 : (sqfs_destroy(fs), -1);
}

// --- Extraction ---

static int makeParents(char *path)
{
    for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
        *p = '\0';
        const int rc = mkdir(path, 0755);
        *p = '/';
        if (rc != 0 && errno != EEXIST) {
            return -1;
        }
    }
    return 0;
}

static int writeFile(sqfs *fs, sqfs_inode *inode, const char *dest, const char *name, const char *image)
{
    unlink(dest); // re-extracting over an earlier extraction replaces files, as appimagetool's runtime does
    const int out = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (out < 0) {
        fail("cannot create %s: %s", dest, strerror(errno));
        return -1;
    }
    static char buf[1 << 17];
    const uint64_t total = inode->xtra.reg.file_size;
    for (uint64_t done = 0; done < total;) {
        sqfs_off_t chunk = (sqfs_off_t)(total - done < sizeof buf ? total - done : sizeof buf);
        if (sqfs_read_range(fs, inode, (sqfs_off_t)done, &chunk, buf) != SQFS_OK || chunk <= 0) {
            fail("%s: the SquashFS image is damaged (cannot read %s)", image, name);
            close(out);
            unlink(dest);
            return -1;
        }
        for (sqfs_off_t written = 0; written < chunk;) {
            const ssize_t n = write(out, buf + written, (size_t)(chunk - written));
            if (n < 0) {
                fail("cannot write %s: %s", dest, strerror(errno));
                close(out);
                unlink(dest);
                return -1;
            }
            written += n;
        }
        done += (uint64_t)chunk;
    }
    if (fchmod(out, inode->base.mode & 07777) != 0 || close(out) != 0) {
        fail("cannot finish %s: %s", dest, strerror(errno));
        unlink(dest);
        return -1;
    }
    return 0;
}

static int extractEntry(sqfs *fs, sqfs_traverse *trv, const char *destDir, const char *image)
{
    const char *name = sqfs_dentry_name(&trv->entry);
    if (name[0] == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
        fail("%s: the image contains an unsafe file name in '%s'", image, trv->path);
        return -1;
    }
    char dest[PATH_MAX];
    if (snprintf(dest, sizeof dest, "%s/%s", destDir, trv->path) >= (int)sizeof dest) {
        fail("%s: path too long: %s", image, trv->path);
        return -1;
    }
    if (makeParents(dest) != 0) {
        fail("cannot create the folders of %s: %s", dest, strerror(errno));
        return -1;
    }
    sqfs_inode inode;
    if (sqfs_inode_get(fs, &inode, sqfs_dentry_inode(&trv->entry)) != SQFS_OK) {
        fail("%s: the SquashFS image is damaged (bad inode for %s)", image, trv->path);
        return -1;
    }
    switch (inode.base.inode_type) {
    case SQUASHFS_DIR_TYPE:
    case SQUASHFS_LDIR_TYPE:
        if (mkdir(dest, (inode.base.mode & 07777) | S_IRWXU) != 0 && errno != EEXIST) {
            fail("cannot create %s: %s", dest, strerror(errno));
            return -1;
        }
        return 0;
    case SQUASHFS_REG_TYPE:
    case SQUASHFS_LREG_TYPE:
        return writeFile(fs, &inode, dest, trv->path, image);
    case SQUASHFS_SYMLINK_TYPE:
    case SQUASHFS_LSYMLINK_TYPE: {
        char target[PATH_MAX];
        size_t size = sizeof target;
        if (inode.xtra.symlink_size >= sizeof target || sqfs_readlink(fs, &inode, target, &size) != SQFS_OK) {
            fail("%s: the SquashFS image is damaged (bad symbolic link %s)", image, trv->path);
            return -1;
        }
        unlink(dest);
        if (symlink(target, dest) != 0) {
            fail("cannot create the link %s: %s", dest, strerror(errno));
            return -1;
        }
        return 0;
    }
    default: // devices, fifos and sockets have no place in an AppDir
        return 0;
    }
}

// Extracts every entry whose path matches pattern (all when pattern is NULL) into destDir.
static int extract(sqfs *fs, const char *destDir, const char *pattern, const char *image, int verbose)
{
    if (mkdir(destDir, 0755) != 0 && errno != EEXIST) {
        fail("cannot create %s: %s", destDir, strerror(errno));
        return -1;
    }
    sqfs_traverse trv;
    if (sqfs_traverse_open(&trv, fs, sqfs_inode_root(fs)) != SQFS_OK) {
        fail("%s: the SquashFS image is damaged (cannot open its root folder)", image);
        return -1;
    }
    int rc = 0;
    sqfs_err err = SQFS_OK;
    while (rc == 0 && sqfs_traverse_next(&trv, &err)) {
        if (trv.dir_end || (pattern && fnmatch(pattern, trv.path, 0) != 0)) {
            continue;
        }
        if (verbose) {
            printf("%s/%s\n", destDir, trv.path);
        }
        rc = extractEntry(fs, &trv, destDir, image);
    }
    if (rc == 0 && err != SQFS_OK) {
        fail("%s: the SquashFS image is damaged (a folder listing cannot be read)", image);
        rc = -1;
    }
    sqfs_traverse_close(&trv);
    return rc;
}

// --- Extract and run ---

static pid_t g_child;
static void forwardSignal(int sig)
{
    if (g_child > 0) {
        kill(g_child, sig);
    }
}

static int removeEntry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

static int extractAndRun(sqfs *fs, const char *image, int argc, char **argv)
{
    const char *tmp = getenv("TMPDIR");
    char dir[PATH_MAX - 64]; // room for "/AppRun" after it
    if (snprintf(dir, sizeof dir, "%s/.appimage-hearth-XXXXXX", tmp && *tmp ? tmp : "/tmp") >= (int)sizeof dir || !mkdtemp(dir)) {
        fail("cannot create a temporary folder in %s: %s", tmp && *tmp ? tmp : "/tmp", strerror(errno));
        return 1;
    }
    int status = 1;
    if (extract(fs, dir, NULL, image, 0) == 0) {
        char appRun[PATH_MAX];
        snprintf(appRun, sizeof appRun, "%s/AppRun", dir);
        char cwd[PATH_MAX];
        setenv("APPIMAGE", image, 1);
        setenv("APPDIR", dir, 1);
        setenv("ARGV0", argv[0], 1);
        if (getcwd(cwd, sizeof cwd)) {
            setenv("OWD", cwd, 1);
        }
        const struct sigaction forward = {.sa_handler = forwardSignal};
        sigaction(SIGINT, &forward, NULL);
        sigaction(SIGTERM, &forward, NULL);
        sigaction(SIGHUP, &forward, NULL);
        g_child = fork();
        if (g_child == 0) {
            argv[0] = appRun;
            (void)argc;
            execv(appRun, argv);
            fail("cannot start %s: %s", appRun, strerror(errno));
            _exit(127);
        }
        if (g_child < 0) {
            fail("cannot start a process: %s", strerror(errno));
        } else {
            int wstatus = 0;
            while (waitpid(g_child, &wstatus, 0) < 0 && errno == EINTR) {
            }
            status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
        }
    }
    nftw(dir, removeEntry, 16, FTW_DEPTH | FTW_PHYS);
    return status;
}

static void usage(void)
{
    printf("Hearth AppImage runtime %s\n"
           "  --appimage-extract [PATTERN]  extract the files (those matching the shell PATTERN) to ./squashfs-root\n"
           "  --appimage-offset             print the byte offset of the SquashFS image\n"
           "  --appimage-extract-and-run    extract to a temporary folder, run, remove it (the default: no FUSE)\n"
           "  --appimage-version            print the runtime version\n"
           "  --appimage-help               this text\n"
           "Other arguments go to the application.\n",
           HEARTH_RUNTIME_VERSION);
}

int main(int argc, char **argv)
{
    char self[PATH_MAX];
    const ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0) {
        fail("cannot find its own file through /proc/self/exe: %s", strerror(errno));
        return 1;
    }
    self[len] = '\0';

    const char *option = argc > 1 ? argv[1] : "";
    if (strcmp(option, "--appimage-help") == 0) {
        usage();
        return 0;
    }
    if (strcmp(option, "--appimage-version") == 0) {
        printf("%s\n", HEARTH_RUNTIME_VERSION);
        return 0;
    }
    const int fd = open(self, O_RDONLY | O_CLOEXEC);
    off_t offset = 0;
    if (fd < 0 || imageOffset(fd, self, &offset) != 0) {
        if (fd < 0) {
            fail("cannot open %s: %s", self, strerror(errno));
        }
        return 1;
    }
    if (strcmp(option, "--appimage-offset") == 0) {
        printf("%lld\n", (long long)offset);
        return 0;
    }
    if (strncmp(option, "--appimage-", 11) == 0 && strcmp(option, "--appimage-extract") != 0
        && strcmp(option, "--appimage-extract-and-run") != 0) {
        fail("unknown option %s (see --appimage-help)", option);
        return 2;
    }
    sqfs fs;
    if (openImage(&fs, fd, self, offset) != 0) {
        return 1;
    }
    int status;
    if (strcmp(option, "--appimage-extract") == 0) {
        status = extract(&fs, "squashfs-root", argc > 2 ? argv[2] : NULL, self, 1) == 0 ? 0 : 1;
    } else if (strcmp(option, "--appimage-extract-and-run") == 0) {
        argv[1] = argv[0];
        status = extractAndRun(&fs, self, argc - 1, argv + 1);
    } else {
        status = extractAndRun(&fs, self, argc, argv);
    }
    sqfs_destroy(&fs);
    close(fd);
    return status;
}
