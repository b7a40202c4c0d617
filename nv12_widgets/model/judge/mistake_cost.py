"""What a configuration mistake costs, measured: the device's output with the lint
findings' fixes applied (the deployment done right) against the output as deployed.

:func:`mistake_cost` runs the model twice (or once, given the deployed outputs);
:func:`costs_of` judges two output sets (``Comparator`` measures them from its cache).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from nv12_widgets.core import (
    PairAssessment,
    assess_pair,
    compare_arrays,
    output_kind,
    task_agreement,
)
from nv12_widgets.model.devicepath.config import PreprocessConfig
from nv12_widgets.model.devicepath.pipeline import Pipeline
from nv12_widgets.model.judge.lint import LintFinding, apply_fixes, checked_image

__all__ = ["MistakeCost", "costs_of", "mistake_cost"]


# ---------------------------------------------------------------------- measured cost
@dataclass(frozen=True)
class MistakeCost:
    """What the findings' mistakes cost one output on one image.

    ``intended`` is the device's output with every fix applied (the deployment done
    right), ``deployed`` the device's output with the config as given; both come
    through the NV12 path, so the 4:2:0 format is in both and cancels out.

    Attributes
    ----------
    output : str
    cosine : float
        ``compare_arrays(intended, deployed).cosine``.
    max_abs : float
    assessment : PairAssessment
        ``assess_pair(intended, deployed)``: "no-signal" means this image cannot show
        the cost (the model finds nothing either way): other images may suffer more.
    task : dict
        ``task_agreement(intended, deployed, output_kind(intended))`` ({} on shape
        mismatch).
    fixes : tuple of (str, value)
        The field changes that were applied.

    Examples
    --------
    >>> intended = {"y": np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)}
    >>> deployed = {"y": np.array([[1.0, 2.0], [3.0, 5.0]], np.float32)}
    >>> cost = costs_of(intended, deployed, (("swing", "studio"),))["y"]
    >>> d = cost.to_dict()
    >>> round(d["cosine"], 4), d["max_abs"], d["status"], d["fixes"]
    (0.994, 1.0, 'evidence', {'swing': 'studio'})
    """

    output: str
    cosine: float
    max_abs: float
    assessment: PairAssessment
    task: dict[str, Any]
    fixes: tuple[tuple[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain values (the assessment as its status and reason)."""
        return {
            "output": self.output,
            "cosine": self.cosine,
            "max_abs": self.max_abs,
            "status": self.assessment.status,
            "reason": self.assessment.reason,
            "task": {k: v for k, v in self.task.items() if not k.endswith("_decoded")},
            "fixes": {k: list(v) if isinstance(v, tuple) else v for k, v in self.fixes},
        }


def mistake_cost(
    model: Any,
    image: Any,
    findings: list[LintFinding] | tuple[LintFinding, ...],
    config: PreprocessConfig,
    device: PreprocessConfig | None = None,
    *,
    deployed_outputs: dict[str, np.ndarray] | None = None,
    extra_feeds: dict[str, Any] | None = None,
) -> dict[str, MistakeCost]:
    """Measure what the findings with a ``fix`` cost on this image (runs the model).

    Parameters
    ----------
    model : Model
    image : numpy.ndarray or path
        (H, W, 3) uint8 RGB.
    findings : sequence of LintFinding
        Usually the errors of :func:`lint` (those without a fix are ignored).
    config, device : PreprocessConfig
        As given to :func:`lint` / ``compare``.
    deployed_outputs : dict, optional
        The NV12 path's outputs of ``compare(model, image, config, device=device)``
        when the caller has them (``Comparison.outputs_nv12``): saves one inference.
    extra_feeds : dict, optional
        Values for the model's non-image inputs.

    Returns
    -------
    dict of str to MistakeCost
        Per output; empty when no finding has a fix. One or two inferences.

    Examples
    --------
    An identity model (its output is the tensor it is fed) deployed without the mean
    subtraction the finding asks for:

    >>> from onnx import TensorProto, helper
    >>> from nv12_widgets.model import Model
    >>> from nv12_widgets.model.judge.lint import LintFinding
    >>> x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4])
    >>> y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 4, 4])
    >>> g = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [x], [y])
    >>> m = Model(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]))
    >>> f = LintFinding("mean", "error", "no mean", ("mean",), fix=(("mean", (100.0,) * 3),))
    >>> image = np.zeros((4, 4, 3), np.uint8)
    >>> image[:2] = 200
    >>> cost = mistake_cost(m, image, [f], PreprocessConfig())["y"]
    >>> round(cost.cosine, 3), cost.max_abs, cost.assessment.status
    (-0.704, 100.0, 'evidence')
    >>> mistake_cost(m, image, [], PreprocessConfig())  # nothing to fix
    {}
    """
    fixes = tuple(kv for f in findings for kv in f.fix)
    if not fixes:
        return {}
    img = checked_image(image)
    fixed, fixed_device = apply_fixes(findings, config, device)
    feeds = dict(extra_feeds or {})
    name = model.image.name

    def outputs(cfg: PreprocessConfig, dev: PreprocessConfig | None) -> dict[str, np.ndarray]:
        tensor = Pipeline.for_model(model, cfg, dev).run(img).device_tensor
        return model.run({**feeds, name: tensor})

    deployed = deployed_outputs if deployed_outputs is not None else outputs(config, device)
    return costs_of(outputs(fixed, fixed_device), deployed, fixes)


def costs_of(
    intended: Mapping[str, np.ndarray],
    deployed: Mapping[str, np.ndarray],
    fixes: tuple[tuple[str, Any], ...],
) -> dict[str, MistakeCost]:
    """The :class:`MistakeCost` of every output from the two runs' outputs: the device's
    output with the fixes applied (``intended``) against the one as configured.

    An output whose shape differs between the two runs (an exported NMS kept another
    number of boxes) has no element-wise cost and is left out.

    Examples
    --------
    >>> intended = {"logits": np.array([[0.1, 0.9]], np.float32)}
    >>> deployed = {"logits": np.array([[0.6, 0.4]], np.float32)}  # the top-1 flips
    >>> cost = costs_of(intended, deployed, (("train_format", "bgr"),))["logits"]
    >>> cost.task["kind"], cost.task["top1"], cost.fixes
    ('classifier', 0.0, (('train_format', 'bgr'),))
    >>> costs_of({"boxes": np.zeros((3, 4))}, {"boxes": np.zeros((2, 4))}, ())
    {}
    """
    result = {}
    for out_name, want in intended.items():
        got = np.asarray(deployed[out_name])
        if np.shape(want) != got.shape:
            # a dynamic output (the K boxes an exported NMS kept): no element-wise cost;
            # the comparison's task answers judge it
            continue
        metrics = compare_arrays(want, got)
        task = task_agreement(want, got, output_kind(want))
        result[out_name] = MistakeCost(
            out_name, metrics.cosine, metrics.max_abs, assess_pair(want, got), task, fixes
        )
    return result
