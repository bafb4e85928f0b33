"""Ships `rules/` inside the package (as `mergegate/rules`) so an installed mergegate has its rules."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithRules(build_py):
    def run(self) -> None:
        super().run()
        source = Path(__file__).parent / "rules"
        target = Path(self.build_lib) / "mergegate" / "rules"
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildWithRules})
