#include <stdint.h>
#include <spandsp.h>
