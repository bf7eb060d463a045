"""Compiles the per-record modules with Cython, when it and a C compiler are available.

Everything else about the package is in pyproject.toml. The compiled copies go to
leder_audit/_compiled/, beside a sources.json naming the source each was built from, and are loaded only
while that source is unchanged (leder_audit/_compiled/__init__.py). Without Cython or a C compiler the
package installs as plain Python, which gives the same results.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext

# The list of modules and the manifest format, from the one file that also reads them (stdlib only).
_spec = importlib.util.spec_from_file_location("_compiled", Path(__file__).parent / "leder_audit/_compiled/__init__.py")
compiled = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(compiled)
PACKAGE = Path("leder_audit")


class BuildCompiled(build_ext):
    """build_ext on two cores, writing the manifest of what it built beside the compiled copies."""

    def finalize_options(self) -> None:
        super().finalize_options()
        self.parallel = self.parallel or 2

    def run(self) -> None:
        for ext in self.extensions:  # building in place copies into folders that hold no source
            Path(self.get_ext_fullpath(ext.name)).parent.mkdir(parents=True, exist_ok=True)
        super().run()
        built = {}
        folder = None
        for ext in self.extensions:
            binary = Path(self.get_ext_fullpath(ext.name))  # in the build folder, or in the source tree in place
            name = ext.name.replace(COMPILED_PREFIX, "leder_audit.", 1)
            folder = binary.parents[len(name.split(".")) - 2]
            if binary.is_file():
                built[name] = compiled.digest(compiled.source_of(name, PACKAGE))
        if folder is not None:
            (folder / compiled.MANIFEST).write_text(json.dumps(built, indent=1, sort_keys=True) + "\n", encoding="utf-8")


COMPILED_PREFIX = "leder_audit._compiled."


def extensions() -> list:
    try:
        from Cython.Build import cythonize
    except ImportError:
        print("Cython is not available: leder-audit installs as plain Python", file=sys.stderr)
        return []
    from setuptools import Extension

    # Cython names each module as it is imported (leder_audit.text.match: its classes say so, and pickle finds
    # them there); the compiled file is then built as leder_audit._compiled.text.match, under _compiled/.
    modules = [Extension(name, [str(compiled.source_of(name, PACKAGE))]) for name in compiled.MODULES]
    translated = cythonize(modules, build_dir="build/cython", quiet=True, nthreads=2,
                           compiler_directives={"language_level": 3, "annotation_typing": False, "binding": True})
    for ext in translated:
        ext.name = ext.name.replace("leder_audit.", COMPILED_PREFIX, 1)
        ext.optional = True  # a module that fails to compile stays plain Python
    return translated


setup(ext_modules=extensions(), cmdclass={"build_ext": BuildCompiled})
