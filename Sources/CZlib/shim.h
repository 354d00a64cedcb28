// zlib (zlib1g-dev), used to store raw messages compressed.
#include <zlib.h>
