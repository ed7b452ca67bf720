"""Containers whose members are evidence in their own right (read in memory only)."""

from parsers.containers import gzip_wrapper, sevenzip, tar_archive, zip_archive

CONTAINERS = (
    zip_archive.CONTAINER,
    sevenzip.CONTAINER,
    tar_archive.CONTAINER,
    gzip_wrapper.CONTAINER,
)
