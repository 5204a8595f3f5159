"""f0.exports: public ``f0`` names a distribution provides (entry-point group ``f0.exports``).

Real ``*.dist-info`` folders on ``sys.path``, as in ``test_manager.py``; the
first-party route (f0-plugin-python's scriptlet names, present and absent) is
tested in ``tests/plugins/python/test_f0_exports.py``.
"""

from __future__ import annotations

import sys
import textwrap

import f0
import pytest
from f0.errors import MissingProviderError, PluginError
from f0.exports import ENTRY_POINT_GROUP, PROVIDED, MissingExportError, _declared, provided

MODULE = "f0_test_exports"


def install(site, dist: str, **names: str) -> None:
    info = site / f"{dist.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
    lines = "".join(f"{name} = {value}\n" for name, value in names.items())
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{lines}")


@pytest.fixture
def site(tmp_path, monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    (site / f"{MODULE}.py").write_text(
        textwrap.dedent(
            '''
            class Widget:
                """A class a third-party distribution adds to f0."""

            class Outer:
                class Inner:
                    """Nested."""
            '''
        )
    )
    monkeypatch.syspath_prepend(str(site))
    _declared.cache_clear()
    yield site
    _declared.cache_clear()
    sys.modules.pop(MODULE, None)


def test_a_declared_name_resolves_on_first_access_and_is_cached(site, monkeypatch):
    install(site, "f0-plugin-widgets", Widget=f"{MODULE}:Widget", Inner=f"{MODULE}:Outer.Inner")
    assert MODULE not in sys.modules
    widget = provided("Widget")
    assert widget is sys.modules[MODULE].Widget
    assert provided("Inner") is sys.modules[MODULE].Outer.Inner
    monkeypatch.delattr(f0, "Widget", raising=False)
    assert f0.Widget is widget  # through the package's __getattr__...
    assert vars(f0)["Widget"] is widget  # ...then an ordinary attribute
    monkeypatch.delattr(f0, "Widget")


def test_the_kernels_own_names_win(site):
    install(site, "f0-plugin-shadow", Recipe=f"{MODULE}:Widget")
    from f0.model import Recipe

    assert f0.Recipe is Recipe


def test_one_name_from_two_distributions_is_a_plugin_error(site):
    install(site, "f0-plugin-one", Widget=f"{MODULE}:Widget")
    install(site, "f0-plugin-two", Widget=f"{MODULE}:Outer")
    with pytest.raises(PluginError, match="exported by both f0-plugin-") as caught:
        provided("Widget")
    assert "uninstall one of them" in str(caught.value)


def test_unknown_and_private_names_are_attribute_errors(site):
    install(site, "f0-plugin-private", _hidden=f"{MODULE}:Widget")
    with pytest.raises(AttributeError, match="no_such_export"):
        provided("no_such_export")
    with pytest.raises(AttributeError, match="_hidden"):
        provided("_hidden")
    with pytest.raises(AttributeError):
        _ = f0.no_such_export


def test_a_known_name_without_its_distribution_says_what_to_install(site, monkeypatch):
    monkeypatch.setitem(PROVIDED, "Gadget", "f0-plugin-gadget")
    with pytest.raises(MissingExportError) as caught:
        provided("Gadget")
    assert str(caught.value) == (
        "f0.Gadget is provided by f0-plugin-gadget: install it with: pip install f0-plugin-gadget"
    )
    # Both: f0's own error tree and what `try: from x import y / except ImportError` expects.
    assert isinstance(caught.value, MissingProviderError)
    assert isinstance(caught.value, ImportError)


def test_provided_names_are_public_and_listed_by_dir():
    assert set(PROVIDED) <= set(f0.__all__)
    assert not set(PROVIDED) & set(f0._EXPORTS)  # the kernel's own table never names them
    assert set(f0.__all__) <= set(dir(f0))
