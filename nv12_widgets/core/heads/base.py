"""The output-kind contract, the registry, bindings and user interpreters.

An output kind knows how to turn one or several output arrays into the task's answer
(:meth:`OutputKind.decode`) and how much two answers agree
(:meth:`OutputKind.agreement`). Built-in kinds and a user's kinds are registered the
same way (:func:`register`) and found by name or alias (:func:`get`). A
:class:`Binding` says which outputs of a model one kind reads, with which parameters.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

from .._checks import InputError

__all__ = [
    "Binding",
    "Default",
    "Interpreter",
    "InterpreterKind",
    "OutputInterpreter",
    "OutputKind",
    "from_interpreter",
    "get",
    "interpret",
    "load_object",
    "names",
    "register",
    "resolve",
]


@dataclass(frozen=True)
class Default:
    """One default parameter of a kind and where the value comes from.

    Examples
    --------
    >>> Default(0.25, "Ultralytics cfg/default.yaml: conf (predict)").value
    0.25
    """

    value: Any
    source: str


class OutputKind:
    """Base class of every output kind (built-in or a user's).

    Subclasses set :attr:`name` (and optionally :attr:`aliases`, :attr:`n_outputs`,
    :attr:`defaults`) and implement :meth:`decode`, :meth:`agreement`; the other
    methods have usable defaults.

    Attributes
    ----------
    name : str
        The registry name (``--output-kind y=NAME``).
    aliases : tuple of str
        Other names that find this kind (old configuration names).
    n_outputs : int
        How many output arrays :meth:`decode` reads (0: any number).
    defaults : mapping of str to Default
        Every parameter :meth:`decode` takes, with its default and the default's source.

    Examples
    --------
    >>> class Argmax(OutputKind):
    ...     name = "argmax-toy"
    ...     def decode(self, arrays, **params):
    ...         return int(np.argmax(arrays[0]))
    ...     def agreement(self, reference, test):
    ...         return {"score": float(reference == test)}
    >>> k = Argmax()
    >>> k.agreement(k.decode([np.array([0.1, 0.9])]), k.decode([np.array([0.8, 0.2])]))
    {'score': 0.0}

    What the base class gives a kind that implements only those two methods:

    >>> ref, test = [np.array([0.1, 0.9])], [np.array([0.2, 0.8])]
    >>> k.compare(ref, test), k.summary(k.compare(ref, test))
    ({'score': 1.0}, 'argmax-toy 1.000')
    >>> k.decode_named({"prob": ref[0]}), k.empty(1), k.params()
    (1, False, {})
    >>> len(k.arrays(ref[0])), k.components(ref), k.suggest(ref), k.bind({"prob": ref[0]})
    (1, {}, {}, [])
    >>> k.fits(ref), k.confidence(ref)  # accepted when asked for; never auto-detected
    (True, 0.0)
    >>> k.params(conf=0.5)
    Traceback (most recent call last):
    ...
    nv12_widgets.core._checks.InputError: parameter(s) ['conf'] do not apply to output kind 'argmax-toy'; it takes none.
    """

    name: str = ""
    aliases: tuple[str, ...] = ()
    n_outputs: int = 1
    defaults: Mapping[str, Default] = {}

    # ------------------------------------------------------------------ parameters
    def params(self, **params: Any) -> dict[str, Any]:
        """The defaults' values updated with ``params``; unknown names raise InputError."""
        unknown = set(params) - set(self.defaults)
        if unknown:
            raise InputError(
                f"parameter(s) {sorted(unknown)} do not apply to output kind {self.name!r}; "
                f"it takes {sorted(self.defaults) or 'none'}."
            )
        out = {k: d.value for k, d in self.defaults.items()}
        out.update(params)
        return out

    def arrays(self, arrays: Any) -> list[np.ndarray]:
        """``arrays`` as a list of ndarrays, checked against :attr:`n_outputs`."""
        if isinstance(arrays, np.ndarray):
            arrays = [arrays]
        out = [np.asarray(a) for a in arrays]
        if self.n_outputs and len(out) != self.n_outputs:
            raise InputError(
                f"output kind {self.name!r} reads {self.n_outputs} output(s), got {len(out)}."
            )
        return out

    # ------------------------------------------------------------------ contract
    def decode(self, arrays: Sequence[np.ndarray], **params: Any) -> Any:
        """The task's answer read from ``arrays`` (one path's outputs)."""
        raise NotImplementedError

    def decode_named(self, outputs: Mapping[str, np.ndarray], **params: Any) -> Any:
        """:meth:`decode` of the named outputs, in their order (interpreters want names)."""
        return self.decode(list(outputs.values()), **params)

    def empty(self, answer: Any) -> bool:
        """True when the answer holds nothing above the family's own threshold."""
        return False

    def agreement(self, reference: Any, test: Any) -> dict[str, float]:
        """Agreement of two answers in task terms; ``"score"`` in [0, 1], 1 = same answer."""
        raise NotImplementedError

    def components(self, arrays: Sequence[np.ndarray], **params: Any) -> dict[str, np.ndarray]:
        """The head split into its parts (boxes, class scores, ...); {} when not applicable."""
        return {}

    def summary(self, agreement: Mapping[str, Any]) -> str:
        """One short line of an :meth:`agreement` result."""
        score = agreement.get("score") if agreement else None
        return "" if score is None else f"{self.name} {score:.3f}"

    def fits(self, arrays: Sequence[np.ndarray], metadata: Mapping[str, str] | None = None) -> bool:
        """Whether these arrays can be read as this kind (a shape check, used to refuse
        an override that cannot work); True unless a kind knows better."""
        return True

    def confidence(
        self, arrays: Sequence[np.ndarray], metadata: Mapping[str, str] | None = None
    ) -> float:
        """How sure auto-detection is that ``arrays`` are this kind: 0 (no) .. 1."""
        return 0.0

    def suggest(
        self, arrays: Sequence[np.ndarray], metadata: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        """Decode parameters read from the arrays' shapes and the model metadata
        (class names, input size...) for auto-detection; {} by default."""
        return {}

    def bind(
        self, outputs: Mapping[str, np.ndarray], metadata: Mapping[str, str] | None = None
    ) -> list[Binding]:
        """Bindings of groups of outputs this kind reads together (multi-output kinds
        override it: per-stride heads, boxes + scores); [] by default."""
        return []

    def compare(
        self, reference: Sequence[np.ndarray], test: Sequence[np.ndarray], **params: Any
    ) -> dict[str, Any]:
        """Decode both paths with ``params`` and return their :meth:`agreement`."""
        return self.agreement(self.decode(reference, **params), self.decode(test, **params))

    def __repr__(self) -> str:
        return f"<output kind {self.name!r}>"


# ---------------------------------------------------------------------- registry
_KINDS: dict[str, OutputKind] = {}
_ALIASES: dict[str, str] = {}


def register(kind: OutputKind | type, *, replace: bool = False) -> OutputKind:
    """Register an output kind (an :class:`OutputKind` instance or subclass).

    Parameters
    ----------
    kind : OutputKind or OutputKind subclass
        Classes are instantiated without arguments.
    replace : bool
        Allow replacing a kind of the same name (otherwise an InputError).

    Returns
    -------
    OutputKind
        The registered instance.

    Examples
    --------
    >>> class Toy(OutputKind):
    ...     name = "toy-doc"
    ...     def decode(self, arrays, **params):
    ...         return float(arrays[0].sum())
    ...     def agreement(self, reference, test):
    ...         return {"score": float(reference == test)}
    >>> register(Toy, replace=True).name, "toy-doc" in names()
    ('toy-doc', True)
    >>> register(Toy)  # the name is taken: replacing must be asked for
    Traceback (most recent call last):
        ...
    nv12_widgets.core._checks.InputError: output kind name(s) ['toy-doc'] already registered; pass replace=True to replace.
    """
    if isinstance(kind, type):
        kind = kind()
    if not isinstance(kind, OutputKind):
        raise InputError(
            f"register() takes an OutputKind, got {type(kind).__name__}; wrap a decoder "
            "with from_interpreter(name, interpreter)."
        )
    if not kind.name or not isinstance(kind.name, str):
        raise InputError("an output kind needs a non-empty string .name.")
    taken = [n for n in (kind.name, *kind.aliases) if n in _KINDS or n in _ALIASES]
    if taken and not replace:
        raise InputError(
            f"output kind name(s) {taken} already registered; pass replace=True to replace."
        )
    _KINDS[kind.name] = kind
    _ALIASES.pop(kind.name, None)
    for alias in kind.aliases:
        _ALIASES[alias] = kind.name
    return kind


def get(name: str) -> OutputKind:
    """The registered kind called ``name`` (or aliased so).

    Examples
    --------
    >>> get("sequence").name  # an old configuration name
    'ctc'
    """
    if isinstance(name, OutputKind):
        return name
    key = _ALIASES.get(name, name)
    if key not in _KINDS:
        raise InputError(
            f"unknown output kind {name!r}; registered: {', '.join(names())} "
            f"(aliases: {', '.join(sorted(_ALIASES)) or 'none'}), or a plug-in 'module:Class'."
        )
    return _KINDS[key]


def names() -> tuple[str, ...]:
    """The registered kinds' names, in registration order (built-ins first).

    Examples
    --------
    >>> names()[:2]
    ('classifier', 'ctc')
    """
    return tuple(_KINDS)


# ---------------------------------------------------------------------- bindings
@dataclass(frozen=True)
class Binding:
    """Which outputs one kind reads, with which decode parameters.

    Examples
    --------
    >>> b = Binding("classifier", ("prob",))
    >>> b.output_kind(), list(b.select({"prob": np.zeros((1, 2)), "other": np.zeros(1)}))
    (<output kind 'classifier'>, ['prob'])
    >>> b.decode({"prob": np.array([[0.1, 0.9]])}).scores.shape
    (1, 2)
    >>> b.compare({"prob": np.array([[0.1, 0.9]])}, {"prob": np.array([[0.6, 0.4]])})["score"]
    0.0
    """

    kind: str
    outputs: tuple[str, ...]
    params: Mapping[str, Any] = field(default_factory=dict)
    confidence: float = 1.0
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data (tuples become lists; arrays are not expected in params).

        Examples
        --------
        >>> Binding("yolov8", ("output0",), {"imgsz": (320, 320)}).to_dict()["params"]
        {'imgsz': [320, 320]}
        """

        def plain(v: Any) -> Any:
            if isinstance(v, tuple | list):
                return [plain(x) for x in v]
            if isinstance(v, Mapping):
                return {str(k): plain(x) for k, x in v.items()}
            return v.item() if isinstance(v, np.generic) else v

        return {
            "kind": self.kind,
            "outputs": list(self.outputs),
            "params": plain(dict(self.params)),
            "confidence": float(self.confidence),
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Binding:
        """The inverse of :meth:`to_dict` (the kind must be registered).

        Examples
        --------
        >>> b = Binding("ctc", ("y",), {"blank": 0})
        >>> Binding.from_dict(b.to_dict()) == b
        True
        """
        try:
            kind, outputs = data["kind"], tuple(str(o) for o in data["outputs"])
        except (KeyError, TypeError) as exc:
            raise InputError(f"a binding needs 'kind' and 'outputs', got {data!r}.") from exc
        params = dict(data.get("params") or {})
        get(kind).params(**params)  # unknown kind or parameter: InputError now
        return cls(
            kind, outputs, params, float(data.get("confidence", 1.0)), data.get("reason", "")
        )

    def output_kind(self) -> OutputKind:
        """The registered :class:`OutputKind` this binding names."""
        return get(self.kind)

    def select(self, outputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The bound outputs, by name, in binding order."""
        missing = [n for n in self.outputs if n not in outputs]
        if missing:
            raise InputError(f"no output(s) {missing}; outputs are {list(outputs)}.")
        return {n: np.asarray(outputs[n]) for n in self.outputs}

    def decode(self, outputs: Mapping[str, np.ndarray]) -> Any:
        """The answer of the bound outputs of one path."""
        return self.output_kind().decode_named(self.select(outputs), **dict(self.params))

    def compare(
        self, reference: Mapping[str, np.ndarray], test: Mapping[str, np.ndarray]
    ) -> dict[str, float]:
        """Task agreement of two paths' outputs (decode both, then ``agreement``)."""
        kind = self.output_kind()
        return kind.agreement(self.decode(reference), self.decode(test))


# ---------------------------------------------------------------------- interpreters
@runtime_checkable
class OutputInterpreter(Protocol):
    """A user's decoder: ``__call__(outputs) -> decoded`` and ``metric(ref, test)``.

    Attributes
    ----------
    name : str
        Shown next to its metric, e.g. "db-text-boxes F1".

    Methods
    -------
    __call__(outputs) -> decoded
        ``outputs`` is the dict output name -> array of one path; returns anything
        (boxes, labels, text).
    metric(reference, test) -> float
        Agreement of two decoded results, higher is better (1 = same answer).

    Examples
    --------
    >>> isinstance(Interpreter("n", len, lambda a, b: 1.0), OutputInterpreter)
    True
    >>> class Count:  # any object with a name, __call__ and metric
    ...     name = "count"
    ...     def __call__(self, outputs):
    ...         return int((outputs["y"] > 0.5).sum())
    ...     def metric(self, reference, test):
    ...         return float(reference == test)
    >>> isinstance(Count(), OutputInterpreter), Count().metric(2, 2)
    (True, 1.0)
    """

    name: str

    def __call__(self, outputs: Mapping[str, np.ndarray]) -> Any: ...

    def metric(self, reference: Any, test: Any) -> float: ...


@dataclass(frozen=True)
class Interpreter:
    """An :class:`OutputInterpreter` made of two plain functions.

    Examples
    --------
    >>> top = Interpreter("label", lambda o: int(np.argmax(o["y"])), lambda a, b: float(a == b))
    >>> interpret(top, {"y": np.array([0.1, 0.9])}, {"y": np.array([0.7, 0.3])})["value"]
    0.0
    >>> top({"y": np.array([0.1, 0.9])}), top.metric(1, 1)
    (1, 1.0)
    """

    name: str
    decode: Callable[[Mapping[str, np.ndarray]], Any]
    score: Callable[[Any, Any], float]

    def __call__(self, outputs: Mapping[str, np.ndarray]) -> Any:
        return self.decode(outputs)

    def metric(self, reference: Any, test: Any) -> float:
        return float(self.score(reference, test))


def _check_interpreter(interpreter: Any) -> None:
    if not isinstance(interpreter, OutputInterpreter):
        raise InputError(
            "interpreter must be callable on the outputs dict and have .name and "
            ".metric(reference, test); build one with Interpreter(name, decode, score)."
        )


def interpret(
    interpreter: OutputInterpreter,
    reference_outputs: Mapping[str, np.ndarray],
    test_outputs: Mapping[str, np.ndarray],
) -> dict[str, Any]:
    """Decode both paths' outputs with ``interpreter`` and score them.

    Returns
    -------
    dict
        ``name``, ``value`` (the metric), ``reference`` and ``test`` (decoded).

    Examples
    --------
    >>> same = Interpreter("sum", lambda o: float(o["y"].sum()), lambda a, b: float(a == b))
    >>> interpret(same, {"y": np.ones(2)}, {"y": np.ones(2)})["value"]
    1.0
    """
    _check_interpreter(interpreter)
    ref = interpreter(reference_outputs)
    test = interpreter(test_outputs)
    return {
        "name": interpreter.name,
        "value": float(interpreter.metric(ref, test)),
        "reference": ref,
        "test": test,
    }


class InterpreterKind(OutputKind):
    """An :class:`OutputKind` around a user's :class:`OutputInterpreter`.

    ``decode`` passes the named outputs to the interpreter (positional arrays are
    named ``output0``, ``output1``...); ``agreement`` is ``{"score": metric clipped to
    [0, 1], "metric": metric}``. Build one with :func:`from_interpreter`.

    Examples
    --------
    >>> first = Interpreter("first", lambda o: float(o["output0"][0]), lambda a, b: float(a == b))
    >>> k = InterpreterKind("first-toy", first)
    >>> k.compare([np.ones(2)], [np.ones(2)])
    {'score': 1.0, 'metric': 1.0}
    >>> k.decode([np.array([3.0, 4.0])]), k.decode_named({"output0": np.array([5.0])})
    (3.0, 5.0)
    >>> agreement = k.agreement(3.0, 5.0)
    >>> agreement, k.summary(agreement)
    ({'score': 0.0, 'metric': 0.0}, 'first 0.000')
    """

    n_outputs = 0

    def __init__(self, name: str, interpreter: OutputInterpreter):
        _check_interpreter(interpreter)
        self.name = name
        self.interpreter = interpreter

    def decode(self, arrays: Sequence[np.ndarray], **params: Any) -> Any:
        arrays = self.arrays(arrays)
        return self.decode_named({f"output{i}": a for i, a in enumerate(arrays)}, **params)

    def decode_named(self, outputs: Mapping[str, np.ndarray], **params: Any) -> Any:
        self.params(**params)
        return self.interpreter(dict(outputs))

    def agreement(self, reference: Any, test: Any) -> dict[str, float]:
        value = float(self.interpreter.metric(reference, test))
        score = min(max(value, 0.0), 1.0) if math.isfinite(value) else float("nan")
        return {"score": score, "metric": value}

    def summary(self, agreement: Mapping[str, Any]) -> str:
        if not agreement or agreement.get("metric") is None:
            return ""
        return f"{self.interpreter.name} {agreement['metric']:.3f}"


def load_object(spec: str) -> Any:
    """Import ``"package.module:Name"`` and return the named attribute.

    Raises
    ------
    InputError
        When ``spec`` is not ``module:Name``, the module cannot be imported or has no
        such attribute (the message says which).

    Examples
    --------
    >>> load_object("nv12_widgets.core.heads.base:Interpreter").__name__
    'Interpreter'
    """
    if not isinstance(spec, str) or spec.count(":") != 1 or not all(spec.split(":")):
        raise InputError(f"a plug-in must be written 'package.module:Name', got {spec!r}.")
    module_name, attr = spec.split(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise InputError(
            f"cannot import plug-in module {module_name!r} ({exc}); is it on PYTHONPATH?"
        ) from exc
    try:
        return getattr(module, attr)
    except AttributeError:
        raise InputError(f"module {module_name!r} has no attribute {attr!r}.") from None


def from_interpreter(name: str, interpreter: OutputInterpreter | str) -> OutputKind:
    """An output kind from a user's :class:`OutputInterpreter` (or ``"module:Class"``).

    The result is registered like a built-in with :func:`register`. A string is
    loaded with :func:`load_object`; a class found so is instantiated without
    arguments. An :class:`OutputKind` found so is returned as it is.

    Examples
    --------
    >>> same = Interpreter("sum", lambda o: float(o["y"].sum()), lambda a, b: float(a == b))
    >>> k = from_interpreter("sum-toy", same)
    >>> k.agreement(k.decode_named({"y": np.ones(2)}), k.decode_named({"y": np.zeros(2)}))
    {'score': 0.0, 'metric': 0.0}
    """
    obj = load_object(interpreter) if isinstance(interpreter, str) else interpreter
    if isinstance(obj, type):
        try:
            obj = obj()
        except TypeError as exc:
            raise InputError(
                f"plug-in class {obj.__name__} must be constructible without arguments ({exc})."
            ) from exc
    if isinstance(obj, OutputKind):
        return obj
    return InterpreterKind(name, obj)


def resolve(spec: str | OutputKind) -> OutputKind:
    """A registered kind's name or alias, or a plug-in ``"module:Class"`` (loaded and
    registered under its own name, or under ``spec`` for interpreters): the kind.

    Examples
    --------
    >>> resolve("dense").name
    'db'
    """
    if isinstance(spec, OutputKind):
        return spec
    if isinstance(spec, str) and ":" in spec:
        kind = from_interpreter(spec, spec)
        if kind.name not in _KINDS or _KINDS[kind.name] is not kind:
            register(kind, replace=True)
        return kind
    return get(spec)
