/* For scripts/bench-instructions.sh only: LD_PRELOADed into perigate under valgrind 3.19.
 * libdispatch calls sigsuspend() with a mask in read-only memory (_dispatch_sigsuspend.mask);
 * valgrind 3.19 writes to the mask it is given and the program dies at start-up. This
 * sigsuspend passes the kernel a writable copy; it behaves exactly as the libc one otherwise. */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

int sigsuspend(const sigset_t *mask) {
    sigset_t copy = *mask;
    return (int)syscall(SYS_rt_sigsuspend, &copy, _NSIG / 8);
}
