"""A tour of the paper's main claims, checked as you read
=======================================================

A notebook kept as a jupytext ``py:percent`` file (``jupytext --to ipynb
examples/tour_of_the_paper.py`` opens it in Jupyter, where the result objects display as
tables and the derivations as equations). It is executed by the tests
(``tests/test_notebook.py``) and by the documentation build. About five minutes of reading;
under a minute to run.
"""

# %% [markdown]
# Section 2: a network is a septuple, and a feedforward one reaches its fixed point
# ---------------------------------------------------------------------------------
# The deep network of Section 10 (784-40-20-10, N = 854). The fixed point (2.9) of the
# dynamics (2.5) is reached after L - 1 = 3 steps and equals the layered forward pass.

# %%
import numpy as np

from learning import check_feedforward, feedforward, fixed_point, forward_state

net = feedforward((784, 40, 20, 10), seed=0)
data = np.random.default_rng(0).uniform(-1, 1, 784)
x_star = fixed_point(net, np.concatenate([data, np.zeros(net.n_neurons - 784)]))
print(check_feedforward(net))
print("steps:", x_star.steps, " max |fixed point - forward pass| =",
      float(np.abs(x_star.state - forward_state(net, data)).max()))

# %% [markdown]
# Section 5: the operator G and its spectrum
# ------------------------------------------
# G = (I - f'w)^T (I - f'w) (5.6). For a layered network det G = 1 (7.7): the log-eigenvalues
# sum to zero, which the structured method reproduces to round-off.

# %%
from learning.spectrum import g_spectrum, spectral_moment

spectrum = g_spectrum(net, x_star.state)
print("Σ log λ =", float(np.sum(spectrum.log_eigenvalues)),
      " μ_2 =", spectral_moment(spectrum, 2), " μ_3 =", spectral_moment(spectrum, 3))

# %%
import matplotlib.pyplot as plt

moved = spectrum.log_eigenvalues[np.abs(spectrum.log_eigenvalues) > 1e-12]
fig, ax = plt.subplots(figsize=(6, 3))
ax.hist(moved, bins=40)
ax.set(xlabel="log λ", ylabel="eigenvalues",
       title=f"the {moved.size} eigenvalues of G other than 1 (Σ log λ = 0, (7.7))")
fig.tight_layout()
plt.show()

# %% [markdown]
# Section 5: the Gaussian partition function against the exact one
# ----------------------------------------------------------------
# On a network small enough to integrate exactly (one input, one output neuron), the Gaussian
# log Z of (5.11) is compared with the exact log Z over the windowed state space (5.8).

# %%
from learning.ensemble import exact_canonical_ensemble
from learning.thermodynamics import gaussian_thermodynamics, mean_state_components

small = feedforward((1, 1), seed=2, bias_scale=0.3)  # N = 2: exact quadrature in well under 1 s
for beta in (0.5, 2.0, 10.0):
    exact = exact_canonical_ensemble(small, beta, window="gaussian")
    lam, a = mean_state_components(small, exact.mean_state)
    gauss = gaussian_thermodynamics(lam, beta, mean_components=a)
    print(f"β = {beta:>4}: exact log Z = {exact.log_partition_function:+.5f}, "
          f"Gaussian (5.11) = {gauss.log_partition_function:+.5f}")
gauss  # in Jupyter: a table of U, F, S, ...

# %% [markdown]
# Section 9: where does the two-level model have its extremum?
# ------------------------------------------------------------
# The paper's (9.4) puts it at one point; the exact extrema of (9.3) are elsewhere
# (see the errata).

# %%
from learning.architecture import paper_extremum_9_4, two_level_extrema

for beta in (0.25, 0.5, 1.0):
    ext = two_level_extrema(beta)
    print(f"β = {beta}: extrema at {np.round(ext.positions, 4)}, (9.4) says "
          f"{paper_extremum_9_4(beta):+.4f}")

# %% [markdown]
# The derivations are objects
# ---------------------------
# Each is an ordered list of SymPy steps with the paper's numbers; ``verify()`` checks every
# step, and in Jupyter the derivation displays as tagged equations, its report as a table.

# %%
from learning.derivations import layer_two_traces

report = layer_two_traces().verify()
print(report.to_text().splitlines()[0])
report

# %% [markdown]
# Section 12: does the Onsager tensor (12.9) give the Einstein-Hilbert action?
# ----------------------------------------------------------------------------
# Compared at exact random jets of the metric in D = 3 (D = 4 in the full command,
# ``python -m emergent onsager --dim 4``).

# %%
from emergent.onsager import onsager_verdict

verdict = onsager_verdict(3, n_jets=2)
print(verdict)
