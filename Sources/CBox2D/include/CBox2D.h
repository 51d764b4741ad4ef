// Flat C API over Box2D 2.4.1 (filled in by the Physics work).
#ifndef CBOX2D_H
#define CBOX2D_H
#ifdef __cplusplus
extern "C" {
#endif
int tb_box2d_version_major(void);
#ifdef __cplusplus
}
#endif
#endif
