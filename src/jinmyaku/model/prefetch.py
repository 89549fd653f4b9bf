"""Software prefetch for kernels whose next random accesses are known ahead.

``prefetch(arr, i, j)`` and ``prefetch1(arr, i)`` emit LLVM's prefetch of the
cache line holding ``arr[i, j]`` or ``arr[i]``: a hint to the CPU that changes
no result and never faults, so a stale or out-of-date index is harmless. A
serial kernel that walks a list of tie ids (maintenance's chosen ties, an
event's planned encounters) prefetches the records a few entries ahead and the
weights at the rows' slots a few entries nearer, so the cache misses of
several ties overlap instead of following one another.
"""

from __future__ import annotations

import llvmlite.binding as llvm
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

# the intrinsic's name carries the pointer type: opaque pointers from LLVM 15 on
_PREFETCH = "llvm.prefetch.p0" if llvm.llvm_version_info >= (15,) else "llvm.prefetch.p0i8"


def _prefetch_codegen(context, builder, signature, args):
    """Emit llvm.prefetch (read, high temporal locality, data) of ``arr[idx...]``."""
    aryty = signature.args[0]
    ary = context.make_array(aryty)(context, builder, args[0])
    idx = [context.cast(builder, v, t, types.intp)
           for v, t in zip(args[1:], signature.args[1:], strict=True)]
    ptr = cgutils.get_item_pointer2(
        context, builder, data=ary.data, shape=cgutils.unpack_tuple(builder, ary.shape),
        strides=cgutils.unpack_tuple(builder, ary.strides), layout=aryty.layout, inds=idx,
        wraparound=False, boundscheck=False)
    i8p = ir.IntType(8).as_pointer()
    i32 = ir.IntType(32)
    fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
    fn = cgutils.get_or_insert_function(builder.module, fnty, _PREFETCH)
    builder.call(fn, [builder.bitcast(ptr, i8p), ir.Constant(i32, 0), ir.Constant(i32, 3),
                      ir.Constant(i32, 1)])
    return context.get_dummy_value()


@intrinsic
def prefetch(typingctx, arr, i, j):
    """Ask the CPU to fetch the cache line of ``arr[i, j]`` (a hint; changes no result)."""
    return types.void(arr, i, j), _prefetch_codegen


@intrinsic
def prefetch1(typingctx, arr, i):
    """Ask the CPU to fetch the cache line of ``arr[i]`` (a hint; changes no result)."""
    return types.void(arr, i), _prefetch_codegen
