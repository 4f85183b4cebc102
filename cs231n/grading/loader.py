"""Import a student's ``cs231n/`` folder next to this package, one module at a time.

A student's folder has the official layout (``PATH/cs231n/layers.py``,
``PATH/cs231n/classifiers/fc_net.py``, ...) and imports the way the starter code does:
``from cs231n.layers import *``, ``from .layers import *``, ``from ..layer_utils import *``.
:class:`StudentPackage` executes each student file under a private package name
(``_student_cs231n_<n>.layers``), so ``cs231n`` stays this package and the references
stay ours. Every module executed from the student's folder gets an ``__import__`` of its
own that sends ``cs231n.X`` (absolute or relative) to the student's ``cs231n/X.py`` when
that file exists and imports, and to ours otherwise: a syntax error in the student's
``layers.py`` fails the functions of ``layers.py`` only, and ``fc_net.py`` still imports
(with our layers).

The official starter's Python 2 shims (``from past.builtins import xrange``) work even
without the ``future`` package: ``past`` and ``past.builtins`` then come from
:func:`_past_builtins`. Likewise the assignment 3 starter files import ``torchvision`` at
the top (for the image transforms of ``preprocess``, which are not graded); where torchvision
does not import (this machine: its builds need CUDA), the student's module gets a
placeholder (:class:`_Unavailable`) that fails only when something of it is called.

Grading in isolation: :meth:`StudentPackage.function` returns the student's function with
its global names rebound, so that every official function it calls by name
(``affine_forward`` inside ``affine_relu_forward``, ``batchnorm_forward`` inside
``spatial_batchnorm_forward``, ``rnn_step_forward`` inside ``rnn_forward``) is OUR version.
A method is called with an instance of OUR class, so ``self.loss`` inside ``train`` is ours
too. A bug is then reported in the function that has it and nowhere else. Only the
function's own globals are rebound: private helpers of the student's keep calling what they
called. With ``isolation`` off, :meth:`StudentPackage.function` returns the student's
functions as written (the worker uses that as a second try for a function that fails in
isolation, e.g. a layer norm that calls the student's batch norm with an extra flag only the
student's batch norm knows).
"""

from __future__ import annotations

import builtins
import importlib
import importlib.util
import itertools
import sys
import types
from pathlib import Path

PREFIX = "_student_cs231n"
_counter = itertools.count()

# Modules whose public functions are "the official functions": a student's function of
# the same name seen from a graded function is replaced by ours.
REFERENCE_MODULES = (
    "cs231n.layers",
    "cs231n.fast_layers",
    "cs231n.layer_utils",
    "cs231n.optim",
    "cs231n.rnn_layers",
    "cs231n.classifiers.linear_svm",
    "cs231n.classifiers.softmax",
)
# Modules whose functions are the official ones only for the student's functions of the same
# module: the two style-transfer modules share their names (gram_matrix in PyTorch is not
# gram_matrix in TensorFlow), so a student's style_loss gets the gram_matrix of its framework.
MODULE_REFERENCES = (
    "cs231n.style_transfer_pytorch",
    "cs231n.style_transfer_tensorflow",
    "cs231n.net_visualization_pytorch",
    "cs231n.net_visualization_tensorflow",
)


def _past_builtins() -> types.ModuleType:
    """``past.builtins`` of the ``future`` package, for Python 3: the names the starter uses."""
    module = types.ModuleType("past.builtins")
    module.xrange, module.basestring, module.unicode, module.raw_input = range, str, str, input
    module.builtins = module
    return module


class _Unavailable(types.ModuleType):
    """A module that could not be imported: any attribute is another placeholder, and
    calling one raises ImportError with the original reason."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(name)
        self._reason = reason

    def __getattr__(self, attr: str):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return _Unavailable(f"{self.__name__}.{attr}", self._reason)

    def __call__(self, *args, **kwargs):
        raise ImportError(f"{self.__name__} is not available here: {self._reason}")


class MissingFile(ImportError):
    """The student's folder has no file for a module."""


