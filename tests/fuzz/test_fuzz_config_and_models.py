"""Fuzz: PreprocessConfig JSON / dicts, and ONNX model bytes."""

from __future__ import annotations

import dataclasses
import json

import onnx
from hypothesis import given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper

from nv12_widgets.core import InputError
from nv12_widgets.model import Model, PreprocessConfig

from .conftest import FUZZ, mutated
from .test_fuzz_board import json_values

#: Values that are sometimes valid for some field, sometimes hostile.
field_values = st.one_of(
    json_values,
    st.sampled_from(
        ["rgb", "bgr", "gray", "yuv444", "full", "studio", "bt601", "bt709", "horizon",
         "vendor-pil", "opencv", "mean", "nearest", "NCHW", "NHWC", "letterbox", "uniform"]
    ),
    st.lists(st.floats(), min_size=1, max_size=3),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.tuples(st.integers(-5, 10**6), st.integers(-5, 10**6)),
)  # fmt: skip
FIELDS = sorted(f.name for f in dataclasses.fields(PreprocessConfig))
configs = st.dictionaries(st.sampled_from([*FIELDS, "nosie"]), field_values, max_size=5)


@settings(FUZZ, max_examples=300)
@given(data=configs)
def test_config_from_dict(data):
    try:
        cfg = PreprocessConfig.from_dict(data)
    except InputError:
        return
    assert PreprocessConfig.from_json(cfg.to_json()) == cfg


@settings(FUZZ, max_examples=300)
@given(
    text=st.one_of(
        configs.map(lambda d: json.dumps(d)),
        st.binary(max_size=200),
        st.text(max_size=200),
        st.integers(1, 20000).map(lambda n: '{"divisor": 1' + "0" * n + "}"),
        st.integers(1, 200000).map(lambda n: "[" * n + "]" * n),
    )
)
def test_config_from_json(text):
    try:
        PreprocessConfig.from_json(text)
    except InputError:
        pass


def _tiny_model_bytes() -> bytes:
    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"]), helper.make_node("Neg", ["y"], ["z"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4])],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 3, 4, 4])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


MODEL_SEEDS = [_tiny_model_bytes()]


@settings(FUZZ, max_examples=200)
@given(data=st.one_of(mutated(MODEL_SEEDS), st.binary(max_size=200)))
def test_onnx_model_bytes(data):
    try:
        model = Model(data, threads=1)
    except InputError:
        return
    assert model.session is not None


@settings(FUZZ, max_examples=50)
@given(data=mutated(MODEL_SEEDS))
def test_onnx_model_files(tmp_path, data):
    path = tmp_path / "m.onnx"
    path.write_bytes(data)
    try:
        Model(path, threads=1)
    except InputError:
        pass
