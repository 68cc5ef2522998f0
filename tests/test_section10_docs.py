"""The Section 10 numbers in README.md and the errata are rendered from the committed
results summary of the main job (docs/results/section10.json): docs and file agree."""

import json
import pathlib
import runpy

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _build():
    return runpy.run_path(str(ROOT / "docs" / "build_section10.py"))


def test_docs_quote_the_committed_section10_results():
    build = _build()
    data = json.loads((ROOT / "docs" / "results" / "section10.json").read_text())
    for path, text in build["render"](data).items():
        assert path.read_text() == text, (
            f"{path.name} disagrees with docs/results/section10.json: run "
            "python docs/build_section10.py")


def test_section10_summary_names_its_run_and_every_verdict_is_a_computed_claim():
    data = json.loads((ROOT / "docs" / "results" / "section10.json").read_text())
    assert data["command"].startswith("python -m learning reproduce") and data["date"]
    words = {"holds", "fails", "approximate", "undetermined"}
    assert data["claims"] and all(c["verdict"] in words and c["rule"] for c in data["claims"])
    # The README quotes the same sweep range as the errata (they disagreed once).
    build = _build()
    lo, hi = data["headline"]["ratio_all_runs"]
    quoted = f"{lo:.2f}-{hi:.2f}"
    assert quoted in " ".join(build["readme_rows"](data))
    assert quoted in build["errata_part"](data)


def test_readme_block_replacement_refuses_a_broken_table():
    build = _build()
    text = "| a |\n| Section 10: x |\n| b |\n| Section 10: y |\n"
    try:
        build["apply_readme"](text, ["| Section 10: z |"])
    except ValueError as exc:
        assert "contiguous" in str(exc)
    else:
        raise AssertionError("a split block of Section 10 rows was accepted")