def _reference_functions(own: str | None = None) -> dict[str, object]:
    """Name -> our function, of :data:`REFERENCE_MODULES` and, when the student's function
    comes from one of :data:`MODULE_REFERENCES` (``own``, e.g. ``cs231n.style_transfer_pytorch``),
    of that module first."""
    refs: dict[str, object] = {}
    for name in ((own,) if own in MODULE_REFERENCES else ()) + REFERENCE_MODULES:
        module = importlib.import_module(name)
        for key, value in vars(module).items():
            if isinstance(value, types.FunctionType) and not key.startswith("_"):
                refs.setdefault(key, value)
    return refs


class StudentPackage:
    """The student's ``PATH/cs231n`` folder, importable under a private name.

    Args:
        path: the assignment folder, which holds ``cs231n/``.

    Raises:
        ValueError: if ``path/cs231n`` is not a folder.
    """

    def __init__(self, path: str | Path) -> None:
        self.root = Path(path).resolve() / "cs231n"
        if not self.root.is_dir():
            raise ValueError(f"StudentPackage: {path} has no cs231n/ folder (expected {self.root})")
        self.prefix = f"{PREFIX}_{next(_counter)}"
        self._modules: dict[str, types.ModuleType] = {}
        self._failed: dict[str, BaseException] = {}
        self._builtins = dict(vars(builtins))
        self._builtins["__import__"] = self._import
        self._refs: dict[str | None, dict[str, object]] = {}
        self.isolation = True
        self.rebound: set[str] = set()  # names :meth:`isolate` replaced since last cleared
        self.top = self._package("")

    # ------------------------------------------------------------------ modules
    def _fullname(self, rel: str) -> str:
        return self.prefix + ("." + rel if rel else "")

    def canonical(self, name: str | None) -> str | None:
        """The official name of one of the student's modules (``cs231n.layers`` for
        ``<prefix>.layers``); any other name unchanged."""
        if name and (name == self.prefix or name.startswith(self.prefix + ".")):
            return "cs231n" + name[len(self.prefix) :]
        return name

    def _package(self, rel: str) -> types.ModuleType:
        """A namespace module for a student's folder (its ``__init__.py`` is not run)."""
        if rel in self._modules:
            return self._modules[rel]
        name = self._fullname(rel)
        package = types.ModuleType(name)
        package.__path__ = [str(self.root.joinpath(*rel.split(".")) if rel else self.root)]
        package.__package__ = name
        sys.modules[name] = package
        self._modules[rel] = package
        if rel:
            parent, _, last = rel.rpartition(".")
            setattr(self._package(parent), last, package)
        return package

    def has_file(self, rel: str) -> bool:
        """Whether the student's folder holds ``cs231n/<rel as path>.py`` (or that package)."""
        base = self.root.joinpath(*rel.split("."))
        return base.with_suffix(".py").is_file() or base.is_dir()

    def module(self, rel: str) -> types.ModuleType:
        """The student's module ``cs231n.<rel>`` (``rel`` like ``"classifiers.fc_net"``).

        Raises MissingFile if the file is absent, or whatever executing it raised
        (SyntaxError, ImportError, ...), the same exception on every later call.
        """
        if rel in self._modules:
            return self._modules[rel]
        if rel in self._failed:
            raise self._failed[rel]
        base = self.root.joinpath(*rel.split("."))
        if base.is_dir() and not base.with_suffix(".py").is_file():
            return self._package(rel)
        file = base.with_suffix(".py")
        if not file.is_file():
            raise MissingFile(f"no file cs231n/{'/'.join(rel.split('.'))}.py")
        parent, _, last = rel.rpartition(".")
        package = self._package(parent)
        name = self._fullname(rel)
        spec = importlib.util.spec_from_file_location(name, file)
        module = importlib.util.module_from_spec(spec)
        module.__builtins__ = self._builtins
        sys.modules[name] = module
        self._modules[rel] = module  # visible while it runs, as for a circular import
        setattr(package, last, module)
        try:
            spec.loader.exec_module(module)
        except (Exception, SystemExit) as exc:
            del self._modules[rel]
            sys.modules.pop(name, None)
            delattr(package, last)
            self._failed[rel] = exc
            raise
        return module

    def _resolve(self, rel: str) -> types.ModuleType:
        """The student's module if it exists and imports, else ours."""
        if rel == "":
            return self.top
        if self.has_file(rel):
            try:
                return self.module(rel)
            except (Exception, SystemExit):
                pass  # its own functions report the error; importers get ours
        return importlib.import_module("cs231n." + rel)

    def _import(self, name, globals=None, locals=None, fromlist=(), level=0):
        """``__import__`` of the student's modules: ``cs231n.*`` goes to :meth:`_resolve`."""
        if level:
            package = (globals or {}).get("__package__") or ""
            target = importlib.util.resolve_name("." * level + name, package)
            if target != self.prefix and not target.startswith(self.prefix + "."):
                return builtins.__import__(name, globals, locals, fromlist, level)
            canonical = "cs231n" + target[len(self.prefix) :]
        elif name == "cs231n" or name.startswith("cs231n."):
            canonical = name
        elif name in ("past", "past.builtins"):
            try:
                return builtins.__import__(name, globals, locals, fromlist, level)
            except ModuleNotFoundError:
                return _past_builtins()
        elif name == "torchvision" or name.startswith("torchvision."):
            try:
                return builtins.__import__(name, globals, locals, fromlist, level)
            except (ImportError, OSError, RuntimeError) as exc:  # CUDA libraries missing, ...
                return _Unavailable("torchvision", f"{type(exc).__name__}: {exc}")
        else:
            return builtins.__import__(name, globals, locals, fromlist, level)
        rel = canonical[len("cs231n.") :] if canonical != "cs231n" else ""
        module = self._resolve(rel)
        if not fromlist:
            # `import cs231n.x.y` binds the top package, reached by attribute from there.
            return self.top if module.__name__.startswith(self.prefix) else sys.modules["cs231n"]
        if module.__name__.startswith(self.prefix):
            for item in fromlist:
                if item == "*" or hasattr(module, item):
                    continue
                sub = f"{rel}.{item}" if rel else item
                if self.has_file(sub):
                    setattr(module, item, self._resolve(sub))
                else:  # e.g. `from cs231n.classifiers import Softmax`: ours has it
                    return importlib.import_module(canonical)
        return module

    # ---------------------------------------------------------------- functions
    def obj(self, module: str, qualname: str):
        """``module.qualname`` from the student's file, as written (no rebinding)."""
        value = self.module(module)
        for part in qualname.split("."):
            if not hasattr(value, part):
                path = "cs231n/" + module.replace(".", "/") + ".py"
                raise AttributeError(f"{path} defines no {qualname}")
            value = getattr(value, part)
        return value

    def is_student(self, value) -> bool:
        """Whether ``value`` (a function or class) was defined in the student's folder."""
        return str(getattr(value, "__module__", "") or "").startswith(self.prefix)

    def isolate(self, fn):
        """``fn`` with every official function it names rebound to ours (see the module doc)."""
        if not isinstance(fn, types.FunctionType) or not self.isolation:
            return fn
        own = self.canonical(fn.__module__)
        if own not in self._refs:
            self._refs[own] = _reference_functions(own)
        refs = self._refs[own]
        scope = dict(fn.__globals__)
        for key, value in fn.__globals__.items():
            if key in refs and key != fn.__name__ and self.is_student(value):
                scope[key] = refs[key]
                self.rebound.add(key)
        twin = types.FunctionType(fn.__code__, scope, fn.__name__, fn.__defaults__, fn.__closure__)
        twin.__kwdefaults__ = fn.__kwdefaults__
        twin.__qualname__ = fn.__qualname__
        twin.__dict__.update(fn.__dict__)
        return twin

    def function(self, module: str, qualname: str):
        """The student's ``module.qualname``, isolated (see :meth:`isolate`).

        A method comes back as a plain function: call it with an instance as first argument.
        """
        return self.isolate(self.obj(module, qualname))
