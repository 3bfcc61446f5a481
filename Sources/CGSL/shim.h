#include <gsl/gsl_errno.h>
#include <gsl/gsl_qrng.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_interp.h>
#include <gsl/gsl_spline.h>

/* GSL exposes generator types as mutable globals; a function keeps Swift 6's
   strict concurrency checks satisfied when reading one. */
static inline const gsl_qrng_type *joule_qrng_sobol(void) { return gsl_qrng_sobol; }
static inline const gsl_rng_type *joule_rng_mt19937(void) { return gsl_rng_mt19937; }
static inline const gsl_multimin_fminimizer_type *joule_nmsimplex2(void) { return gsl_multimin_fminimizer_nmsimplex2; }
