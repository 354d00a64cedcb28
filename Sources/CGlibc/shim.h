// glibc functions Swift's Glibc module does not bring, for AllocatorTuning (the Perigate
// executable): the auxiliary vector (secure-execution mode, how the process was loaded) and
// glibc's version.
#include <sys/auxv.h>
#include <gnu/libc-version.h>
