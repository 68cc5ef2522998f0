"""Bad-input table for the public names of learning not listed in tests/test_bad_input.py.

Each entry: the public name -> bad calls that must raise ValueError/TypeError naming the
argument; typed results the library builds go in ``RESULT_TYPES``; known open refusals in
``XFAIL`` (strict) with the reason.
"""

from __future__ import annotations

import numpy as np

from tests.bad_input_support import Bad, _net, _spectrum

NAN = float("nan")


def _dense23():
    from learning.graph.maps import DenseMap

    return DenseMap(np.ones((2, 3)))


def _identity(n: int):
    from learning.graph.maps import IdentityMap

    return IdentityMap((n,))


def _operator():
    from learning.jacobian import jacobian_operator

    return jacobian_operator(_net(), np.zeros(4))


def _estimate():
    from learning.analysis_spectrum import spectrum_estimate

    return spectrum_estimate(_net(), np.zeros(4))


def _layerwise():
    from learning.activations import LayerwiseActivation

    return LayerwiseActivation(("tanh", "relu"), (2, 2))


def _moments():
    from learning.spectral_estimates import spectral_moments

    return spectral_moments(_net(), np.zeros(4), method="dense")


def _extremes():
    from learning.spectral_estimates import extreme_eigenvalues

    return extreme_eigenvalues(_net(), np.zeros(4), k=1)


# A valid final-checkpoint record for depth_study.run_record.
_FINAL = {"mu2": 1.0, "mu3": -0.1, "test_accuracy": 0.9, "boundary_loss": 0.1}


def _report():
    from learning.experiments.report import Report

    return Report((), {}, "")


def _npz_file() -> str:
    """A valid .npz network in a temporary directory removed at exit."""
    import atexit
    import os
    import shutil
    import tempfile

    from learning.io.npz import save_network

    if not _TMP:
        _TMP.append(tempfile.mkdtemp(prefix="bad-input-"))
        atexit.register(shutil.rmtree, _TMP[0], True)
    path = os.path.join(_TMP[0], "net.npz")
    if not os.path.exists(path):
        save_network(_net(), path)
    return path


_TMP: list[str] = []


def _huge_weight_net():
    """A 2-2-1 network with one finite hidden -> output weight of 1e200 (G overflows)."""
    from learning.feedforward import feedforward, from_layers, layer_biases, layer_weights

    net = feedforward((2, 2, 1), "linear", seed=0)
    ws = [np.array(w) for w in layer_weights(net)]
    ws[1][0, 0] = 1e200
    return from_layers(ws, [np.array(b) for b in layer_biases(net)], net.activation)


def _tmpdir() -> str:
    import atexit
    import shutil
    import tempfile

    if not _TMP:
        _TMP.append(tempfile.mkdtemp(prefix="bad-input-"))
        atexit.register(shutil.rmtree, _TMP[0], True)
    return _TMP[0]


def _archs():
    from learning.experiments.depth_study import architecture_for

    return tuple(architecture_for(130, d) for d in (1, 2, 3))


