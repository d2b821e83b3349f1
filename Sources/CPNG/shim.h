#ifndef DROPFORGE_CPNG_SHIM_H
#define DROPFORGE_CPNG_SHIM_H
#include <png.h>
#endif
