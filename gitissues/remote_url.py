"""Git remote URLs → `{platform, base_url, owner, repo}` (SPEC §7, `gi config detect`).

Pure string work — no git, no network — so every form a user can type is one table row in a
test. Credentials embedded in a URL are dropped at parse time and never reach any field or
error message, because these values get printed, logged and stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PLATFORMS = ("github", "gitlab", "gitea", "bitbucket", "jira", "linear")

# Hosts whose platform is a fact, not a guess.
KNOWN_HOSTS = {
    "github.com": "github",
    "gitlab.com": "gitlab",
    "codeberg.org": "gitea",
    "gitea.com": "gitea",
    "bitbucket.org": "bitbucket",
}
# SSH endpoints that serve a web host under another name (ssh over port 443).
WEB_HOSTS = {
    "ssh.github.com": "github.com",
    "altssh.gitlab.com": "gitlab.com",
    "altssh.bitbucket.org": "bitbucket.org",
}
# A host-name label starting with one of these suggests the platform (`gitea.corp.example`).
_LABEL_HINTS = (
    ("gitea", "gitea"),
    ("forgejo", "gitea"),
    ("codeberg", "gitea"),
    ("gitlab", "gitlab"),
    ("github", "github"),
    ("jira", "jira"),
)
_ALIASES = {"forgejo": "gitea", "codeberg": "gitea", "ghe": "github"}
_WEB_SCHEMES = {"http", "https"}
_GIT_SCHEMES = {"ssh", "git+ssh", "ssh+git", "git"}
_DEFAULT_PORTS = {"http": 80, "https": 443}

_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://(.*)$", re.S)
_SCP_RE = re.compile(r"^(?:(?P<user>[^/]*)@)?(?P<host>\[[^\]/]+\]|[^:/@\[\]]+):(?P<path>.*)$", re.S)
_HOST_RE = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9_-]*[A-Za-z0-9])?\.?)+$|^\[[0-9A-Fa-f:.]+\]$")


@dataclass(frozen=True)
class RemoteInfo:
    """What a remote URL says. `port` is the transport port as written (an ssh port included);
    `base_url` is the web root, which keeps only http(s) ports."""

    platform: str
    base_url: str
    owner: str
    repo: str
    host: str
    port: int | None

    def as_dict(self) -> dict[str, str]:
        """The four values `gi config detect` reports (SPEC §7), all strings."""
        return {
            "platform": self.platform,
            "base_url": self.base_url,
            "owner": self.owner,
            "repo": self.repo,
        }


def normalize_platform(name: str) -> str:
    """`Forgejo`/`codeberg` → `gitea` etc.; an unknown name is a usage error, not a new platform."""
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    if key not in PLATFORMS:
        raise ValueError(f"unknown platform {name!r}; expected one of: {', '.join(PLATFORMS)}")
    return key


def guess_platform(host: str) -> str:
    """The platform a host name suggests, or `unknown`."""
    host = WEB_HOSTS.get(host, host)
    if host in KNOWN_HOSTS:
        return KNOWN_HOSTS[host]
    if host.endswith(".atlassian.net"):
        return "jira"
    if host.endswith(".ghe.com"):
        return "github"
    for label in host.split("."):
        for prefix, platform in _LABEL_HINTS:
            if label.startswith(prefix):
                return platform
    return "unknown"


def detect_platform(host: str, platform_hint: str | None = None) -> str:
    """Known hosts first (github.com is GitHub whatever a setting says), then an explicit
    `platform:` setting, then what the host name suggests."""
    web_host = WEB_HOSTS.get(host, host)
    if web_host in KNOWN_HOSTS:
        return KNOWN_HOSTS[web_host]
    if platform_hint and platform_hint.strip():
        return normalize_platform(platform_hint)
    return guess_platform(host)


def parse_remote_url(url: str, platform_hint: str | None = None) -> RemoteInfo:
    """Parse https/http, ssh://, git+ssh://, git:// and scp-like (`git@host:o/r.git`) remotes.

    Platform precedence: a known public host (github.com, gitlab.com, codeberg.org, gitea.com,
    bitbucket.org) > `platform_hint` (the user's explicit `platform:` setting, for self-hosted
    instances) > a guess from the host name (`gitea.*`, `gitlab.*`, `github.*`, …) > `unknown`.
    Raises ValueError for local paths, `file://` and anything else that names no remote host.
    """
    text = url.strip()
    if not text:
        raise ValueError("empty remote URL")
    scheme_match = _SCHEME_RE.match(text)
    if scheme_match:
        scheme, rest = scheme_match.group(1).lower(), scheme_match.group(2)
        shown = _redact(scheme, rest)
        if scheme == "file":
            raise ValueError(f"{shown} is a local repository, not a remote URL")
        if scheme not in _WEB_SCHEMES | _GIT_SCHEMES:
            raise ValueError(f"{shown}: unsupported URL scheme {scheme!r}")
        netloc, _, path = rest.partition("/")
        hostport = netloc.rpartition("@")[2]
        host, port = _split_hostport(hostport, shown)
    else:
        scp = _SCP_RE.match(text)
        if not scp or text.startswith(("/", ".", "~")) or len(scp.group("host")) == 1:
            raise ValueError(f"{text} is not a remote URL (a local path?)")
        scheme, shown = "ssh", text
        if ":" in (scp.group("user") or ""):  # `user:password@host:path`: keep it out of errors
            shown = "***@" + text.rpartition("@")[2]
        host, port, path = scp.group("host"), None, scp.group("path")
        if not _HOST_RE.match(host):
            raise ValueError(f"{shown}: no valid host name")
    host = host.strip("[]").lower()
    owner, repo = _owner_repo(path, shown)
    return RemoteInfo(
        platform=detect_platform(host, platform_hint),
        base_url=_base_url(scheme, host, port),
        owner=owner,
        repo=repo,
        host=host,
        port=port,
    )


def api_root(info: RemoteInfo) -> str:
    """The REST API base a bridge talks to, derived from the web root."""
    host = WEB_HOSTS.get(info.host, info.host)
    if info.platform == "github":
        if host == "github.com":
            return "https://api.github.com"
        if host.endswith(".ghe.com"):  # GitHub Enterprise Cloud with data residency
            return f"https://api.{host}"
        return f"{info.base_url}/api/v3"
    suffix = {"gitlab": "/api/v4", "gitea": "/api/v1"}.get(info.platform, "")
    return info.base_url + suffix


def _redact(scheme: str, rest: str) -> str:
    """The URL for an error message, with any user:password@ part replaced."""
    netloc, slash, path = rest.partition("/")
    if "@" in netloc:
        netloc = "***@" + netloc.rpartition("@")[2]
    return f"{scheme}://{netloc}{slash}{path}"


def _split_hostport(hostport: str, shown: str) -> tuple[str, int | None]:
    if hostport.startswith("["):
        host, _, after = hostport.partition("]")
        host, port_text = host + "]", after[1:] if after.startswith(":") else after
    else:
        host, _, port_text = hostport.partition(":")
    if not host or not _HOST_RE.match(host):
        raise ValueError(f"{shown}: no valid host name")
    if not port_text:
        return host, None
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"{shown}: invalid port {port_text!r}")
    return host, int(port_text)


def _owner_repo(path: str, shown: str) -> tuple[str, str]:
    """Owner is every segment before the last (GitLab subgroups, path prefixes included)."""
    path = re.split(r"[?#]", path, maxsplit=1)[0]
    segments = [s for s in path.split("/") if s]
    if "-" in segments:  # a GitLab web link: `group/repo/-/tree/main`
        segments = segments[: segments.index("-")]
    if segments and segments[-1].endswith(".git"):
        segments[-1] = segments[-1][: -len(".git")]
    if len(segments) < 2 or not segments[-1]:
        raise ValueError(f"{shown}: expected a path of the form owner/repo")
    return "/".join(segments[:-1]), segments[-1]


def _base_url(scheme: str, host: str, port: int | None) -> str:
    web_host = WEB_HOSTS.get(host, host)
    shown_host = f"[{web_host}]" if ":" in web_host else web_host
    if scheme not in _WEB_SCHEMES:
        return f"https://{shown_host}"  # the ssh/git port says nothing about the web port
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{shown_host}"
    return f"{scheme}://{shown_host}:{port}"
