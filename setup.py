"""Build of the optional C extension; everything else is in pyproject.toml.

``optional=True``: where no C compiler or Python headers are present the install
goes on without it, and the capture engine runs its pure-Python loop.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("parsers.capture._walk", ["parsers/capture/_walk.c"], optional=True,
                  extra_compile_args=["-O2"]),
    ],
)