BAD: dict[str, list[Bad]] = {
    "learning.blas.products_backend": [Bad(lambda f: f("fast").__enter__(), "backend")],
    "learning.blas.BlockPair": [Bad(lambda f: f(np.ones(3), np.float64), "w"),
                                Bad(lambda f: f(np.ones((2, 2)), np.int64), "dtype")],
    # learning.analysis / analysis_report
    "learning.analysis_spectrum.spectrum_estimate": [Bad(lambda f: f(_net(), np.zeros(4), bins=0),
                                                "bins"),
                                            Bad(lambda f: f(_net(), np.zeros(3)), "x_mean")],
    "learning.analysis_spectrum.beta_two_level": [Bad(lambda f: f(NAN), "log_lambda"),
                                         Bad(lambda f: f(-1.0, gamma=2.0), "gamma")],
    "learning.analysis_spectrum.gap_and_beta": [Bad(lambda f: f("estimate"), "estimate")],
    "learning.analysis_spectrum.complexities_of": [Bad(lambda f: f(_estimate(), [1.5]), "orders"),
                                          Bad(lambda f: f("estimate", [1]), "estimate")],
    "learning.analysis.mean_state_and_losses": [
        Bad(lambda f: f(_net(), np.zeros((2, 2))), "targets"),
        Bad(lambda f: f("net"), "septuple")],
    "learning.analysis.analyze_network": [Bad(lambda f: f(_net(), complexity_orders=[99]),
                                              "complexity_orders"),
                                          Bad(lambda f: f("net"), "septuple")],
    "learning.analysis_report.claims": [Bad(lambda f: f("result"), "result")],
    "learning.analysis_report.summary_lines": [Bad(lambda f: f("result"), "result")],
    "learning.analysis_report.write_report": [Bad(lambda f: f("result", "out", {}, {}),
                                                  "result")],
    "learning.bulk_minimum.costs.solver_costs": [Bad(lambda f: f(_net(), 0), "n_samples"),
                                           Bad(lambda f: f(_net(), 2.5), "n_samples")],
    # learning.graph: maps, builder and septuple; learning.jacobian; activations (arch-core)
    "learning.activations.GELU": [Bad(lambda f: f("abc"), "y")],
    "learning.activations.SILU": [Bad(lambda f: f(None), "y")],
    "learning.activations.SOFTPLUS": [Bad(lambda f: f([1, "a"]), "y")],
    "learning.activations.leaky_relu": [Bad(lambda f: f(-0.1), "alpha"),
                                        Bad(lambda f: f("0.1"), "alpha")],
    "learning.activations.elu": [Bad(lambda f: f(NAN), "alpha")],
    "learning.activations.graph_activation": [Bad(lambda f: f("mish"), "activation"),
                                              Bad(lambda f: f(3), "activation")],
    "learning.graph.builder.GraphBuilder": [Bad(lambda f: f((0, 3)), "input_shape"),
                                            Bad(lambda f: f("abc"), "input_shape")],
    "learning.graph.maps.LinearMap": [Bad(lambda f: f(), "Protocols cannot be instantiated")],
    "learning.graph.maps.NodeFunction": [Bad(lambda f: f(), "Protocols cannot be instantiated")],
    "learning.graph.maps.DenseMap": [Bad(lambda f: f(np.ones(3)), "weight"),
                                     Bad(lambda f: f(np.full((2, 2), NAN)), "weight"),
                                     Bad(lambda f: f(np.ones((2, 3)), in_shape=(2, 2)),
                                         "in_shape")],
    "learning.graph.maps.IdentityMap": [Bad(lambda f: f((0, 2)), "shape")],
    "learning.graph.maps.ScaleMap": [Bad(lambda f: f((2, 3), np.ones(3)), "scale"),
                                     Bad(lambda f: f((2,), [NAN, 1.0]), "scale")],
    "learning.graph.maps.ReshapeMap": [Bad(lambda f: f((2, 3), (5,)), "out_shape")],
    "learning.graph.maps.EmbedMap": [Bad(lambda f: f((2,), (1,), 0, 0), "in_shape")],
    "learning.graph.maps.ComposedMap": [Bad(lambda f: f(_dense23(), _identity(2)), "inner")],
    "learning.graph.maps.SumMap": [Bad(lambda f: f(()), "terms")],
    "learning.graph.maps.compose": [Bad(lambda f: f(_dense23(), _identity(2)), "inner")],
    "learning.graph.maps.add": [Bad(lambda f: f(_identity(2), _identity(3)), "a maps")],
    "learning.graph.maps.reshape_map": [Bad(lambda f: f((2, 3), (5,)), "out_shape")],
    "learning.graph.maps.dense_matrix": [Bad(lambda f: f(np.eye(2)), "linear_map")],
    "learning.graph.maps.check_shape": [Bad(lambda f: f(np.ones(3), (3,), "x"), "x")],
    "learning.graph.septuple.GraphSeptuple": [Bad(lambda f: f((), (1,)), "nodes")],
    "learning.graph.septuple.to_septuple": [Bad(lambda f: f(_net()), "net")],
    "learning.graph.septuple.neuron_activation": [Bad(lambda f: f(_net()), "net")],
    "learning.jacobian.JacobianOperator": [Bad(lambda f: f(None, np.float64, True, ()),
                                               "structure")],
    "learning.jacobian.jacobian_operator": [Bad(lambda f: f(_net(), np.zeros(3)), "x_mean"),
                                            Bad(lambda f: f(_net(), np.zeros(4), dtype=int),
                                                "dtype")],
    "learning.jacobian.check_mean_state": [Bad(lambda f: f(_net(), [NAN] * 4), "x_mean"),
                                           Bad(lambda f: f("net", np.zeros(4)), "septuple")],
    "learning.jacobian.linear_operator": [Bad(lambda f: f("op"), "op"),
                                          Bad(lambda f: f(_operator(), "h"), "kind")],
    # learning.graph: convolution, pooling and non-local node maps (arch-conv)
    "learning.graph.convolution.Conv": [
        Bad(lambda f: f(np.ones((4, 3, 3)), in_shape=(2, 5)), "in_shape"),
        Bad(lambda f: f(np.ones((4, 3)), in_shape=(3, 5)), "weight"),
        Bad(lambda f: f(np.ones((4, 1, 3)), groups=3, in_shape=(3, 5)), "groups"),
        Bad(lambda f: f(np.full((2, 1, 3), NAN), in_shape=(1, 5)), "weight")],
    "learning.graph.convolution.ConvTranspose": [
        Bad(lambda f: f(np.ones((2, 1, 3)), in_shape=(3, 5)), "in_shape"),
        Bad(lambda f: f(np.ones((3, 1, 3)), groups=2, in_shape=(3, 5)), "groups"),
        Bad(lambda f: f(np.ones((2, 1, 3)), output_padding=-1, in_shape=(2, 5)),
            "output_padding")],
    "learning.graph.pooling.AvgPool": [Bad(lambda f: f(2, in_shape=(1, 4)), "kernel"),
                                       Bad(lambda f: f((2,), stride=0, in_shape=(1, 4)),
                                           "stride")],
    "learning.graph.pooling.GlobalAvgPool": [Bad(lambda f: f((3,)), "in_shape")],
    "learning.graph.nonlocal_maps.MaxPool": [
        Bad(lambda f: f((2,), in_shape=(1, 4, 4)), "in_shape"),
        Bad(lambda f: f((2,), padding=(2, 0), in_shape=(1, 4)), "padding")],
    "learning.graph.nonlocal_maps.Softmax": [Bad(lambda f: f(2, in_shape=(3, 4)), "axis")],
    "learning.graph.nonlocal_maps.LayerNorm": [
        Bad(lambda f: f((3,), in_shape=(3, 4)), "normalized_shape"),
        Bad(lambda f: f((4,), -1.0, in_shape=(3, 4)), "eps")],
    "learning.graph.nonlocal_maps.SelectionMap": [
        Bad(lambda f: f((3,), (2,), np.array([0, 3])), "index")],
    "learning.graph.nonlocal_maps.SoftmaxJacobian": [
        Bad(lambda f: f(np.array([0.5, 0.5]), 1), "axis"),
        Bad(lambda f: f(np.array([NAN, 0.5]), 0), "probabilities")],
    "learning.graph.nonlocal_maps.LayerNormJacobian": [
        Bad(lambda f: f(np.zeros((2, 3)), np.ones((2, 1)), np.ones(3), 3), "n_axes"),
        Bad(lambda f: f(np.zeros((2, 3)), np.ones((2, 1)), np.ones(2), 1), "scale"),
        Bad(lambda f: f(np.zeros((2, 3)), np.ones((3, 1)), np.ones(3), 1), "rstd")],
    # learning.experiments.claims (measured numbers in, a Claim out)
    "learning.experiments.claims.claim_bulk_far_below_boundary": [
        Bad(lambda f: f(ratios="abc", sweep_ratios={}), "ratios"),
        Bad(lambda f: f(ratios=[1e-3], sweep_ratios=[1.0]), "sweep_ratios")],
    "learning.experiments.claims.claim_losses_decrease": [Bad(lambda f: f(log_change="ab"),
                                                              "log_change")],
    "learning.experiments.claims.claim_shallow_symmetric": [
        Bad(lambda f: f(mu2=[1.0, 2.0], mu3=[0.0]), "mu3")],
    "learning.experiments.claims.claim_deep_more_skewed": [
        Bad(lambda f: f(deep_mu2="a", shallow_mu2=1.0, deep_mu3=-1.0, shallow_mu3=0.0),
            "deep_mu2")],
    "learning.experiments.claims.claim_gap_moves_down": [
        Bad(lambda f: f(gap_means=[1.0, 0.5], final_epoch=1000), "gap_means")],
    "learning.experiments.claims.claim_complexity_linear": [Bad(lambda f: f(r2="ab"), "r2")],
    "learning.experiments.claims.claim_complexity_slopes_order_one": [
        Bad(lambda f: f(slopes="ab"), "slopes")],
    "learning.experiments.claims.claim_sum_log_lambda_zero": [
        Bad(lambda f: f(max_abs_sum_log="a"), "max_abs_sum_log")],
    "learning.experiments.claims.claim_bulk_training_similar": [
        Bad(lambda f: f(epoch=10, boundary_bulk_trained="a", boundary_reference=1.0,
                        accuracy_bulk_trained=0.9, accuracy_reference=0.9),
            "boundary_bulk_trained")],
    "learning.experiments.claims.claim_paper_moments": [
        Bad(lambda f: f(paper={"mu2": 1.84}, ours={"n": {}}, reached=True), "ours")],
    # learning.experiments.depth_study
    "learning.experiments.depth_study.depth_section": [Bad(lambda f: f("runs", "out"), "runs"),
                                                       Bad(lambda f: f([], "out", -1.0),
                                                           "target_loss")],
    "learning.experiments.depth_study.dynamical_dimension": [Bad(lambda f: f((784,)), "sizes"),
                                                             Bad(lambda f: f((4, 0, 2)),
                                                                 "sizes")],
    "learning.experiments.depth_study.architecture_for": [Bad(lambda f: f(100, 0), "depth"),
                                                          Bad(lambda f: f(100, 2, taper=0.0),
                                                              "taper")],
    "learning.experiments.depth_study.DepthStudyConfig": [Bad(lambda f: f(_archs(), seeds=0),
                                                              "seeds"),
                                                          Bad(lambda f: f(()),
                                                              "architectures")],
    "learning.experiments.depth_study.build_depth_jobs": [Bad(lambda f: f("cfg", "out"),
                                                              "config")],
    "learning.experiments.depth_study.run_depth_job": [Bad(lambda f: f({}), "job")],
    "learning.experiments.depth_study.epochs_to_loss": [Bad(lambda f: f([1, 2], [1.0], 0.1),
                                                            "losses"),
                                                        Bad(lambda f: f([1], [1.0], -0.1),
                                                            "target")],
    "learning.experiments.depth_study.markdown_tables": [Bad(lambda f: f("summary", 0.1),
                                                             "summary")],
    "learning.experiments.depth_study.figure_depth": [Bad(lambda f: f("summary", [], "x.png"),
                                                          "summary")],
    "learning.experiments.depth_study.run_record": [
        Bad(lambda f: f((4, 3, 2), 0, _FINAL, [[1.0, 0.5]], -1.0), "target_loss"),
        Bad(lambda f: f((4, 3, 2), 0, "final", [[1.0, 0.5]], 0.1), "final")],
    "learning.experiments.depth_study.summarise": [Bad(lambda f: f("records"), "records")],
    "learning.experiments.depth_study.effective_dynamical_count": [
        Bad(lambda f: f([NAN]), "log_lambda"), Bad(lambda f: f([1.0], threshold=0.0),
                                                   "threshold")],
    "learning.experiments.depth_study.write_depth_report": [Bad(lambda f: f(3.0, {}), "out")],
    # learning.experiments.laws
    "learning.experiments.laws.run_laws": [Bad(lambda f: f("run"), "run")],
    "learning.experiments.laws.run_spectra": [Bad(lambda f: f("run"), "run")],
    "learning.experiments.laws.runs_laws": [Bad(lambda f: f("runs"), "runs")],
    "learning.experiments.laws.section_claims": [Bad(lambda f: f("results"), "results")],
    "learning.experiments.laws.check_results": [Bad(lambda f: f([1]), "results")],
    "learning.experiments.laws.run_components": [Bad(lambda f: f("s", []), "spectra"),
                                                 Bad(lambda f: f([_spectrum()], []),
                                                     "measured")],
    "learning.experiments.laws.literal_claim": [Bad(lambda f: f("t", "mono"), "mono")],
    "learning.experiments.laws.trend_claim": [Bad(lambda f: f("t", "tr"), "tr")],
    "learning.experiments.laws.reading_key": [Bad(lambda f: f("β = 1", "(5.9)", "trend"),
                                                  "form"),
                                              Bad(lambda f: f("β = 1", "(5.11)", "both"),
                                                  "kind")],
    # learning.experiments.laws_report
    "learning.experiments.laws_report.laws_section": [Bad(lambda f: f("runs"), "runs")],
    "learning.experiments.laws_report.figure_laws": [Bad(lambda f: f("results", "x.png"),
                                                         "results")],
    "learning.experiments.laws_report.premise_table": [Bad(lambda f: f("r"), "results")],
    "learning.experiments.laws_report.second_law_table": [Bad(lambda f: f("r", {}),
                                                              "results")],
    "learning.experiments.laws_report.first_law_table": [Bad(lambda f: f("r"), "results")],
    "learning.experiments.laws_report.claims_table": [Bad(lambda f: f([3]), "claims")],
    "learning.experiments.laws_report.markdown": [Bad(lambda f: f("r", {}, []), "results")],
    "learning.experiments.laws_report.numbers": [Bad(lambda f: f("r", {}, []), "results")],
    # learning.experiments.measurements / report
    "learning.experiments.measurements.mean_boundary_loss": [Bad(lambda f: f(_net(), "data"),
                                                                 "data")],
    "learning.experiments.report.parse_runs": [Bad(lambda f: f("runs"), "runs")],
    "learning.experiments.report.draw_figures": [Bad(lambda f: f("out", "runs"), "runs")],
    "learning.experiments.report.summarise": [Bad(lambda f: f("runs"), "runs")],
    "learning.experiments.report.section10": [Bad(lambda f: f("runs"), "runs")],
    "learning.experiments.report.laws_of_learning": [Bad(lambda f: f("runs"), "runs")],
    "learning.experiments.report.depth": [Bad(lambda f: f("runs"), "runs")],
    "learning.experiments.report.render_markdown": [Bad(lambda f: f("payload", [], [], {}),
                                                        "payload")],
    "learning.experiments.report.headline": [Bad(lambda f: f("s", []), "s")],
    "learning.experiments.report.docs_summary": [Bad(lambda f: f("payload", _report()),
                                                     "payload"),
                                                 Bad(lambda f: f({}, "report"), "report")],
    # learning.io
    "learning.io.keras_io.read_keras": [Bad(lambda f: f(3.5), "path")],
    "learning.io.layers.assemble": [Bad(lambda f: f("p", []), "layers")],
    "learning.io.layers.activation_name": [Bad(lambda f: f("p", 3, "where"), "name")],
    "learning.io.layers.bfloat16_to_float32": [Bad(lambda f: f(np.zeros(3, np.float32)),
                                                   "bits")],
    "learning.io.load.read_network": [Bad(lambda f: f(_npz_file(), format="hdf9"), "format"),
                                      Bad(lambda f: f(3.5), "path")],
    "learning.io.load.load_network": [Bad(lambda f: f(_npz_file(), format="hdf9"), "format"),
                                      Bad(lambda f: f(_npz_file(), layers="W0"), "layers")],
    "learning.io.load.sniff_format": [Bad(lambda f: f(3.5), "path")],
    "learning.io.naming.layers_from_tensors": [Bad(lambda f: f("p", "tensors"), "tensors")],
    "learning.io.naming.natural_key": [Bad(lambda f: f(3), "name")],
    "learning.io.npz.read_npz": [Bad(lambda f: f(3.5), "path")],
    "learning.io.npz.save_network": [Bad(lambda f: f("net", "x.npz"), "septuple"),
                                     Bad(lambda f: f(_net(), "x.safetensors"), "path"),
                                     Bad(lambda f: f(_net(), 3.5), "path")],
    "learning.io.onnx_io.read_onnx": [Bad(lambda f: f(3.5), "path")],
    "learning.io.safetensors_io.read_safetensors": [Bad(lambda f: f(3.5), "path")],
    "learning.io.torch_io.read_torch": [Bad(lambda f: f(3.5), "path")],
    # learning.io graph readers (issue 22)
    "learning.analysis_report.node_table": [Bad(lambda f: f(_net()), "graph")],
    "learning.analysis_report.node_lines": [Bad(lambda f: f("net"), "graph")],
    "learning.io.keras_graph.read_keras_graph": [Bad(lambda f: f(3.5), "path"),
                                                 Bad(lambda f: f(_npz_file(), logits=1),
                                                     "logits")],
    "learning.io.keras_graph.snake_case": [Bad(lambda f: f(3), "name")],
    "learning.io.naming.chain_statement": [Bad(lambda f: f("fc1"), "names")],
    "learning.io.onnx_graph.read_onnx_graph": [Bad(lambda f: f(3.5), "source"),
                                               Bad(lambda f: f("m.onnx", logits="yes"),
                                                   "logits")],
    "learning.io.onnx_graph.OnnxGraphReader": [Bad(lambda f: f("m.onnx"), "model")],
    "learning.io.onnx_model.onnx_model": [Bad(lambda f: f(3.5), "source")],
    "learning.io.onnx_model.attributes": [Bad(lambda f: f("Conv"), "node")],
    "learning.io.onnx_spatial.same_pads": [
        Bad(lambda f: f((5,), (3,), (1,), (1,), "SAME"), "mode"),
        Bad(lambda f: f((5, 5), (3,), (1,), (1,), "VALID"), "size")],
    "learning.io.torch_graph.from_torch": [Bad(lambda f: f("module", None), "module")],
    "learning.io.torch_graph.torch_to_onnx": [Bad(lambda f: f("module", None), "module")],
    # learning.laws
    "learning.laws.beta_from_gap_two_level": [Bad(lambda f: f(NAN), "log_lambda"),
                                              Bad(lambda f: f("a"), "log_lambda")],
    "learning.laws.entropy_along": [Bad(lambda f: f([], 1.0), "spectra"),
                                    Bad(lambda f: f([_spectrum()] * 2, [1.0, 2.0, 3.0]),
                                        "betas")],
    "learning.laws.monotonicity": [Bad(lambda f: f([1.0]), "values"),
                                   Bad(lambda f: f([1.0, 2.0], tolerance=-1.0), "tolerance")],
    "learning.laws.first_law_increments": [Bad(lambda f: f([_spectrum()] * 2, -1.0), "beta"),
                                           Bad(lambda f: f([_spectrum()], 1.0), "spectra"),
                                           Bad(lambda f: f([_spectrum()] * 2, 1.0, factor=0.0),
                                               "factor")],
    "learning.laws.rank_correlation": [
        Bad(lambda f: f([1, 2, 3, 4], [1, 2, 3]), "y"),
        Bad(lambda f: f([1, 2, 3, 4], [1, 2, 3, 5], confidence=1.5), "confidence")],
    "learning.laws.transient_end": [Bad(lambda f: f([]), "boundary_losses"),
                                    Bad(lambda f: f([1.0, NAN]), "boundary_losses")],
    "learning.laws.trend": [Bad(lambda f: f([1, 2], [1.0]), "values"),
                            Bad(lambda f: f([1, 2], [1.0, 2.0], start=5), "start")],
    "learning.laws.first_law_leverage": [Bad(lambda f: f([1.0], [1.0]), "delta_entropy"),
                                         Bad(lambda f: f([1.0] * 3, [0.0] * 3),
                                             "delta_entropy")],
    "learning.spectrum.dynamical_eigensystem": [Bad(lambda f: f(_net(), np.zeros(3)),
                                                    "x_mean")],
    "learning.thermodynamics.structured_mean_components": [Bad(lambda f: f("net", [0.0]),
                                                               "septuple")],
    "learning.thermodynamics.entropy_split": [Bad(lambda f: f([1.0], 1.0), "spectrum"),
                                              Bad(lambda f: f(_spectrum(), 1.0, "c"),
                                                  "components")],
    "learning.thermodynamics.MeanComponents": [Bad(lambda f: f([1.0], [1.0, 2.0], 0.0, 2),
                                                   "components"),
                                               Bad(lambda f: f([1.0], [1.0], -1.0, 2),
                                                   "outside_norm2")],
    "learning.laws.fit_first_law": [Bad(lambda f: f([1.0, 2.0], [1.0]), "delta_entropy"),
                                    Bad(lambda f: f([1.0, 2.0, 3.0], [1.0, 2.0, 4.0],
                                                    confidence=1.0), "confidence")],
    # learning.layered_weights
    "learning.layered_weights.LayeredWeights": [Bad(lambda f: f([]), "blocks"),
                                                Bad(lambda f: f(np.zeros((2, 2))), "blocks")],
    "learning.layered_weights.dense_bytes": [Bad(lambda f: f(-1), "n"),
                                             Bad(lambda f: f(2.5), "n")],
    # learning.spectral_estimates
    "learning.spectral_estimates.a_linear_operator": [Bad(lambda f: f(_net(), np.zeros(3)),
                                                          "x_mean")],
    "learning.spectral_estimates.g_linear_operator": [Bad(lambda f: f(_net(), np.zeros(3)),
                                                          "x_mean")],
    "learning.spectral_estimates.a_inverse_linear_operator": [
        Bad(lambda f: f(_net(), np.zeros(3)), "x_mean")],
    "learning.spectral_estimates.spectral_moments": [
        Bad(lambda f: f(_net(), np.zeros(4), orders=(0,)), "orders"),
        Bad(lambda f: f(_net(), np.zeros(4), method="magic"), "method"),
        Bad(lambda f: f(_net(), np.zeros(4), method="slq", n_probes=0), "n_probes"),
        Bad(lambda f: f(_net(), np.zeros(4), method="slq", reorthogonalise="no"),
            "reorthogonalise"),
        Bad(lambda f: f(_net(), np.zeros(4), method="slq", executor="bogus"), "executor"),
        Bad(lambda f: f(_net(), np.zeros(3)), "x_mean")],
    "learning.spectral_density.spectral_density": [
        Bad(lambda f: f(_moments(), confidence=1.5), "confidence"),
        Bad(lambda f: f(_moments(), width=-1.0), "width"),
        Bad(lambda f: f(_moments(), grid=[1.0]), "grid"),
        Bad(lambda f: f("result"), "result")],
    "learning.spectral_density.count_large_estimate": [
        Bad(lambda f: f(_moments(), -1.0), "beta"),
        Bad(lambda f: f(_moments(), 1.0, factor=0.0), "factor"),
        Bad(lambda f: f("result", 1.0), "result")],
    "learning.spectral_estimates.extreme_eigenvalues": [
        Bad(lambda f: f(_net(), np.zeros(4), k=10), "k"),
        Bad(lambda f: f(_net(), np.zeros(4), k=1, tol=-1.0), "tol"),
        Bad(lambda f: f(_net(), np.zeros(3), k=1), "x_mean")],
    "learning.spectral_estimates.complexity_n_from_extremes": [
        Bad(lambda f: f(_extremes(), 99), "n"),
        Bad(lambda f: f("extremes", 1), "extremes")],
    "learning.spectral_estimates.memory_estimate": [Bad(lambda f: f(_net(), "magic"), "method"),
                                                    Bad(lambda f: f(_net(), "slq", n_probes=0),
                                                        "n_probes")],
    # One activation per layer (2.6).
    "learning.activations.LayerwiseActivation": [
        Bad(lambda f: f(("tanh", "relu"), (2, 0)), "sizes"),
        Bad(lambda f: f("tanh", (2,)), "activations"),
        Bad(lambda f: f(("tanh", "tanh"), (2, 2)), "activations")],
    "learning.activations.per_layer_activation": [
        Bad(lambda f: f(["tanh"], (2, 3, 4)), "activations"),
        Bad(lambda f: f(["tanh"], "ab"), "layer_sizes")],
    "learning.activations.layer_activations": [
        Bad(lambda f: f(_layerwise(), (1, 2)), "layer_sizes"),
        Bad(lambda f: f("tanh", (2, 2)), "activation")],
    "learning.septuple.activation_of": [Bad(lambda f: f(_net(), [3, 1]), "neurons"),
                                        Bad(lambda f: f(_net(), [0.5]), "neurons"),
                                        Bad(lambda f: f("net", [0]), "septuple")],
}

