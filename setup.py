"""Packs Limes' run-time files into the wheel as the package ``limes_app`` (found by ``geo.settings.bundle_dir``).

The app scripts, Streamlit's settings, the basemap style and the bundled geodata live at the top of the
repository, where a checkout runs them; an installed wheel needs them inside site-packages. Everything
else is declared in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

BUNDLE = ("streamlit_app.py", "report_form.py", ".streamlit/config.toml", "static/limes-dark-style.json",
          "static/limes-icon.png", "data")
"""What the app reads at run time, relative to the repository (``static/generated/`` is written, not shipped)."""


class BuildPyWithApp(build_py):
    """``build_py`` that also copies :data:`BUNDLE` into ``limes_app/`` (not for editable installs)."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # a checkout reads the files where they are
            return
        target = Path(self.build_lib) / "limes_app"
        for name in BUNDLE:
            source, dest = Path(name), target / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, dest, dirs_exist_ok=True)
            else:
                shutil.copyfile(source, dest)
        (target / "__init__.py").write_text('"""Limes\' run-time files: the app scripts, .streamlit/config.toml, '
                                            'static/ and data/ (see geo.settings)."""\n')


setup(cmdclass={"build_py": BuildPyWithApp})
