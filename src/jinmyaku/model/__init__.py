"""Before any of the model's compiled kernels is defined, Numba is told where this source
version's kernels are cached (:func:`jinmyaku._kernel_cache.configure`)."""

import jinmyaku._kernel_cache as _kernel_cache

_kernel_cache.configure()