# Issue 25 (reliability round 3): a β where no extremum exists, wrong objects where a
# septuple belongs, strings/generators where arrays belong, bools where counts belong,
# NaN epochs or losses.
_ROUND3: dict[str, list[Bad]] = {
    "learning.feedforward.feedforward": [Bad(lambda f: f((2, 2), seed=-1), "seed"),
                                         Bad(lambda f: f((2, 2), seed="abc"), "seed")],
    "learning.analysis.analyze_network": [Bad(lambda f: f(_net(), seed=-1), "seed"),
                                          Bad(lambda f: f(_net(), seed="abc"), "seed")],
    "learning.analysis_spectrum.spectrum_estimate": [Bad(lambda f: f(_net(), np.zeros(4), seed=-1),
                                                "seed")],
    "learning.ensemble.canonical_samples": [Bad(lambda f: f(_net(), 1.0, seed=-1), "seed")],
    "learning.laws.beta_from_gap_two_level": [Bad(lambda f: f(0.0), "log_lambda"),
                                              Bad(lambda f: f(3.0), "log_lambda")],
    "learning.analysis_spectrum.beta_two_level": [Bad(lambda f: f("abc"), "log_lambda"),
                                         Bad(lambda f: f(0.5), "log_lambda"),
                                         Bad(lambda f: f(-1e-4), "log_lambda")],
    "learning.spectral_estimates.spectral_moments": [
        Bad(lambda f: f("net", np.zeros(4)), "septuple"),
        Bad(lambda f: f(_net(), "0000"), "x_mean"),
        Bad(lambda f: f(_net(), (x for x in np.zeros(4))), "x_mean")],
    "learning.spectral_estimates.extreme_eigenvalues": [
        Bad(lambda f: f(None, np.zeros(4), k=1), "septuple"),
        Bad(lambda f: f(_net(), np.zeros(4), k=True), "k")],
    "learning.spectral_estimates.a_linear_operator": [Bad(lambda f: f(3.0, np.zeros(4)),
                                                          "septuple")],
    "learning.spectrum.g_spectrum": [Bad(lambda f: f(_net(), ["a", "b", "c", "d"]), "x_mean"),
                                     Bad(lambda f: f(_huge_weight_net(), np.zeros(5),
                                                     method="dense"), "septuple"),
                                     Bad(lambda f: f(_huge_weight_net(), np.zeros(5)),
                                         "septuple")],
    "learning.laws.entropy_along": [Bad(lambda f: f(1.0, 1.0), "spectra"),
                                    Bad(lambda f: f([_spectrum()] * 2, "abc"), "betas")],
    "learning.laws.monotonicity": [Bad(lambda f: f(x for x in (3.0, 2.0)), "values")],
    "learning.laws.first_law_increments": [Bad(lambda f: f(None, 1.0), "spectra")],
    "learning.laws.fit_first_law": [Bad(lambda f: f("abc", [1.0, 2.0, 3.0]), "delta_u"),
                                    Bad(lambda f: f([1.0, 2.0, 3.0], object()),
                                        "delta_entropy")],
    "learning.analysis.mean_state_and_losses": [
        Bad(lambda f: f(_net(), "abc", np.zeros((3, 2))), "inputs")],
    "learning.spectral_estimates.memory_estimate": [Bad(lambda f: f(_net(), np.zeros(0)),
                                                        "method")],
    "learning.laws.rank_correlation": [Bad(lambda f: f("abc", [1, 2, 3]),
                                                              "x")],
    "learning.experiments.depth_study.dynamical_dimension": [Bad(lambda f: f(3), "sizes"),
                                                             Bad(lambda f: f("784-10"),
                                                                 "sizes")],
    "learning.experiments.depth_study.epochs_to_loss": [
        Bad(lambda f: f([1, NAN, 100], [1.0, 0.5, 0.05], 0.1), "epochs"),
        Bad(lambda f: f([1, 10, 100], [1.0, NAN, 0.05], 0.1), "losses")],
}
for _name, _bads in _ROUND3.items():
    BAD.setdefault(_name, []).extend(_bads)


