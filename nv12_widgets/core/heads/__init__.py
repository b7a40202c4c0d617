"""Output kinds ("heads"): what a model's outputs mean, decoded into the task's answer.

A cosine says how far an output moved; users ask whether the *answer* changed: the
class, the text, the boxes. An **output kind** turns one or several output arrays
into that answer and says how much two answers (reference path vs a test path)
agree, in task terms.

The contract (:class:`OutputKind`)
----------------------------------
``name`` / ``aliases``
    Registry names (``--output-kind y=NAME``); old configuration names are aliases
    (``sequence`` -> ``ctc``, ``dense`` -> ``db``).
``n_outputs``
    How many arrays ``decode`` reads (0: any).
``defaults``
    ``{param: Default(value, source)}``: every decode parameter, its default and the
    document / repository the default comes from.
``decode(arrays, **params) -> answer``
    ``arrays``: the sequence of output arrays the kind reads, of one path.
``empty(answer) -> bool``
    No signal: nothing above the family's own threshold (no box, no text box, no
    character).
``agreement(ref_answer, test_answer) -> dict[str, float]``
    Task terms, always with a headline ``"score"`` in [0, 1] (1 = same answer).
``components(arrays) -> dict[str, ndarray]``
    A head tensor split into boxes / objectness / class scores / landmarks ({} when
    not applicable); :func:`component_metrics` compares two such splits.
``summary(agreement) -> str``
    One line for tables.
``fits(arrays, metadata)`` / ``confidence(arrays, metadata)`` / ``suggest(...)`` / ``bind(...)``
    Auto-detection: can it read them, how sure (0..1), which decode parameters the
    shapes and metadata imply, which groups of outputs a multi-output kind claims.

Registry and selection
----------------------
:func:`register` (``replace=False``), :func:`get`, :func:`names`;
:func:`from_interpreter` wraps a user's :class:`OutputInterpreter`
(``__call__(outputs) + metric(ref, test)``) or a ``"module:Class"`` string into a
kind, registered the same way as the built-ins; :func:`resolve` takes a name, an
alias or a ``module:Class`` plug-in (for the CLI). A :class:`Binding` (``kind``,
``outputs``, ``params``) says which outputs a kind reads; :func:`guess_bindings`
builds them from shapes and ONNX metadata (Ultralytics ``task`` / ``names`` /
``imgsz`` / ``kpt_shape``; PaddleOCR ``character``; ``input_size`` ``"HxW"``, which the
model layer can add from the model input, for heads whose anchor count does not fix
the input size). A binding's ``confidence`` says how sure auto-detection was (>= 0.8:
a strong shape rule or metadata; 0.3: a weak guess such as any ``(N, C, H, W)`` map
read as segmentation). :func:`judge` gives everything reported for one binding and one
path (answers, no-signal, agreement, summary, component metrics).

Built-in kinds
--------------
=================  ==========================================  ===========================
kind (aliases)     outputs                                     agreement ("score")
=================  ==========================================  ===========================
classifier         (C,), (N, C), (N, C, 1, 1)                  top-1 (top-5)
binary (sigmoid)   (N, 1) one sigmoid score per image          same side of 0.5
ctc (sequence)     (B, T, C) or (T, B, C) per-step scores       1 - CER, exact match
db (dense)         (N, 1, H, W) / (N, H, W) text probability   box F1 (IoU >= 0.5), mask IoU
yolov8 (yolo11)    (1, 4+C[+3K|+32], N) or transpose; pose,    detections: F1, AP@0.5,
                   seg (+ prototypes)                          IoU, shift of matched boxes
yolov5 (yolov7)    (1, N, 5+C) with objectness                 detections
yolox              (1, N, 5+C), decoded or raw grid outputs    detections
picodet            per-stride scores (1, N_s, C) + box         detections
                   distributions (1, N_s, 4 (reg_max+1))
boxes_scores       boxes (1, N, 4) + scores (1, N, C) / (1,    detections
(ppyoloe, ssd)     C, N) (PP-YOLOE without NMS, SSD-style)
end2end            (1, K, 6 [+extra]) x1 y1 x2 y2 score class  detections (K may differ
(ultralytics_nms)  (Ultralytics export(nms=True), YOLOv10)     between paths)
nms_gathered       NonMaxSuppression + Gather: (K, 4), (K,),   detections
                   classes (K,) or selected_indices (K, 3)
nms_indices        selected_indices (K, 3) + boxes (1, N, 4)   detections
                   + scores (1, C, N)
dets_labels        mmdeploy dets (1, K, 5) + labels (1, K)     detections
(mmdeploy)
tf_detections      num_detections, detection_boxes (1, K, 4)   detections
(tf_od)            yxyx, detection_scores, detection_classes
segmentation       (N, C, H, W) class logits                   mIoU
other              anything                                    none
=================  ==========================================  ===========================
"""

