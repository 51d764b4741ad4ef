// Flat C API over Box2D 2.4.1.
//
// Swift's C++ interop would leak into every importing module and cannot reach virtual callbacks,
// so Physics talks to Box2D only through these functions: an opaque world handle, bodies named by
// small integer ids (creation order, never reused), and bulk calls that move many bodies' data in
// one crossing. Angles are radians, units are Box2D's (metres, kilograms, seconds).
#ifndef CBOX2D_H
#define CBOX2D_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

int tb_box2d_version_major(void);

/// A Box2D world plus the shim's bookkeeping (body table, contact flags, persistent forces).
typedef struct tb_world tb_world;

enum { TB_STATIC = 0, TB_KINEMATIC = 1, TB_DYNAMIC = 2 };

/// Everything needed to create a body; start from `tb_default_body_def()`.
typedef struct tb_body_def {
    int32_t type;            // TB_STATIC, TB_KINEMATIC or TB_DYNAMIC
    float x, y, angle;       // initial pose
    float vx, vy, omega;     // initial velocities
    float linear_damping, angular_damping, gravity_scale;
    int32_t fixed_rotation;  // 1: never rotates
    int32_t bullet;          // 1: continuous collision against other dynamic bodies
    int32_t allow_sleep;     // 0 for datasets (sleeping makes stepping history-dependent)
} tb_body_def;

/// Material and filtering of one shape; start from `tb_default_shape_def()`.
typedef struct tb_shape_def {
    float density, friction, restitution;
    float restitution_threshold;  // approach speed below which restitution is ignored (Box2D's default 1 m/s)
    uint16_t category_bits, mask_bits;
    int16_t group_index;
    int32_t sensor;               // 1: detects overlap, never collides
} tb_shape_def;

tb_body_def tb_default_body_def(void);
tb_shape_def tb_default_shape_def(void);

// World --------------------------------------------------------------------------------------------

tb_world *tb_world_create(float gravity_x, float gravity_y);
void tb_world_destroy(tb_world *w);
void tb_world_set_gravity(tb_world *w, float gx, float gy);
/// Box2D's world-wide sleeping switch (off from `tb_world_create`: datasets never sleep). Bodies also need `allow_sleep`.
void tb_world_set_allow_sleeping(tb_world *w, int32_t allow);
/// Advances `count` fixed steps; persistent forces are re-applied before each one.
void tb_world_step(tb_world *w, float dt, int32_t velocity_iterations, int32_t position_iterations, int32_t count);
/// Number of body ids handed out so far (removed ones included).
int32_t tb_world_body_id_count(const tb_world *w);
/// Live counts for the window's panel: dynamic bodies, of them awake, and contacts whose shapes touch.
void tb_world_counts(const tb_world *w, int32_t *dynamic_bodies, int32_t *awake, int32_t *touching_contacts);

// Bodies and shapes ----------------------------------------------------------------------------------

/// Returns the new body's id (ids count up from 0).
int32_t tb_body_create(tb_world *w, const tb_body_def *def);
/// Destroys the body, its shapes and joints; the id stays dead. Returns 0 if the id was not alive.
int32_t tb_body_remove(tb_world *w, int32_t body);
/// Disabled bodies keep their state but take no part in the simulation (a "vanished" object).
void tb_body_set_enabled(tb_world *w, int32_t body, int32_t enabled);
int32_t tb_body_is_alive(const tb_world *w, int32_t body);
int32_t tb_body_is_enabled(const tb_world *w, int32_t body);

/// Shape functions return 1 on success, 0 on a dead body or invalid geometry.
int32_t tb_add_circle(tb_world *w, int32_t body, const tb_shape_def *def, float cx, float cy, float radius);
int32_t tb_add_box(tb_world *w, int32_t body, const tb_shape_def *def, float half_width, float half_height,
                   float cx, float cy, float angle);
/// Convex polygon with 3...8 vertices as x0,y0,x1,y1,... in body coordinates (hull is taken).
int32_t tb_add_polygon(tb_world *w, int32_t body, const tb_shape_def *def, const float *xy, int32_t count);
int32_t tb_add_edge(tb_world *w, int32_t body, const tb_shape_def *def, float x1, float y1, float x2, float y2);
/// Polyline of `count` ≥ 2 points (≥ 3 when `loop`), one-sided smooth collision along it.
int32_t tb_add_chain(tb_world *w, int32_t body, const tb_shape_def *def, const float *xy, int32_t count, int32_t loop);
/// Replaces the collision filter of every shape of the body (e.g. to stop colliding with walls).
void tb_body_set_filter(tb_world *w, int32_t body, uint16_t category_bits, uint16_t mask_bits, int16_t group_index);

