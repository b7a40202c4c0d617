"""``nv12-widgets evaluate``: a model over an image set (loss decomposition, intervals,
accuracy per path), :func:`nv12_widgets.model.workflows.dataset.evaluate`.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
from pathlib import Path
from typing import Any

from nv12_widgets.cli.common import (
    EXIT_BELOW_THRESHOLD,
    EXIT_OK,
    UsageError,
    add_config_options,
    add_feed_option,
    add_output_kind_option,
    config_overrides,
    extra_feeds,
    note,
    output_kinds,
    report_config,
    with_default_size,
)
from nv12_widgets.core import InputError

_EVALUATE_DESCRIPTION = """\
Evaluate a model over an image set: per image the reference, NV12, noise (and quantised)
paths as in 'report', then the loss decomposed into format / conversion / quantisation
(with the noise test as yardstick) with 95% bootstrap intervals, the verdict counts and,
with labels, the classifier's top-1 accuracy per path and its paired difference (paired
bootstrap interval and exact McNemar p). Results are appended to --results (JSON lines)
as images finish: rerunning the same command resumes where it stopped and a finished run
is reloaded without recomputing. Unreadable images are reported per image.

Where it runs: in this process by default; --workers N uses N local processes;
--scheduler ADDRESS a Dask cluster (pip install 'nv12_widgets[dask]'), --scheduler local a
Dask LocalCluster of --workers processes."""


def add_parser(sub: Any, formatter: Any) -> None:
    """Add ``nv12-widgets evaluate`` to the subparsers ``sub``."""
    ev = sub.add_parser(
        "evaluate",
        help="reference / NV12 / noise paths over an image set: decomposition, CIs, accuracy",
        description=_EVALUATE_DESCRIPTION,
        epilog="""\
examples:
  nv12-widgets evaluate --demo              (bundled orientation classifier, labelled pages)
  nv12-widgets evaluate val/ --model cls.onnx --config cfg.json --labels folder \\
      --results val.jsonl --workers 2 --min-accuracy-drop 0.04
  nv12-widgets evaluate "val/**/*.jpg" --model cls.onnx --config cfg.json \\
      --labels labels.csv --scheduler tcp://10.0.0.5:8786

exit codes:
  0  success
  1  --min-accuracy-drop: the NV12 path's (or with --quantized-model the deployed path's)
     top-1 accuracy is more than X below the reference's (point estimate)
  2  usage or input error: one line on stderr, "nv12-widgets: error: ..."
