"""BLAS thread counts by problem size (learning/threads.py, issue 29)."""

from threadpoolctl import threadpool_info

from learning.threads import SMALL_PRODUCT_FLOPS, blas_threads_for, largest_product_flops


def _blas_threads():
    return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]


def test_small_products_get_one_thread_and_the_limit_is_restored():
    before = _blas_threads()
    with blas_threads_for(largest_product_flops((784, 40, 20, 10), 100)) as limit:
        assert limit == 1 and _blas_threads() and all(n == 1 for n in _blas_threads())
    assert _blas_threads() == before
    with blas_threads_for(SMALL_PRODUCT_FLOPS) as limit:
        assert limit is None and _blas_threads() == before


def test_largest_product_flops_is_the_widest_layer_pair():
    # 2 x batch x n_l x n_{l+1}, maximised over l: 784 x 40 here, not 40 x 20.
    assert largest_product_flops((784, 40, 20), 10) == 2 * 10 * 784 * 40
    assert largest_product_flops((5, 3, 300), 1) == 2 * 3 * 300
