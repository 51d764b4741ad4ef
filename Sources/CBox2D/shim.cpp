// Implementation of CBox2D.h: a thin layer that owns a b2World, maps integer ids to bodies and records
// which bodies began a contact. Nothing here allocates per step.
#include <box2d/box2d.h>
#include <cfloat>
#include <chrono>
#include <cmath>
#include <cstring>
#include <vector>
#include "CBox2D.h"

namespace {

/// Marks both bodies of every new solid contact; body ids live in the body's user data (id + 1).
struct ContactRecorder final : b2ContactListener {
    std::vector<uint8_t> *flags = nullptr;
    void BeginContact(b2Contact *contact) override {
        b2Fixture *fa = contact->GetFixtureA(), *fb = contact->GetFixtureB();
        if (fa->IsSensor() || fb->IsSensor()) return;
        mark(fa->GetBody());
        mark(fb->GetBody());
    }
    void mark(b2Body *b) {
        uintptr_t tag = b->GetUserData().pointer;
        if (tag != 0 && tag - 1 < flags->size()) (*flags)[tag - 1] = 1;
    }
};

struct PersistentForce {
    int32_t body;
    b2Vec2 force;
};

}  // namespace

struct tb_world {
    b2World world;
    std::vector<b2Body *> bodies;  // index = id; nullptr once removed
    std::vector<uint8_t> contactFlags;
    std::vector<PersistentForce> forces;
    int32_t jointCount = 0;  // joint ids count up and are never reused
    b2MouseJoint *pull = nullptr;  // the one pull (tb_pull_begin); Box2D owns it
    b2Vec2 pullTarget, carrot, carrotVelocity;  // where the user points; the joint's target chasing it
    float pullSpeed = 0, pullAcceleration = 0;
    ContactRecorder recorder;

    explicit tb_world(b2Vec2 g) : world(g) {
        recorder.flags = &contactFlags;
        world.SetContactListener(&recorder);
        world.SetAllowSleeping(false);
    }
    b2Body *body(int32_t id) const {
        return (id >= 0 && size_t(id) < bodies.size()) ? bodies[size_t(id)] : nullptr;
    }
};

static b2FixtureDef fixtureDef(const tb_shape_def *d, const b2Shape *shape) {
    b2FixtureDef f;
    f.shape = shape;
    f.density = d->density;
    f.friction = d->friction;
    f.restitution = d->restitution;
    f.restitutionThreshold = d->restitution_threshold;
    f.filter.categoryBits = d->category_bits;
    f.filter.maskBits = d->mask_bits;
    f.filter.groupIndex = d->group_index;
    f.isSensor = d->sensor != 0;
    return f;
}

/// Box2D 2.4 asserts (or silently substitutes a unit box) on degenerate polygons; reject them first.
static bool convexAndProper(const b2Vec2 *v, int32_t n) {
    if (n < 3 || n > b2_maxPolygonVertices) return false;
    float area2 = 0;
    int sign = 0;
    for (int32_t i = 0; i < n; ++i) {
        b2Vec2 a = v[i], b = v[(i + 1) % n], c = v[(i + 2) % n];
        if (b2DistanceSquared(a, b) < 0.5f * b2_linearSlop * 0.5f * b2_linearSlop) return false;
        float cross = b2Cross(b - a, c - b);
        int s = cross > 0 ? 1 : (cross < 0 ? -1 : 0);
        if (s != 0) {
            if (sign != 0 && s != sign) return false;
            sign = s;
        }
        area2 += b2Cross(a, b);
    }
    return sign != 0 && (area2 > 0 ? area2 : -area2) > 4 * b2_epsilon;
}