# Typed results the library builds (frozen dataclasses returned by its functions).
RESULT_TYPES: set[str] = {
    "learning.graph.builder.TensorRef", "learning.graph.septuple.GraphNode",
    "learning.analysis_spectrum.Moment", "learning.analysis_spectrum.LogDensity",
    "learning.analysis_spectrum.SpectrumEstimate", "learning.analysis_spectrum.GapBeta",
    "learning.analysis.MeanState", "learning.analysis.Losses",
    "learning.analysis.NetworkAnalysis", "learning.experiments.laws.RunLaws",
    "learning.experiments.laws_report.LawsSection",
    "learning.experiments.laws.PremiseCheck", "learning.experiments.laws.EntropyReading",
    "learning.experiments.laws.GaussianSplitCheck", "learning.laws.RankCorrelation",
    "learning.laws.Trend", "learning.laws.Leverage", "learning.thermodynamics.EntropySplit",
    "learning.experiments.measurements.SpectrumSummary",
    "learning.experiments.measurements.CheckpointMeasurements",
    "learning.experiments.report.RunRecord", "learning.experiments.report.Section10Summary",
    "learning.experiments.report.ReportSection", "learning.experiments.report.Report",
    "learning.io.load.LoadedNetwork", "learning.io.layers.DenseLayer",
    "learning.io.onnx_graph.GraphRead", "learning.io.onnx_model.OnnxModel",
    "learning.laws.Monotonicity", "learning.laws.FirstLawFit",
    "learning.spectral_estimates.SpectralQuadrature",
    "learning.spectral_estimates.SpectralMoments",
    "learning.spectral_density.SpectralDensity", "learning.spectral_density.CountEstimate",
    "learning.spectral_estimates.ExtremeEigenvalues",
}
XFAIL: dict[tuple[str, int], str] = {}
