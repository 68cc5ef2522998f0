"""The main result objects display themselves in Jupyter as a table of their fields."""

import numpy as np

from learning import feedforward, forward_state
from learning.spectrum import g_spectrum
from learning.thermodynamics import gaussian_thermodynamics
from ntcore.display import summary_markdown


def test_spectrum_and_thermodynamics_show_their_numbers():
    net = feedforward((4, 3, 2), seed=0)
    spectrum = g_spectrum(net, forward_state(net, np.zeros(4)))
    table = spectrum._repr_markdown_()
    assert table.startswith("**GSpectrum**") and f"| n_neurons | {net.n_neurons} |" in table
    thermo = gaussian_thermodynamics(spectrum, beta=1.0)
    # The cell shows the value to 6 significant digits: it is the object's own number.
    assert f"| entropy | {thermo.entropy:.6g} |" in thermo._repr_markdown_()


def test_summary_refuses_what_is_not_a_dataclass():
    import pytest

    with pytest.raises(TypeError, match="obj must be a dataclass instance"):
        summary_markdown(3.0)