// Joints ---------------------------------------------------------------------------------------------

/// Pin joint at a world point. Limits in radians; `enable_limit`/`enable_motor` are 0 or 1. Returns a joint id or -1.
int32_t tb_joint_revolute(tb_world *w, int32_t body_a, int32_t body_b, float anchor_x, float anchor_y,
                          int32_t collide_connected, int32_t enable_limit, float lower, float upper,
                          int32_t enable_motor, float motor_speed, float max_motor_torque);
/// Rod or spring between two world points. `length` < 0 uses the current distance; frequency 0 is rigid.
int32_t tb_joint_distance(tb_world *w, int32_t body_a, int32_t body_b, float ax, float ay, float bx, float by,
                          float length, float frequency_hz, float damping_ratio, int32_t collide_connected);

// Pull (mouse joint) ---------------------------------------------------------------------------------

/// A mouse-style pull, Box2D's mouse joint: point (ax, ay) of `body` (world coordinates at the moment of the grab)
/// is drawn towards (target_x, target_y) by a soft spring-damper solved inside the velocity solver, so it stays
/// stable for any mass (stiffness and damping are derived from the body's mass and `frequency_hz`/`damping_ratio`)
/// and never pulls harder than `max_force`. The joint's own target is a "carrot" that travels from the grab point
/// to the requested target at most `max_speed` fast, changing speed at most `max_acceleration` per second and
/// braking to stop there (advanced before every step), so a far jump of the pointer neither saturates the spring
/// nor flings the body. The pulled body keeps colliding with `ground` (any static body; the walls may live on it).
/// One pull per world: beginning another ends the first. Returns 1, or 0 if a body is dead or `body` is not dynamic.
int32_t tb_pull_begin(tb_world *w, int32_t ground, int32_t body, float ax, float ay, float target_x, float target_y,
                      float max_force, float frequency_hz, float damping_ratio, float max_speed, float max_acceleration);
/// Moves the current pull's target (no effect without a pull).
void tb_pull_set_target(tb_world *w, float target_x, float target_y);
/// Ends the current pull, if any.
void tb_pull_end(tb_world *w);
/// 1 while a pull is in effect.
int32_t tb_pull_active(const tb_world *w);

// Motion ---------------------------------------------------------------------------------------------

void tb_body_apply_force(tb_world *w, int32_t body, float fx, float fy);                 // at the centre of mass, this step
void tb_body_apply_force_at(tb_world *w, int32_t body, float fx, float fy, float px, float py);
void tb_body_apply_impulse(tb_world *w, int32_t body, float ix, float iy);               // at the centre of mass
void tb_body_apply_torque(tb_world *w, int32_t body, float torque);
void tb_body_apply_angular_impulse(tb_world *w, int32_t body, float impulse);
/// A force applied at the centre before every step until changed; (0, 0) removes it.
void tb_body_set_persistent_force(tb_world *w, int32_t body, float fx, float fy);
/// Sets pose and velocities at once (a jump, not a motion: no sweep, no contacts on the way).
void tb_body_teleport(tb_world *w, int32_t body, float x, float y, float angle, float vx, float vy, float omega);
void tb_body_set_velocity(tb_world *w, int32_t body, float vx, float vy, float omega);
void tb_body_set_damping(tb_world *w, int32_t body, float linear, float angular);
float tb_body_mass(const tb_world *w, int32_t body);

// Bulk read-out --------------------------------------------------------------------------------------

/// For each id writes x, y, angle, vx, vy, ω (6 floats) into `out`; ids < 0, removed or disabled bodies give zeros.
void tb_export_states(const tb_world *w, const int32_t *ids, int32_t count, float *out);
/// Clears the per-body "began touching something" flags (done by the caller at each observation).
void tb_clear_contact_flags(tb_world *w);
/// For each id writes 1 if that body began touching any solid shape since the last clear, else 0.
void tb_export_contact_flags(const tb_world *w, const int32_t *ids, int32_t count, uint8_t *out);

/// Plain C++ reference for the bench: `count` calls of `b2World::Step` on a world built through this API
/// (so both sides step the same world) and nothing else; returns the seconds elapsed (steady clock).
double tb_bench_plain_steps(tb_world *w, float dt, int32_t velocity_iterations, int32_t position_iterations,
                            int32_t count);

#ifdef __cplusplus
}
#endif
#endif
