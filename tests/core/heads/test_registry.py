"""The output-kind registry: built-ins and a user's kinds registered the same way."""

from __future__ import annotations

import sys
import textwrap

import numpy as np
import pytest

from nv12_widgets.core import InputError
from nv12_widgets.core.heads import (
    Binding,
    Default,
    Interpreter,
    OutputKind,
    from_interpreter,
    get,
    guess_bindings,
    load_object,
    names,
    register,
    resolve,
    task_agreement,
    task_summary,
)
from nv12_widgets.core.heads.base import _ALIASES, _KINDS


class Parity(OutputKind):
    """Toy kind: the parity of the argmax."""

    name = "parity-test"
    defaults = {"offset": Default(0, "this test")}

    def decode(self, arrays, **params):
        p = self.params(**params)
        (a,) = self.arrays(arrays)
        return (int(np.argmax(a)) + p["offset"]) % 2

    def agreement(self, reference, test):
        return {"score": float(reference == test)}


@pytest.fixture
def clean_registry():
    kinds, aliases = dict(_KINDS), dict(_ALIASES)
    yield
    _KINDS.clear(), _KINDS.update(kinds)
    _ALIASES.clear(), _ALIASES.update(aliases)


def test_builtins_are_registered_with_old_names_as_aliases():
    assert {"classifier", "ctc", "db", "segmentation", "other"} <= set(names())
    assert get("sequence") is get("ctc") and get("dense") is get("db")
    for name in names():
        kind = get(name)
        assert kind.name == name
        for param, default in kind.defaults.items():
            assert isinstance(default, Default) and default.source, (name, param)


def test_register_get_replace(clean_registry):
    kind = register(Parity)
    assert get("parity-test") is kind and "parity-test" in names()
    with pytest.raises(InputError, match="already registered"):
        register(Parity)
    assert register(Parity(), replace=True) is not kind
    with pytest.raises(InputError, match="unknown output kind 'nope'"):
        get("nope")
    with pytest.raises(InputError):
        register(object())


def test_a_registered_kind_works_through_the_by_name_api(clean_registry):
    register(Parity)
    a, b = np.array([0.1, 0.9, 0.0]), np.array([0.1, 0.0, 0.9])
    assert task_agreement(a, b, "parity-test") == {"kind": "parity-test", "score": 0.0}
    assert task_agreement(a, b, "parity-test", offset=1)["score"] == 0.0
    with pytest.raises(InputError, match="do not apply"):
        task_agreement(a, b, "parity-test", thresh=0.3)
    assert task_summary({"kind": "parity-test", "score": 1.0}) == "parity-test 1.000"


def test_binding_decodes_and_compares_named_outputs(clean_registry):
    register(Parity)
    b = Binding("parity-test", ("y",), {"offset": 1})
    assert b.decode({"y": np.array([1.0, 0.0]), "z": np.zeros(1)}) == 1
    assert b.compare({"y": np.array([1.0, 0.0])}, {"y": np.array([0.0, 1.0])}) == {"score": 0.0}
    with pytest.raises(InputError, match="no output"):
        b.decode({"z": np.zeros(1)})


def test_from_interpreter_object_and_plugin_string(tmp_path, monkeypatch, clean_registry):
    top = Interpreter("top", lambda o: int(np.argmax(o["y"])), lambda a, b: float(a == b))
    kind = register(from_interpreter("top-test", top))
    b = Binding("top-test", ("y",))
    assert b.compare({"y": np.array([0.2, 0.8])}, {"y": np.array([0.9, 0.1])}) == {
        "score": 0.0,
        "metric": 0.0,
    }
    assert kind.summary({"score": 0.0, "metric": 0.0}) == "top 0.000"
    (tmp_path / "my_heads_plugin.py").write_text(
        textwrap.dedent(
            """
            import numpy as np

            class Peak:
                name = "peak"

                def __call__(self, outputs):
                    return float(max(np.max(a) for a in outputs.values()))

                def metric(self, reference, test):
                    return 1.0 - abs(reference - test)
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    plug = resolve("my_heads_plugin:Peak")
    assert get("my_heads_plugin:Peak") is plug
    out = Binding("my_heads_plugin:Peak", ("a",)).compare({"a": np.ones(2)}, {"a": np.ones(2) / 2})
    assert out == {"score": 0.5, "metric": 0.5}
    sys.modules.pop("my_heads_plugin", None)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("no_colon", "package.module:Name"),
        ("a:b:c", "package.module:Name"),
        ("surely_not_a_module_xyz:K", "cannot import"),
        ("numpy:NoSuchThing", "has no attribute"),
    ],
)
def test_plugin_loading_errors_are_input_errors(spec, message):
    with pytest.raises(InputError, match=message):
        load_object(spec)


def test_plugin_that_is_not_an_interpreter_is_refused():
    with pytest.raises(InputError, match="metric"):
        from_interpreter("x", "numpy:float64")


def test_guess_bindings_one_per_output_and_other_for_the_rest():
    rng = np.random.default_rng(0)
    outs = {
        "prob": rng.random((1, 10)).astype(np.float32),
        "ids": np.zeros((1, 5), np.int64),
        "map": rng.random((1, 1, 32, 32)).astype(np.float32),
    }
    got = [(b.kind, b.outputs) for b in guess_bindings(outs)]
    assert got == [("classifier", ("prob",)), ("other", ("ids",)), ("db", ("map",))]
    with pytest.raises(InputError):
        guess_bindings([np.zeros(3)])


def test_binding_round_trips_through_json_and_checks_its_kind():
    import json

    b = Binding("yolov8", ("output0",), {"names": ["a"], "imgsz": (320, 320)}, 0.95, "metadata")
    again = Binding.from_dict(json.loads(json.dumps(b.to_dict())))
    assert again.kind == "yolov8" and again.params["imgsz"] == [320, 320]
    with pytest.raises(InputError):
        Binding.from_dict({"kind": "nope", "outputs": ["y"]})
    with pytest.raises(InputError, match="do not apply"):
        Binding.from_dict({"kind": "ctc", "outputs": ["y"], "params": {"thresh": 1}})
    with pytest.raises(InputError):
        Binding.from_dict({"outputs": ["y"]})


def test_obb_heads_are_not_read_as_axis_aligned_boxes():
    head = np.zeros((1, 4 + 3 + 1, 2100), np.float32)  # boxes, 3 classes, angle
    meta = {"task": "obb", "names": "{0: 'a', 1: 'b', 2: 'c'}"}
    assert [b.kind for b in guess_bindings({"o": head}, meta)] != ["yolov8"]


def test_override_accepts_a_registered_user_kind_and_checks_built_ins(clean_registry):
    from nv12_widgets.core.heads import output_kind

    register(Parity)
    assert output_kind(np.zeros((1, 5), np.float32), override="parity-test") == "parity-test"
    head = np.zeros((1, 7, 100), np.float32)  # not a standard grid: still a yolov8 layout
    assert output_kind(head, override="yolov8") == "yolov8"
    with pytest.raises(InputError, match="cannot be read as"):
        output_kind(np.zeros((1, 3)), override="yolov8")
    with pytest.raises(InputError, match="cannot be read as"):
        output_kind(np.zeros((1, 3)), override="dense")
