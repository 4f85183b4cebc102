"""cs231n.kernels.workspace: reused per-thread buffers, and the layers that use them stay correct
when their temporaries are reused (two forward passes before either backward pass)."""

import threading

import numpy as np
import pytest

import cs231n.fast_layers as fl
import cs231n.kernels.winograd as wg
from cs231n.kernels.workspace import scratch
from tests.checks import assert_close

pytestmark = pytest.mark.a2


def test_same_slot_same_memory_grown_on_demand():
    a = scratch("test_slot", (3, 4), np.float64)
    assert a.shape == (3, 4) and a.dtype == np.float64 and a.flags.c_contiguous
    b = scratch("test_slot", (2, 5), np.float64)  # smaller: the same buffer
    assert np.shares_memory(a, b)
    c = scratch("test_slot", (100, 100), np.float64)  # larger: a new, bigger buffer
    assert c.shape == (100, 100) and not np.shares_memory(a, c)
    assert np.shares_memory(c, scratch("test_slot", (7,), np.float64))
    # another dtype or slot never shares
    assert not np.shares_memory(c, scratch("test_slot", (7,), np.float32))
    assert not np.shares_memory(c, scratch("other_slot", (7,), np.float64))


def test_threads_get_their_own_buffers():
    mine = scratch("test_thread", (10,), np.float64)
    theirs = []
    t = threading.Thread(target=lambda: theirs.append(scratch("test_thread", (10,), np.float64)))
    t.start()
    t.join()
    assert not np.shares_memory(mine, theirs[0])


@pytest.mark.parametrize(
    "forward, backward, conv_param",
    [
        (fl.conv_forward_fast, fl.conv_backward_fast, {"stride": 2, "pad": 1}),
        (fl.conv_forward_fast, fl.conv_backward_fast, {"stride": 1, "pad": 0}),
        (wg.conv_forward_winograd, wg.conv_backward_winograd, {"stride": 1, "pad": 1}),
        (wg.conv_forward_winograd, wg.conv_backward_winograd, {"stride": 1, "pad": 1, "tile": 4}),
    ],
)
def test_two_forwards_then_both_backwards(forward, backward, conv_param, rng):
    # What a gradient check or a two-branch network does: both caches must still describe
    # their own inputs after the second forward pass reused the temporaries.
    shapes = [((3, 2, 9, 9), (4, 2, 3, 3)), ((5, 2, 7, 7), (4, 2, 3, 3))]
    runs = []
    for xs, ws in shapes:
        x, w, b = rng.standard_normal(xs), rng.standard_normal(ws), rng.standard_normal(ws[0])
        out, cache = forward(x, w, b, conv_param)
        runs.append((x, w, b, out.copy(), cache, rng.standard_normal(out.shape)))
    for x, w, b, out, cache, dout in reversed(runs):
        grads = backward(dout, cache)
        ref_out, ref_cache = fl.conv_forward_im2col(
            x, w, b, {"stride": conv_param["stride"], "pad": conv_param["pad"]}
        )
        assert_close(out, ref_out, tol=1e-9, what="out")
        for name, g, g_ref in zip("xwb", grads, fl.conv_backward_im2col(dout, ref_cache)):
            assert_close(g, g_ref, tol=1e-9, what=f"d{name}")
