// The wrappers are header-only (static inline); this file gives the C target a translation unit.
#include "CCurl.h"
