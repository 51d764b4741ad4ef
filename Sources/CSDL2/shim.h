#include <SDL.h>
#include <SDL_ttf.h>
#include <SDL_image.h>

/// Function-like macros Swift cannot import, as inline functions.
static inline int tumble_SDL_WINDOWPOS_CENTERED(void) { return (int)SDL_WINDOWPOS_CENTERED; }
static inline int tumble_SDL_WINDOWPOS_UNDEFINED(void) { return (int)SDL_WINDOWPOS_UNDEFINED; }
static inline int tumble_SDL_MUSTLOCK(SDL_Surface *s) { return SDL_MUSTLOCK(s) ? 1 : 0; }
static inline Uint32 tumble_SDL_PIXELFORMAT_RGBA32(void) { return SDL_PIXELFORMAT_RGBA32; }
static inline Uint32 tumble_SDL_PIXELFORMAT_RGB24(void) { return SDL_PIXELFORMAT_RGB24; }