from __future__ import annotations

from .base import (
    Binding,
    Default,
    Interpreter,
    InterpreterKind,
    OutputInterpreter,
    OutputKind,
    from_interpreter,
    get,
    interpret,
    load_object,
    names,
    register,
    resolve,
)
from .boxes import (
    DetectionKind,
    Detections,
    average_precision,
    detection_agreement,
    greedy_nms,
    iou_matrix,
    match_image,
    nms,
    pooled_average_precision,
    xywh_to_xyxy,
)
from .classify import (
    BinaryKind,
    BinaryScores,
    ClassifierKind,
    ClassScores,
    OtherKind,
    SegmentationKind,
    SegmentationMask,
)
from .components import compare_components, component_metrics, judge
from .guess import (
    KINDS,
    guess_bindings,
    guess_kind,
    metadata_names,
    metadata_size,
    output_kind,
    task_agreement,
    task_from_answers,
    task_summary,
)
from .multi import BoxesScoresKind, PicoDetKind, multilabel_nms
from .postnms import (
    DetsLabelsKind,
    EndToEndKind,
    NMSGatheredKind,
    NMSIndicesKind,
    TFDetectionsKind,
    kept_detections,
)
from .text import (
    CTCKind,
    Text,
    character_error_rate,
    ctc_greedy_decode,
    edit_distance,
    sequence_agreement,
    step_agreement,
    text_agreement,
)
from .textdet import (
    DENSE_THRESHOLD,
    DBKind,
    DBTextDetection,
    TextBoxes,
    box_iou,
    box_match,
    db_boxes,
    mask_iou,
)
from .yolo import YOLOv5Kind, YOLOv8Kind, YOLOXKind, select_detections

__all__ = [
    "BinaryKind",
    "BinaryScores",
    "BoxesScoresKind",
    "DetsLabelsKind",
    "EndToEndKind",
    "NMSGatheredKind",
    "NMSIndicesKind",
    "TFDetectionsKind",
    "kept_detections",
    "DetectionKind",
    "Detections",
    "PicoDetKind",
    "YOLOXKind",
    "YOLOv5Kind",
    "YOLOv8Kind",
    "average_precision",
    "compare_components",
    "component_metrics",
    "detection_agreement",
    "greedy_nms",
    "iou_matrix",
    "match_image",
    "multilabel_nms",
    "nms",
    "pooled_average_precision",
    "select_detections",
    "xywh_to_xyxy",
    "DENSE_THRESHOLD",
    "KINDS",
    "Binding",
    "CTCKind",
    "ClassScores",
    "ClassifierKind",
    "DBKind",
    "DBTextDetection",
    "Default",
    "Interpreter",
    "InterpreterKind",
    "OtherKind",
    "OutputInterpreter",
    "OutputKind",
    "SegmentationKind",
    "SegmentationMask",
    "Text",
    "TextBoxes",
    "box_iou",
    "box_match",
    "ctc_greedy_decode",
    "db_boxes",
    "character_error_rate",
    "edit_distance",
    "from_interpreter",
    "get",
    "guess_bindings",
    "guess_kind",
    "interpret",
    "judge",
    "load_object",
    "mask_iou",
    "metadata_names",
    "metadata_size",
    "names",
    "output_kind",
    "register",
    "resolve",
    "sequence_agreement",
    "step_agreement",
    "task_agreement",
    "task_from_answers",
    "task_summary",
    "text_agreement",
]

for _kind in (
    ClassifierKind,
    CTCKind,
    DBKind,
    YOLOv8Kind,
    YOLOv5Kind,
    YOLOXKind,
    PicoDetKind,
    BoxesScoresKind,
    EndToEndKind,
    NMSGatheredKind,
    NMSIndicesKind,
    DetsLabelsKind,
    TFDetectionsKind,
    BinaryKind,
    SegmentationKind,
    OtherKind,
):
    register(_kind, replace=True)
del _kind
