"""The device path, described once: stages as data, a numpy and an ONNX executor.

A frame travels::

    image --fit--> fitted RGB --encode--> NV12 frame --decode--> pixels --normalize--> tensor
                        \\--train_pixels--> reference pixels -----normalize--> reference tensor

* ``fit`` (:class:`FitStage`): the image fitted to the model input size (the device's
  resizer delivers NV12 at model size, so fitting comes first);
* ``encode`` (:class:`EncodeStage`): RGB -> NV12 as the camera / pyramid / resizer
  produces it (a profile's arithmetic, or swing / matrix / chroma reduction);
* ``decode`` (:class:`DecodeStage`): NV12 -> the training format's pixels as the
  device's conversion node does (its decode swing, matrix, chroma upsampling,
  profile); ``matched`` is the same frame decoded right (float, the true swing, into
  the training format) - the PC's best decode of what the device saw;
* ``train_pixels`` (:class:`TrainPixelsStage`): the fitted RGB in the training format,
  no NV12 (the reference);
* ``normalize`` (:class:`NormalizeStage`): ``(x / divisor - mean) / std``, the model's
  layout and dtype.

:class:`Pipeline` holds these stages for one model input and one
:class:`~nv12_widgets.model.PreprocessConfig` (plus an optional device-side config).
:meth:`Pipeline.run` is the numpy executor (every intermediate, see
:class:`PipelineRun`); :meth:`Pipeline.to_onnx` is the ONNX executor: it emits the
device stages that run on the device (decode, normalize, layout) as graph nodes in
front of the model. The two agree exactly, stage by stage (tests/model/test_pipeline.py).
:class:`~nv12_widgets.model.Comparator` is the numpy executor plus a stage cache plus the
session; quantisation calibration, the configuration check's measurement, the pixel
inspector's readout and identify's candidates all take their tensors from runs.

Every stage is a frozen dataclass (:mod:`nv12_widgets.model.devicepath.stages`):
hashable (the Comparator's cache keys are the stages themselves) and printable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import onnx
from onnx import TensorProto, helper

from nv12_widgets.core import (
    NV12,
    InputError,
)
from nv12_widgets.model.devicepath.builder import (
    GraphBuilder,
)
from nv12_widgets.model.devicepath.config import PreprocessConfig
from nv12_widgets.model.devicepath.input_plan import (
    FLOAT_TYPES,
    InputPlan,
    plan_input,
    value_info_dims,
)
from nv12_widgets.model.devicepath.pipeline_run import PipelineRun, StageCache
from nv12_widgets.model.devicepath.session import Model, guess_layout
from nv12_widgets.model.devicepath.stages import (
    DecodeStage,
    EncodeStage,
    FitStage,
    FrameFitStage,
    NormalizeStage,
    TrainPixelsStage,
    device_path_key,
)

__all__ = [
    "DecodeStage",
    "EncodeStage",
    "FitStage",
    "FrameFitStage",
    "GraphBuilder",
    "InputPlan",
    "NormalizeStage",
    "Pipeline",
    "PipelineRun",
    "StageCache",
    "TrainPixelsStage",
    "device_path_key",
    "plan_input",
]


# ---------------------------------------------------------------------- the pipeline
@dataclass(frozen=True)
class Pipeline:
    """The device path for one model input and config, described once.

    Build with :meth:`for_model` (a :class:`~nv12_widgets.model.Model`) or
    :meth:`for_proto` (an ``onnx.ModelProto``).

    Attributes
    ----------
    plan : InputPlan
    config : PreprocessConfig
        Training side (reference, noise and matched paths).
    device_config : PreprocessConfig
        Device side (encode, decode, device normalisation); ``config`` when consistent.
    fit, train_pixels, encode, decode, matched, normalize, device_normalize : stages
    frame_fit, frame_reference : stages
        For a raw NV12 frame as the source: the NV12-domain resize, and the PC's best
        decode that stands in for the fitted RGB (see :meth:`run_frame`).

    Examples
    --------
    >>> from onnx import TensorProto, helper
    >>> x, y = (helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 3, 4, 4]) for n in "xy")
    >>> g = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [x], [y])
    >>> proto = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    >>> p = Pipeline.for_proto(proto, PreprocessConfig(swing="studio"))
    >>> p.plan.shape, Pipeline.for_model(Model(proto)).plan == p.plan
    ((1, 3, 4, 4), True)
    >>> Pipeline.from_plan(p.plan, PreprocessConfig()).encode.swing
    'full'
    >>> image = np.arange(48, dtype=np.uint8).reshape(4, 4, 3) * 5
    >>> p.reference_tensor(image).shape
    (1, 3, 4, 4)

    The ONNX form of the device stages gives the numpy executor's tensor, bit for bit:

    >>> import onnxruntime as ort
    >>> from nv12_widgets.core import rgb_to_nv12
    >>> frame = rgb_to_nv12(image, swing="studio")
    >>> sess = ort.InferenceSession(p.preprocess_model().SerializeToString())
    >>> planes = dict(zip(("y", "uv"), frame.as_model_inputs()))
    >>> bool(np.array_equal(sess.run(None, planes)[0], p.device_tensor(frame)))
    True
    >>> b = GraphBuilder("pre/", {"y", "uv", "tensor"})
    >>> p.emit(b, "y", "uv", "tensor")
    >>> b.nodes[-1].output[0]
    'tensor'
    >>> json.loads(p.metadata("x", ("y", "uv")))["decode"]["swing"]
    'studio'
    """

    plan: InputPlan
    config: PreprocessConfig
    device_config: PreprocessConfig
    fit: FitStage
    train_pixels: TrainPixelsStage
    encode: EncodeStage
    decode: DecodeStage
    matched: DecodeStage
    normalize: NormalizeStage
    device_normalize: NormalizeStage
    frame_fit: FrameFitStage
    frame_reference: DecodeStage

    # ------------------------------------------------------------------ building
    @classmethod
    def from_plan(
        cls,
        plan: InputPlan,
        config: PreprocessConfig,
        device: PreprocessConfig | None = None,
    ) -> Pipeline:
        """Stages for a resolved input plan."""
        device = device if device is not None else config
        if not isinstance(config, PreprocessConfig) or not isinstance(device, PreprocessConfig):
            raise InputError("config and device must be PreprocessConfig instances.")
        if device.channels != plan.channels:
            raise InputError(
                f"The NV12 path gives {device.channels} channel(s) "
                f"(train_format={device.train_format!r}) but the model takes {plan.channels}."
            )
        return cls(
            plan=plan,
            config=config,
            device_config=device,
            fit=FitStage(plan.size, config.resize_policy, config.interpolation),
            train_pixels=TrainPixelsStage.of(config),
            encode=EncodeStage.of(device, plan.size),
            decode=DecodeStage.device(device),
            matched=DecodeStage.matched(device, config),
            normalize=NormalizeStage.of(config, plan),
            device_normalize=NormalizeStage.of(device, plan),
            frame_fit=FrameFitStage(plan.size, config.interpolation),
            frame_reference=DecodeStage.best(device),
        )

    @classmethod
    def for_model(
        cls,
        model: Model,
        config: PreprocessConfig | None = None,
        device: PreprocessConfig | None = None,
    ) -> Pipeline:
        """Stages for ``model``'s image input (or InputError); no config: the model's
        ``starting_config()``."""
        config = config if config is not None else model.starting_config()
        if not isinstance(config, PreprocessConfig):
            raise InputError(f"config must be a PreprocessConfig, got {type(config).__name__}.")
        info = model.image  # InputError when there is no image input
        dtype = info.dtype if np.issubdtype(info.dtype, np.floating) else None
        if dtype is None and info.dtype != np.dtype(object):
            dtype = info.dtype  # let plan_input name it
        return cls.from_plan(plan_input(info.name, info.shape, dtype, config), config, device)

    @classmethod
    def for_size(
        cls,
        config: PreprocessConfig,
        size: tuple[int, int],
        *,
        layout: str = "NHWC",
        device: PreprocessConfig | None = None,
    ) -> Pipeline:
        """Stages for a float32 input of ``size`` (height, width) without a model (e.g.
        the configuration check's measurement, identify's candidates); odd sizes are
        allowed (the NV12 stages then cannot run).

        Examples
        --------
        >>> Pipeline.for_size(PreprocessConfig(train_format="gray"), (3, 5)).plan.shape
        (1, 3, 5, 1)
        """
        h, w = (int(v) for v in size)
        c = config.channels
        dims = [1, c, h, w] if layout == "NCHW" else [1, h, w, c]
        plan = plan_input(
            "image",
            dims,
            np.dtype(np.float32),
            config.replace(layout=layout, size=None),
            require_even=False,
        )
        return cls.from_plan(plan, config, device)

    @classmethod
    def for_proto(
        cls,
        proto: onnx.ModelProto,
        config: PreprocessConfig,
        *,
        input_name: str | None = None,
        device: PreprocessConfig | None = None,
    ) -> Pipeline:
        """Stages for the image input of an ``onnx.ModelProto`` (default: the single
        4-D float or uint8 input with 1 or 3 channels)."""
        if not isinstance(config, PreprocessConfig):
            raise InputError(f"config must be a PreprocessConfig, got {type(config).__name__}.")
        inputs = [
            i for i in proto.graph.input if i.name not in {t.name for t in proto.graph.initializer}
        ]
        described = ", ".join(f"{i.name} {value_info_dims(i)}" for i in inputs) or "none"
        if input_name is not None:
            chosen = next((i for i in inputs if i.name == input_name), None)
            if chosen is None:
                raise InputError(
                    f"The model has no input {input_name!r}; its inputs are: {described}."
                )
        else:
            candidates = [
                i
                for i in inputs
                if i.type.tensor_type.elem_type in (*FLOAT_TYPES, TensorProto.UINT8)
                and guess_layout(value_info_dims(i)) is not None
            ]
            if not candidates:
                raise InputError(
                    "The model has no image-like input (a 4-D float or uint8 tensor with 1 or 3 "
                    f"channels, NCHW or NHWC); its inputs are: {described}. Pass input_name= if "
                    "image input has another shape."
                )
            if len(candidates) > 1:
                raise InputError(
                    f"The model has several image-like inputs {[c.name for c in candidates]}: "
                    "choose one with input_name=."
                )
            chosen = candidates[0]
        elem = chosen.type.tensor_type.elem_type
        dtype = FLOAT_TYPES.get(elem)
        if dtype is None:
            dtype = np.dtype(helper.tensor_dtype_to_np_dtype(elem)) if elem else None
        plan = plan_input(chosen.name, value_info_dims(chosen), dtype, config)
        return cls.from_plan(plan, config, device)

    # ------------------------------------------------------------------ numpy executor
    def run(self, image: np.ndarray, *, cache: StageCache | None = None) -> PipelineRun:
        """Every intermediate for one (H, W, 3) uint8 RGB image (numpy executor).

        The intermediates are computed on first access; with ``cache`` each is looked
        up by its stage and its input's identity first (see :class:`PipelineRun`).

        Examples
        --------
        >>> p = Pipeline.for_size(PreprocessConfig(swing="studio"), (4, 4))
        >>> run = p.run(np.full((4, 4, 3), 200, np.uint8))
        >>> int(run.frame.y[0, 0]), run.reference_tensor.dtype
        (188, dtype('float32'))
        """
        return PipelineRun(self, image, cache=cache)

    def run_frame(self, frame: NV12, *, cache: StageCache | None = None) -> PipelineRun:
        """Every intermediate for a raw NV12 frame (numpy executor).

        The frame is fitted in the NV12 domain (``frame_fit``); there is no
        full-resolution RGB, so ``fitted`` is the frame's best PC decode
        (``frame_reference``) and the reference is built from it; the device path is
        the device's decode of the frame itself, and ``matched`` the same frame decoded
        right (so the 4:2:0 format's own loss cannot be measured, only the conversion).

        Examples
        --------
        >>> from nv12_widgets.core import rgb_to_nv12
        >>> p = Pipeline.for_size(PreprocessConfig(), (2, 2))
        >>> run = p.run_frame(rgb_to_nv12(np.full((4, 4, 3), 90, np.uint8)))
        >>> run.frame.y.shape, run.fitted[0, 0].tolist()
        ((2, 2), [90, 90, 90])
        """
        return PipelineRun(self, frame, cache=cache)

    def device_tensor(self, frame: NV12) -> np.ndarray:
        """The tensor the device feeds the model for ``frame``: decode + normalize."""
        return self.device_normalize.numpy(self.decode.numpy(frame))

    def reference_tensor(self, image: np.ndarray) -> np.ndarray:
        """The training tensor of an (H, W, 3) image: fit + train pixels + normalize."""
        return self.normalize.numpy(self.train_pixels.numpy(self.fit.numpy(image)))

    # ------------------------------------------------------------------ ONNX executor
    def emit(self, b: GraphBuilder, y: str, uv: str, output: str) -> None:
        """Emit the device stages (decode, normalize, layout) from uint8 NV12 planes
        ``y`` (1, h, w, 1) and ``uv`` (1, h/2, w/2, 2); the last node writes ``output``."""
        self.decode.graph_check()
        y_f = b.op("Cast", [y], "y_float", to=TensorProto.FLOAT)
        uv_f = b.op("Cast", [uv], "uv_float", to=TensorProto.FLOAT)
        pixels = self.decode.onnx(b, y_f, uv_f)
        self.device_normalize.onnx(b, pixels, output)

    def preprocess_model(
        self, input_names: tuple[str, str] = ("y", "uv"), output: str = "tensor"
    ) -> onnx.ModelProto:
        """A stand-alone ONNX model of the device stages: NV12 planes -> model tensor."""
        h, w = self.plan.size
        b = GraphBuilder("", set(input_names) | {output})
        self.emit(b, input_names[0], input_names[1], output)
        graph = helper.make_graph(
            b.nodes,
            "nv12_preprocess",
            [
                helper.make_tensor_value_info(input_names[0], TensorProto.UINT8, [1, h, w, 1]),
                helper.make_tensor_value_info(
                    input_names[1], TensorProto.UINT8, [1, h // 2, w // 2, 2]
                ),
            ],
            [
                helper.make_tensor_value_info(
                    output,
                    helper.np_dtype_to_tensor_dtype(np.dtype(self.plan.dtype)),
                    list(self.plan.shape),
                )
            ],
            initializer=b.inits,
        )
        return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])

    def metadata(self, replaced_input: str, inputs: tuple[str, str]) -> str:
        """The JSON an NV12-inserted model records about its preprocessing."""
        return json.dumps(
            {
                "config": self.device_config.to_dict(),
                "replaced_input": replaced_input,
                "inputs": list(inputs),
                "layout": self.plan.layout,
                "size": list(self.plan.size),
                "decode": self.decode.describe(),
            }
        )
