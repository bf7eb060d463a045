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
COMPILED_PREFIX = "leder_audit._compiled."


class BuildCompiled(build_ext):
    """build_ext on two cores, every module compiled afresh, writing the manifest of what it built."""

    def finalize_options(self) -> None:
        super().finalize_options()
        self.parallel = self.parallel or 2

    def _outputs(self, inplace: bool) -> list[Path]:
        saved, self.inplace = self.inplace, inplace
        try:
            return [Path(self.get_ext_fullpath(ext.name)) for ext in self.extensions]
        finally:
            self.inplace = saved

    def run(self) -> None:
        if not self.extensions:
            return
        final = self._outputs(self.inplace)  # the build folder, or the source tree when building in place
        # A copy left by an earlier build must not pass for this one's: a module that fails to compile now
        # has to run as Python, so nothing of the old build is kept, here or in the build folder.
        for output in {*final, *self._outputs(False)}:
            output.unlink(missing_ok=True)
            output.parent.mkdir(parents=True, exist_ok=True)
        super().run()
        built = {ext.name.replace(COMPILED_PREFIX, "leder_audit.", 1): output
                 for ext, output in zip(self.extensions, final) if output.is_file()}
        manifest = {name: compiled.digest(compiled.source_of(name, PACKAGE)) for name in built}
        folder = self._root(final[0], self.extensions[0].name) / PACKAGE / "_compiled"
        (folder / compiled.MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n",
                                                encoding="utf-8")

    @staticmethod
    def _root(output: Path, ext_name: str) -> Path:
        """The folder holding leder_audit/: leder_audit._compiled.text.match is leder_audit/_compiled/text/match.so."""
        return output.parents[len(ext_name.split(".")) - 1]


def extensions() -> list:
    try:
        from Cython.Build import cythonize
    except ImportError:
        print("Cython is not available: leder-audit installs as plain Python", file=sys.stderr)
        return []
    from setuptools import Extension

    translated = []
    for name in compiled.MODULES:
        # Cython names each module as it is imported (leder_audit.text.match: its classes say so, and pickle
        # finds them there); the compiled file is then built as leder_audit._compiled.text.match.
        try:
            (ext,) = cythonize([Extension(name, [str(compiled.source_of(name, PACKAGE))])], build_dir="build/cython",
                               quiet=True, compiler_directives={"language_level": 3, "annotation_typing": False,
                                                                "binding": True})
        except Exception as error:  # noqa: BLE001 - a module Cython cannot translate stays plain Python
            print(f"{name} is not compiled ({error}); it runs as Python", file=sys.stderr)
            continue
        ext.name = ext.name.replace("leder_audit.", COMPILED_PREFIX, 1)
        ext.optional = True  # a module that fails to compile stays plain Python
        translated.append(ext)
    return translated


setup(ext_modules=extensions(), cmdclass={"build_ext": BuildCompiled})
