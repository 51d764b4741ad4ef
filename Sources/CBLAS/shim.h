#include <cblas.h>
#include "kernels.h"
#include "pairwise.h"
#include "maps.h"
#include "repulsion.h"

/* LAPACK's symmetric eigensolver, exported by OpenBLAS (Debian ships no lapacke.h for it). */
void ssyev_(const char *jobz, const char *uplo, const int *n, float *a, const int *lda,
            float *w, float *work, const int *lwork, int *info);