extern "C" {

int tb_box2d_version_major(void) { return b2_version.major; }

tb_body_def tb_default_body_def(void) {
    tb_body_def d;
    std::memset(&d, 0, sizeof d);
    d.type = TB_DYNAMIC;
    d.gravity_scale = 1;
    return d;
}

tb_shape_def tb_default_shape_def(void) {
    tb_shape_def d;
    std::memset(&d, 0, sizeof d);
    d.density = 1;
    d.friction = 0.2f;
    d.restitution_threshold = 1.0f;
    d.category_bits = 0x0001;
    d.mask_bits = 0xFFFF;
    return d;
}

tb_world *tb_world_create(float gx, float gy) { return new tb_world(b2Vec2(gx, gy)); }

void tb_world_destroy(tb_world *w) { delete w; }

void tb_world_set_gravity(tb_world *w, float gx, float gy) { w->world.SetGravity(b2Vec2(gx, gy)); }

/// Moves the pull's carrot one step towards the user's target with a trapezoidal speed profile: speed at most
/// `pullSpeed`, speed change at most `pullAcceleration`·dt, and slow enough to stop at the target. The joint's
/// spring follows a carrot that moves like this without its force cap being reached, so the body neither lags
/// into a saturated (undamped, bang-bang) spring nor overshoots when the pointer jumps far.
static void advanceCarrot(tb_world *w, float dt) {
    b2Vec2 to = w->pullTarget - w->carrot;
    float d = to.Length(), a = w->pullAcceleration;
    b2Vec2 desired(0, 0);
    if (d > 0) desired = (b2Min(w->pullSpeed, std::sqrt(2 * a * d)) / d) * to;
    b2Vec2 dv = desired - w->carrotVelocity;
    float m = dv.Length();
    if (m > a * dt) dv *= a * dt / m;
    w->carrotVelocity += dv;
    b2Vec2 next = w->carrot + dt * w->carrotVelocity;
    // Within one step of a slow arrival: land exactly (the discrete profile would dither around the target).
    if (d <= 2 * a * dt * dt && w->carrotVelocity.Length() <= 2 * a * dt) {
        next = w->pullTarget;
        w->carrotVelocity.SetZero();
    }
    w->carrot = next;
    w->pull->SetTarget(next);
}

void tb_world_step(tb_world *w, float dt, int32_t vi, int32_t pi, int32_t count) {
    for (int32_t s = 0; s < count; ++s) {
        for (const PersistentForce &f : w->forces) {
            if (b2Body *b = w->body(f.body)) b->ApplyForceToCenter(f.force, true);
        }
        if (w->pull) advanceCarrot(w, dt);
        w->world.Step(dt, vi, pi);
    }
}

int32_t tb_world_body_id_count(const tb_world *w) { return int32_t(w->bodies.size()); }

void tb_world_set_allow_sleeping(tb_world *w, int32_t allow) { w->world.SetAllowSleeping(allow != 0); }

void tb_world_counts(const tb_world *w, int32_t *dynamic_bodies, int32_t *awake, int32_t *touching_contacts) {
    int32_t n = 0, a = 0, c = 0;
    for (const b2Body *b = w->world.GetBodyList(); b; b = b->GetNext()) {
        if (b->GetType() != b2_dynamicBody) continue;
        ++n;
        if (b->IsAwake()) ++a;
    }
    for (const b2Contact *k = w->world.GetContactList(); k; k = k->GetNext()) {
        if (k->IsTouching()) ++c;
    }
    *dynamic_bodies = n; *awake = a; *touching_contacts = c;
}

int32_t tb_body_create(tb_world *w, const tb_body_def *d) {
    b2BodyDef def;
    def.type = d->type == TB_STATIC ? b2_staticBody : (d->type == TB_KINEMATIC ? b2_kinematicBody : b2_dynamicBody);
    def.position.Set(d->x, d->y);
    def.angle = d->angle;
    def.linearVelocity.Set(d->vx, d->vy);
    def.angularVelocity = d->omega;
    def.linearDamping = d->linear_damping;
    def.angularDamping = d->angular_damping;
    def.gravityScale = d->gravity_scale;
    def.fixedRotation = d->fixed_rotation != 0;
    def.bullet = d->bullet != 0;
    def.allowSleep = d->allow_sleep != 0;
    def.awake = true;
    int32_t id = int32_t(w->bodies.size());
    def.userData.pointer = uintptr_t(id) + 1;
    w->bodies.push_back(w->world.CreateBody(&def));
    w->contactFlags.push_back(0);
    return id;
}

int32_t tb_body_remove(tb_world *w, int32_t id) {
    b2Body *b = w->body(id);
    if (!b) return 0;
    if (w->pull && (w->pull->GetBodyA() == b || w->pull->GetBodyB() == b)) tb_pull_end(w);  // DestroyBody frees it
    w->world.DestroyBody(b);
    w->bodies[size_t(id)] = nullptr;
    w->contactFlags[size_t(id)] = 0;
    return 1;
}

void tb_body_set_enabled(tb_world *w, int32_t id, int32_t enabled) {
    if (b2Body *b = w->body(id)) b->SetEnabled(enabled != 0);
}

int32_t tb_body_is_alive(const tb_world *w, int32_t id) { return w->body(id) != nullptr; }

int32_t tb_body_is_enabled(const tb_world *w, int32_t id) {
    b2Body *b = w->body(id);
    return b && b->IsEnabled();
}

int32_t tb_add_circle(tb_world *w, int32_t id, const tb_shape_def *d, float cx, float cy, float r) {
    b2Body *b = w->body(id);
    if (!b || !(r > 0)) return 0;
    b2CircleShape s;
    s.m_p.Set(cx, cy);
    s.m_radius = r;
    b2FixtureDef f = fixtureDef(d, &s);
    b->CreateFixture(&f);
    return 1;
}

int32_t tb_add_box(tb_world *w, int32_t id, const tb_shape_def *d, float hw, float hh, float cx, float cy, float angle) {
    b2Body *b = w->body(id);
    if (!b || !(hw > b2_linearSlop) || !(hh > b2_linearSlop)) return 0;
    b2PolygonShape s;
    s.SetAsBox(hw, hh, b2Vec2(cx, cy), angle);
    b2FixtureDef f = fixtureDef(d, &s);
    b->CreateFixture(&f);
    return 1;
}

int32_t tb_add_polygon(tb_world *w, int32_t id, const tb_shape_def *d, const float *xy, int32_t n) {
    b2Body *b = w->body(id);
    if (!b || n < 3 || n > b2_maxPolygonVertices) return 0;
    b2Vec2 v[b2_maxPolygonVertices];
    for (int32_t i = 0; i < n; ++i) v[i].Set(xy[2 * i], xy[2 * i + 1]);
    if (!convexAndProper(v, n)) return 0;
    b2PolygonShape s;
    s.Set(v, n);
    b2FixtureDef f = fixtureDef(d, &s);
    b->CreateFixture(&f);
    return 1;
}

int32_t tb_add_edge(tb_world *w, int32_t id, const tb_shape_def *d, float x1, float y1, float x2, float y2) {
    b2Body *b = w->body(id);
    b2Vec2 a(x1, y1), c(x2, y2);
    if (!b || b2DistanceSquared(a, c) <= b2_linearSlop * b2_linearSlop) return 0;
    b2EdgeShape s;
    s.SetTwoSided(a, c);
    b2FixtureDef f = fixtureDef(d, &s);
    b->CreateFixture(&f);
    return 1;
}

int32_t tb_add_chain(tb_world *w, int32_t id, const tb_shape_def *d, const float *xy, int32_t n, int32_t loop) {
    b2Body *b = w->body(id);
    if (!b || n < (loop ? 3 : 2)) return 0;
    std::vector<b2Vec2> v(static_cast<size_t>(n));
    for (int32_t i = 0; i < n; ++i) v[size_t(i)].Set(xy[2 * i], xy[2 * i + 1]);
    for (int32_t i = 1; i < n; ++i)  // Box2D asserts on near-duplicate neighbours
        if (b2DistanceSquared(v[size_t(i - 1)], v[size_t(i)]) <= b2_linearSlop * b2_linearSlop) return 0;
    b2ChainShape s;
    if (loop) {
        s.CreateLoop(v.data(), n);
    } else {
        // Ghost vertices extend the end segments so both ends collide like plain edges.
        b2Vec2 prev = v[0] + (v[0] - v[1]), next = v[size_t(n - 1)] + (v[size_t(n - 1)] - v[size_t(n - 2)]);
        s.CreateChain(v.data(), n, prev, next);
    }
    b2FixtureDef f = fixtureDef(d, &s);
    b->CreateFixture(&f);
    return 1;
}

void tb_body_set_filter(tb_world *w, int32_t id, uint16_t category, uint16_t mask, int16_t group) {
    b2Body *b = w->body(id);
    if (!b) return;
    b2Filter filter;
    filter.categoryBits = category;
    filter.maskBits = mask;
    filter.groupIndex = group;
    for (b2Fixture *f = b->GetFixtureList(); f; f = f->GetNext()) f->SetFilterData(filter);
}

int32_t tb_joint_revolute(tb_world *w, int32_t a, int32_t b, float ax, float ay, int32_t collide, int32_t enableLimit,
                          float lower, float upper, int32_t enableMotor, float speed, float maxTorque) {
    b2Body *ba = w->body(a), *bb = w->body(b);
    if (!ba || !bb || ba == bb) return -1;
    b2RevoluteJointDef def;
    def.Initialize(ba, bb, b2Vec2(ax, ay));
    def.collideConnected = collide != 0;
    def.enableLimit = enableLimit != 0;
    def.lowerAngle = lower;
    def.upperAngle = upper;
    def.enableMotor = enableMotor != 0;
    def.motorSpeed = speed;
    def.maxMotorTorque = maxTorque;
    w->world.CreateJoint(&def);
    return w->jointCount++;
}

int32_t tb_joint_distance(tb_world *w, int32_t a, int32_t b, float ax, float ay, float bx, float by, float length,
                          float frequency, float dampingRatio, int32_t collide) {
    b2Body *ba = w->body(a), *bb = w->body(b);
    if (!ba || !bb || ba == bb) return -1;
    b2DistanceJointDef def;
    def.Initialize(ba, bb, b2Vec2(ax, ay), b2Vec2(bx, by));
    if (length >= 0) def.length = b2Max(length, b2_linearSlop);
    def.minLength = def.length;
    def.maxLength = def.length;
    if (frequency > 0) {
        b2LinearStiffness(def.stiffness, def.damping, frequency, dampingRatio, ba, bb);
        def.minLength = 0;
        def.maxLength = FLT_MAX;
    }
    def.collideConnected = collide != 0;
    w->world.CreateJoint(&def);
    return w->jointCount++;
}

int32_t tb_pull_begin(tb_world *w, int32_t ground, int32_t body, float ax, float ay, float tx, float ty,
                      float maxForce, float frequency, float dampingRatio, float maxSpeed, float maxAcceleration) {
    tb_pull_end(w);
    b2Body *g = w->body(ground), *b = w->body(body);
    if (!g || !b || g == b || b->GetType() != b2_dynamicBody) return 0;
    b2MouseJointDef def;
    def.bodyA = g;
    def.bodyB = b;
    def.collideConnected = true;  // the ground body holds the walls: the pulled body must keep hitting them
    def.target.Set(ax, ay);  // the grab point: the body anchor is where the target starts
    def.maxForce = maxForce;
    b2LinearStiffness(def.stiffness, def.damping, frequency, dampingRatio, g, b);
    w->pull = static_cast<b2MouseJoint *>(w->world.CreateJoint(&def));
    // The carrot starts at the grabbed point moving with it, so grabbing a moving body does not jerk it.
    w->carrot = def.target;
    w->carrotVelocity = b->GetLinearVelocityFromWorldPoint(def.target);
    w->pullTarget.Set(tx, ty);
    w->pullSpeed = maxSpeed;
    w->pullAcceleration = maxAcceleration;
    return 1;
}

void tb_pull_set_target(tb_world *w, float tx, float ty) {
    if (w->pull) w->pullTarget.Set(tx, ty);
}

void tb_pull_end(tb_world *w) {
    if (!w->pull) return;
    w->world.DestroyJoint(w->pull);
    w->pull = nullptr;
}

int32_t tb_pull_active(const tb_world *w) { return w->pull != nullptr; }

void tb_body_apply_force(tb_world *w, int32_t id, float fx, float fy) {
    if (b2Body *b = w->body(id)) b->ApplyForceToCenter(b2Vec2(fx, fy), true);
}

void tb_body_apply_force_at(tb_world *w, int32_t id, float fx, float fy, float px, float py) {
    if (b2Body *b = w->body(id)) b->ApplyForce(b2Vec2(fx, fy), b2Vec2(px, py), true);
}

void tb_body_apply_impulse(tb_world *w, int32_t id, float ix, float iy) {
    if (b2Body *b = w->body(id)) b->ApplyLinearImpulseToCenter(b2Vec2(ix, iy), true);
}

void tb_body_apply_torque(tb_world *w, int32_t id, float t) {
    if (b2Body *b = w->body(id)) b->ApplyTorque(t, true);
}

void tb_body_apply_angular_impulse(tb_world *w, int32_t id, float i) {
    if (b2Body *b = w->body(id)) b->ApplyAngularImpulse(i, true);
}

void tb_body_set_persistent_force(tb_world *w, int32_t id, float fx, float fy) {
    for (size_t i = 0; i < w->forces.size(); ++i) {
        if (w->forces[i].body != id) continue;
        if (fx == 0 && fy == 0) {
            w->forces.erase(w->forces.begin() + long(i));
        } else {
            w->forces[i].force.Set(fx, fy);
        }
        return;
    }
    if (fx != 0 || fy != 0) w->forces.push_back(PersistentForce{id, b2Vec2(fx, fy)});
}

void tb_body_teleport(tb_world *w, int32_t id, float x, float y, float angle, float vx, float vy, float omega) {
    b2Body *b = w->body(id);
    if (!b) return;
    b->SetTransform(b2Vec2(x, y), angle);
    b->SetLinearVelocity(b2Vec2(vx, vy));
    b->SetAngularVelocity(omega);
}

void tb_body_set_velocity(tb_world *w, int32_t id, float vx, float vy, float omega) {
    b2Body *b = w->body(id);
    if (!b) return;
    b->SetLinearVelocity(b2Vec2(vx, vy));
    b->SetAngularVelocity(omega);
}

void tb_body_set_damping(tb_world *w, int32_t id, float linear, float angular) {
    b2Body *b = w->body(id);
    if (!b) return;
    b->SetLinearDamping(linear);
    b->SetAngularDamping(angular);
}

float tb_body_mass(const tb_world *w, int32_t id) {
    b2Body *b = w->body(id);
    return b ? b->GetMass() : 0;
}

void tb_export_states(const tb_world *w, const int32_t *ids, int32_t count, float *out) {
    for (int32_t i = 0; i < count; ++i, out += 6) {
        b2Body *b = w->body(ids[i]);
        if (!b || !b->IsEnabled()) {
            std::memset(out, 0, 6 * sizeof(float));
            continue;
        }
        const b2Vec2 &p = b->GetPosition();
        const b2Vec2 &v = b->GetLinearVelocity();
        out[0] = p.x;
        out[1] = p.y;
        out[2] = b->GetAngle();
        out[3] = v.x;
        out[4] = v.y;
        out[5] = b->GetAngularVelocity();
    }
}

void tb_clear_contact_flags(tb_world *w) { std::fill(w->contactFlags.begin(), w->contactFlags.end(), uint8_t(0)); }

void tb_export_contact_flags(const tb_world *w, const int32_t *ids, int32_t count, uint8_t *out) {
    for (int32_t i = 0; i < count; ++i) {
        int32_t id = ids[i];
        out[i] = (id >= 0 && size_t(id) < w->contactFlags.size()) ? w->contactFlags[size_t(id)] : 0;
    }
}

double tb_bench_plain_steps(tb_world *w, float dt, int32_t vi, int32_t pi, int32_t count) {
    auto start = std::chrono::steady_clock::now();
    for (int32_t s = 0; s < count; ++s) w->world.Step(dt, vi, pi);
    auto stop = std::chrono::steady_clock::now();
    return std::chrono::duration<double>(stop - start).count();
}

}  // extern "C"