""",
        formatter_class=formatter,
    )
    ev.add_argument(
        "source",
        nargs="?",
        metavar="SOURCE",
        help="a folder (recursive), a glob (quote it), a .txt list of paths, or an image",
    )
    ev.add_argument(
        "--demo",
        action="store_true",
        help="evaluate the bundled orientation classifier on its labelled demo pages "
        "(written to a temporary folder) instead of SOURCE",
    )
    ev.add_argument(
        "--model",
        metavar="M.onnx",
        help="the float ONNX model [the bundled orientation classifier, with "
        "demo_config('orientation') as the starting config]",
    )
    ev.add_argument(
        "--labels",
        metavar="CSV|folder",
        help="ground truth: 'folder' (class = parent folder name) or a CSV of path,label [none]",
    )
    ev.add_argument(
        "--ground-truth",
        metavar="PATH",
        help="boxes (a COCO .json file, or a folder of YOLO <image stem>.txt labels) or text "
        "labels (path<TAB>text lines, or a path,text CSV) matched by file name: each path's "
        "mAP@0.5 / CER against them, with 95%% bootstrap intervals [none]",
    )
    ev.add_argument(
        "--classes",
        nargs="+",
        metavar="NAME",
        help="class names in the model output's order [the model's 'character' metadata, "
        "else the sorted label names]",
    )
    ev.add_argument(
        "--quantized-model",
        metavar="Q.onnx",
        help="a quantised model with the same float input, fed the NV12 path's tensor",
    )
    ev.add_argument(
        "--board-dir",
        metavar="DIR",
        help="board outputs, one dump per image named after it (photo.png -> photo.bin + "
        "photo.json sidecar, dequantised by its dtype/scale/zero_point): adds the board "
        "rung to the ladder float -> NV12 -> quantised -> board [none]",
    )
    ev.add_argument(
        "--results",
        metavar="FILE.jsonl",
        help="JSON-lines results file to append to and resume from [none: not saved]",
    )
    ev.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="worker processes (a process pool, or the LocalCluster of --scheduler local) [1]",
    )
    ev.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="a Dask scheduler address (tcp://host:8786), or 'local' for a LocalCluster [none]",
    )
    ev.add_argument(
        "--min-accuracy-drop",
        type=float,
        metavar="X",
        help="CI gate: exit 1 when the top-1 accuracy drop (fraction, e.g. 0.04) exceeds X; "
        "needs labels [no gate]",
    )
    ev.add_argument("--quiet", action="store_true", help="no progress bar")
    add_output_kind_option(ev)
    add_feed_option(ev)
    add_config_options(ev)
    ev.set_defaults(func=_cmd_evaluate)


def _cmd_evaluate(args: argparse.Namespace) -> int:
    import contextlib
    import tempfile

    from nv12_widgets.model import demo_config
    from nv12_widgets.model.workflows.dataset import (
        ExecutionOptions,
        LabelOptions,
        RungOptions,
        evaluate,
        make_orientation_dataset,
    )

    if args.demo == (args.source is not None):
        raise UsageError("give either SOURCE or --demo")
    if args.workers < 1:
        raise UsageError(f"argument --workers: must be >= 1, got {args.workers}")
    gate = args.min_accuracy_drop
    if gate is not None and not (0.0 <= gate <= 1.0 and math.isfinite(gate)):
        raise UsageError(f"argument --min-accuracy-drop: a fraction in [0, 1], got {gate}")
    if args.model is None and args.config is None:
        overrides = config_overrides(args)
        config = demo_config("orientation")
        config = config.replace(**overrides) if overrides else config
    else:
        from nv12_widgets.model import Model

        loaded = Model(args.model) if args.model is not None else None
        # without --config the model says where to start (gray for a one-channel input)
        config = report_config(args, loaded if args.config is None else None)
        if loaded is not None:  # a dynamic input without --size: one size for the set
            config = with_default_size(config, loaded, None)
    model = args.model if args.model is not None else _demo_model_path("orientation")
    labels = args.labels
    if labels is not None and labels != "folder" and not Path(labels).is_file():
        raise InputError(f"no labels CSV at {labels!r} (--labels); or pass --labels folder")
    with contextlib.ExitStack() as stack:
        source = args.source
        if args.demo:
            tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="nv12-demo-"))
            source = str(make_orientation_dataset(tmp))
            labels = labels or "folder"
        executor = None
        if args.scheduler is not None:
            try:
                from distributed import Client, LocalCluster
            except ImportError:
                raise InputError(
                    "--scheduler needs Dask: pip install 'nv12_widgets[dask]'"
                ) from None
            if args.scheduler == "local":
                cluster = stack.enter_context(
                    LocalCluster(
                        n_workers=args.workers,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=None,
                    )
                )
                executor = stack.enter_context(Client(cluster))
            else:
                try:
                    executor = stack.enter_context(Client(args.scheduler, timeout="10s"))
                except OSError as exc:
                    raise InputError(
                        f"cannot reach the Dask scheduler at {args.scheduler!r}: {exc}"
                    ) from None
        elif args.workers > 1:
            from concurrent.futures import ProcessPoolExecutor

            executor = stack.enter_context(
                ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("spawn"))
            )
        result = evaluate(
            model,
            source,
            config,
            labels=LabelOptions(labels, classes=args.classes, ground_truth=args.ground_truth),
            results_path=args.results,
            rungs=RungOptions(args.quantized_model, board_dir=args.board_dir),
            execution=ExecutionOptions(executor, progress=not args.quiet),
            output_kinds=output_kinds(args),
            extra_feeds=extra_feeds(args),
        )
    print(result.summary())
    if args.results:
        note(f"{result.computed} image(s) computed, {result.skipped} reloaded from {args.results}")
    if gate is None:
        return EXIT_OK
    path = "quant" if args.quantized_model else "nv12"
    drop = result.accuracy_drop(path)
    if drop is None:
        raise InputError("--min-accuracy-drop needs labels (--labels) for a classifier output")
    mean, lo, hi = drop
    verdict = "FAIL" if mean > gate else "ok"
    print(
        f"accuracy gate: top-1 drop of the {path} path {100 * mean:.1f} pts "
        f"[{100 * lo:.1f}, {100 * hi:.1f}] vs allowed {100 * gate:.1f} pts: {verdict}"
    )
    return EXIT_BELOW_THRESHOLD if mean > gate else EXIT_OK


def _demo_model_path(name: str) -> str:
    from nv12_widgets.model import demo_model_path

    return str(demo_model_path(name))
