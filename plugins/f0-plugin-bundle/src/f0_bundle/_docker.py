"""The Dockerfile of ``f0 bundle create --dockerfile``: text only, no docker needed.

A pinned base image (a full ``X.Y.Z-slim-<distro>`` tag, or a digest), a
non-root user, and the resource limits and security policy of the spec
(``scriptlets.md`` section 4) as labels; the ``docker run`` flags that enforce
them are in the file's header comment.
"""

from __future__ import annotations

import re
import sys

from f0 import UsageError

__all__ = ["DEFAULT_BASE_IMAGES", "LIMITS", "SECURITY", "base_image_for", "dockerfile"]

#: A fully pinned official image per Python minor version (the wheels are pure
#: Python, but third-party pins were resolved for this minor version).
DEFAULT_BASE_IMAGES = {
    (3, 11): "python:3.11.11-slim-bookworm",
    (3, 12): "python:3.12.8-slim-bookworm",
    (3, 13): "python:3.13.1-slim-bookworm",
}

#: ``ResourceLimits`` defaults of the spec, as label suffix -> value.
LIMITS: dict[str, str] = {
    "cpu": "1.0",
    "cpu_request": "0.25",
    "memory_mb": "512",
    "memory_request_mb": "256",
    "swap_mb": "0",
    "disk_mb": "1024",
    "iops_read": "1000",
    "iops_write": "500",
    "max_processes": "100",
    "max_open_files": "1024",
    "max_connections": "50",
    "execution_timeout_s": "3600",
    "idle_timeout_s": "300",
}

#: ``SecurityPolicy`` defaults of the spec.
SECURITY: dict[str, str] = {
    "run_as_user": "framework0",
    "run_as_group": "framework0",
    "allow_privilege_escalation": "false",
    "drop_capabilities": "CAP_SYS_ADMIN,CAP_NET_ADMIN,CAP_SYS_MODULE,CAP_SYS_RAWIO,CAP_SYS_TIME,CAP_MKNOD",
    "no_new_privileges": "true",
    "seccomp_profile": "default",
}

# name[:tag][@sha256:digest], with a registry host/port and path allowed.
_IMAGE = re.compile(
    r"(?P<name>[a-z0-9]+(?:[._/:-][a-z0-9]+)*?)(?::(?P<tag>[\w][\w.-]{0,127}))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?"
)
_PINNED_TAG = re.compile(r"\d+\.\d+\.\d+")


def base_image_for(image: str | None) -> str:
    """*image* if it is pinned (a digest, or a tag with a full X.Y.Z version), else an error.

    None picks the default for the running Python's minor version.
    """
    if image is None:
        version = sys.version_info[:2]
        if version not in DEFAULT_BASE_IMAGES:
            msg = f"no default base image for Python {version[0]}.{version[1]}; pass one"
            raise UsageError(msg, where="--base-image")
        return DEFAULT_BASE_IMAGES[version]
    match = _IMAGE.fullmatch(image.strip())
    if match is None:
        msg = f"not an image reference: {image!r}"
        raise UsageError(msg, where="--base-image")
    if not match["digest"] and not (match["tag"] and _PINNED_TAG.search(match["tag"])):
        msg = f"{image!r} is not pinned: use a full version tag (python:3.11.11-slim-bookworm) or a @sha256: digest"
        raise UsageError(msg, where="--base-image")
    return image.strip()


def _label(key: str, value: str) -> str:
    return f'{key}="{value}"'


def dockerfile(
    *, name: str, recipe_file: str, base_image: str, f0_version: str, has_wheels: bool = True
) -> str:
    """The Dockerfile text for bundle *name*."""
    labels = [
        _label("org.opencontainers.image.title", name),
        _label("org.opencontainers.image.description", f"f0 bundle: recipe {recipe_file}"),
        _label("io.f0.bundle.recipe", recipe_file),
        _label("io.f0.version", f0_version),
        *(_label(f"io.f0.limits.{k}", v) for k, v in LIMITS.items()),
        *(_label(f"io.f0.security.{k}", v) for k, v in SECURITY.items()),
    ]
    label_block = " \\\n      ".join(labels)
    run_flags = (
        f"--cpus={LIMITS['cpu']} --memory={LIMITS['memory_mb']}m "
        f"--memory-swap={LIMITS['memory_mb']}m --pids-limit={LIMITS['max_processes']} "
        f"--ulimit nofile={LIMITS['max_open_files']}:{LIMITS['max_open_files']} "
        "--cap-drop=ALL --security-opt=no-new-privileges"
    )
    install = (
        "COPY wheels/ ./wheels/\n"
        "RUN python -m pip install --find-links ./wheels -r requirements.txt ./wheels/*.whl"
        if has_wheels
        else "RUN python -m pip install -r requirements.txt"
    )
    return f"""\
# Dockerfile of the f0 bundle {name!r} (written by: f0 bundle create --dockerfile).
#
#   docker build -t {name} .
#   docker run --rm {run_flags} {name}
#
# The limits and security policy below are labels; the flags above enforce them.
# The recipe writes its outputs inside /bundle, which its user owns.
FROM {base_image}

LABEL {label_block}

ENV PYTHONDONTWRITEBYTECODE=1 \\
    PYTHONUNBUFFERED=1 \\
    PIP_NO_CACHE_DIR=1 \\
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system {SECURITY["run_as_group"]} \\
 && useradd --system --gid {SECURITY["run_as_group"]} --home-dir /bundle --shell /usr/sbin/nologin {SECURITY["run_as_user"]}

WORKDIR /bundle
COPY requirements.txt ./
{install}

COPY --chown={SECURITY["run_as_user"]}:{SECURITY["run_as_group"]} . .
USER {SECURITY["run_as_user"]}

ENTRYPOINT ["python", "run_recipe.py"]
"""
