#include <box2d/box2d.h>
#include "CBox2D.h"
extern "C" int tb_box2d_version_major(void) { return b2_version.major; }
