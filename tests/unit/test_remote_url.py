"""Remote URL parsing: every form a user can type, as one table row each (SPEC §7)."""

from __future__ import annotations

import pytest

from gitissues.remote_url import (
    RemoteInfo,
    api_root,
    guess_platform,
    normalize_platform,
    parse_remote_url,
)

GH = "https://github.com"

# (url, platform_hint, platform, base_url, owner, repo)
# fmt: off
CASES = [
    ("https://github.com/octo/hello.git", None, "github", GH, "octo", "hello"),
    ("https://github.com/octo/hello", None, "github", GH, "octo", "hello"),
    ("https://github.com/octo/hello/", None, "github", GH, "octo", "hello"),
    ("https://github.com/octo/hello.git/", None, "github", GH, "octo", "hello"),
    ("https://github.com:443/octo/hello", None, "github", GH, "octo", "hello"),
    ("https://GitHub.com/Octo/Hello.git", None, "github", GH, "Octo", "Hello"),
    ("  https://github.com/octo/hello.git\n", None, "github", GH, "octo", "hello"),
    ("git@github.com:octo/hello.git", None, "github", GH, "octo", "hello"),
    ("git@github.com:octo/hello", None, "github", GH, "octo", "hello"),
    ("git@github.com:/octo/hello.git", None, "github", GH, "octo", "hello"),
    ("ssh://git@github.com/octo/hello.git", None, "github", GH, "octo", "hello"),
    ("git+ssh://git@github.com/octo/hello.git", None, "github", GH, "octo", "hello"),
    ("ssh+git://git@github.com/octo/hello.git", None, "github", GH, "octo", "hello"),
    ("ssh://git@ssh.github.com:443/octo/hello.git", None, "github", GH, "octo", "hello"),
    ("git://github.com/octo/hello.git", None, "github", GH, "octo", "hello"),
    ("https://x-access-token:ghp_SeCrEt123@github.com/octo/hello.git", None,
     "github", GH, "octo", "hello"),
    ("https://ghp_SeCrEt123@github.com/octo/hello", None, "github", GH, "octo", "hello"),
    ("https://github.com/octo/hello.git", "gitlab", "github", GH, "octo", "hello"),
    ("https://github.corp.example/eng/tool.git", None,
     "github", "https://github.corp.example", "eng", "tool"),
    ("git@github.corp.example:eng/tool.git", None,
     "github", "https://github.corp.example", "eng", "tool"),
    ("https://oauth2:glpat-SeCrEt123@gitlab.com/group/sub/deeper/proj.git", None,
     "gitlab", "https://gitlab.com", "group/sub/deeper", "proj"),
    ("git@gitlab.com:group/sub/proj.git", None,
     "gitlab", "https://gitlab.com", "group/sub", "proj"),
    ("https://gitlab.com/group/proj/-/tree/main", None,
     "gitlab", "https://gitlab.com", "group", "proj"),
    ("https://gitlab.example.com:8443/team/proj.git", None,
     "gitlab", "https://gitlab.example.com:8443", "team", "proj"),
    ("ssh://git@gitlab.example.com:2222/team/sub/proj.git", None,
     "gitlab", "https://gitlab.example.com", "team/sub", "proj"),
    ("https://codeberg.org/forgejo/forgejo.git", None,
     "gitea", "https://codeberg.org", "forgejo", "forgejo"),
    ("git@codeberg.org:someone/thing.git", None,
     "gitea", "https://codeberg.org", "someone", "thing"),
    ("https://gitea.com/gitea/tea", None, "gitea", "https://gitea.com", "gitea", "tea"),
    ("https://gitea.example.com/o/r.git", None, "gitea", "https://gitea.example.com", "o", "r"),
    ("https://forgejo.example.org/o/r", None, "gitea", "https://forgejo.example.org", "o", "r"),
    ("http://gitea-prod.lan/o/r.git", None, "gitea", "http://gitea-prod.lan", "o", "r"),
    ("gitea.internal:o/r", None, "gitea", "https://gitea.internal", "o", "r"),
    ("git@git.example.com:o/r.git", None, "unknown", "https://git.example.com", "o", "r"),
    ("https://git.example.com/o/r.git", "gitea", "gitea", "https://git.example.com", "o", "r"),
    ("ssh://git@git.example.com:2222/o/r.git", "Forgejo",
     "gitea", "https://git.example.com", "o", "r"),
    ("http://192.168.1.10:3000/o/r.git", "gitea", "gitea", "http://192.168.1.10:3000", "o", "r"),
    ("https://gitlab.example.com/o/r", "github", "github", "https://gitlab.example.com", "o", "r"),
    ("ssh://admin@git.example.com/srv/git/o/r.git", None,
     "unknown", "https://git.example.com", "srv/git/o", "r"),
    ("https://git.example.com/gitea/o/r", None,
     "unknown", "https://git.example.com", "gitea/o", "r"),
    ("https://bitbucket.org/team/repo.git", None,
     "bitbucket", "https://bitbucket.org", "team", "repo"),
    ("git@bitbucket.org:team/repo.git", None, "bitbucket", "https://bitbucket.org", "team", "repo"),
    ("ssh://git@[2001:db8::1]:2222/o/r.git", None, "unknown", "https://[2001:db8::1]", "o", "r"),
    ("git@[2001:db8::1]:o/r.git", None, "unknown", "https://[2001:db8::1]", "o", "r"),
]
# fmt: on


@pytest.mark.parametrize(("url", "hint", "platform", "base_url", "owner", "repo"), CASES)
def test_parse_remote_url(url, hint, platform, base_url, owner, repo):
    info = parse_remote_url(url, platform_hint=hint)
    assert info.as_dict() == {
        "platform": platform,
        "base_url": base_url,
        "owner": owner,
        "repo": repo,
    }


def test_table_is_large_enough():
    assert len(CASES) >= 30


@pytest.mark.parametrize(
    "url",
    [
        "https://x-access-token:ghp_SeCrEt123@github.com/octo/hello.git",
        "https://ghp_SeCrEt123@github.com/octo/hello",
        "https://user:ghp_SeCrEt123@gitea.example.com:3000/o/r.git",
        "ssh://user:ghp_SeCrEt123@git.example.com/o/r.git",
    ],
)
def test_credentials_never_reach_the_result(url):
    info = parse_remote_url(url)
    assert "SeCrEt" not in repr(info)
    assert "SeCrEt" not in repr(info.as_dict())


@pytest.mark.parametrize(
    "url",
    [
        "https://user:ghp_SeCrEt123@github.com:notaport/o/r",
        "https://user:ghp_SeCrEt123@github.com/onlyowner",
        "ftp://user:ghp_SeCrEt123@github.com/o/r",
        "user:ghp_SeCrEt123@github.com:onlyowner",
    ],
)
def test_credentials_never_reach_error_messages(url):
    with pytest.raises(ValueError) as caught:
        parse_remote_url(url)
    assert "SeCrEt" not in str(caught.value)
    assert "***@github.com" in str(caught.value)


@pytest.mark.parametrize(
    ("url", "host", "port"),
    [
        ("https://github.com/o/r", "github.com", None),
        ("https://gitlab.example.com:8443/o/r", "gitlab.example.com", 8443),
        ("ssh://git@Git.Example.com:2222/o/r.git", "git.example.com", 2222),
        ("git@github.com:o/r.git", "github.com", None),
        ("ssh://git@[2001:db8::1]:2222/o/r.git", "2001:db8::1", 2222),
    ],
)
def test_host_and_transport_port(url, host, port):
    info = parse_remote_url(url)
    assert (info.host, info.port) == (host, port)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "empty remote URL"),
        ("   ", "empty remote URL"),
        ("/srv/x.git", "/srv/x.git is not a remote URL (a local path?)"),
        ("./repo", "./repo is not a remote URL (a local path?)"),
        ("../repo.git", "../repo.git is not a remote URL (a local path?)"),
        ("~/repo.git", "~/repo.git is not a remote URL (a local path?)"),
        ("C:/work/repo", "C:/work/repo is not a remote URL (a local path?)"),
        ("github.com/o/r", "github.com/o/r is not a remote URL (a local path?)"),
        ("file:///srv/x.git", "file:///srv/x.git is a local repository, not a remote URL"),
        ("ftp://host/o/r", "ftp://host/o/r: unsupported URL scheme 'ftp'"),
        ("https://github.com/", "https://github.com/: expected a path of the form owner/repo"),
        (
            "https://github.com/onlyowner",
            "https://github.com/onlyowner: expected a path of the form owner/repo",
        ),
        ("git@github.com:.git", "git@github.com:.git: expected a path of the form owner/repo"),
        ("git@github.com:o/.git", "git@github.com:o/.git: expected a path of the form owner/repo"),
        ("https://host:abc/o/r", "https://host:abc/o/r: invalid port 'abc'"),
        ("https://host:70000/o/r", "https://host:70000/o/r: invalid port '70000'"),
        ("https:///o/r", "https:///o/r: no valid host name"),
        ("git@bad host:o/r", "git@bad host:o/r: no valid host name"),
    ],
)
def test_not_a_remote_url(url, message):
    with pytest.raises(ValueError) as caught:
        parse_remote_url(url)
    assert str(caught.value) == message


def test_unknown_platform_hint_is_refused():
    with pytest.raises(ValueError) as caught:
        parse_remote_url("https://git.example.com/o/r", platform_hint="sourcehut")
    assert str(caught.value) == (
        "unknown platform 'sourcehut'; expected one of: github, gitlab, gitea, bitbucket, jira, "
        "linear"
    )


def test_blank_platform_hint_is_no_hint():
    assert parse_remote_url("https://git.example.com/o/r", platform_hint=" ").platform == "unknown"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("gitea", "gitea"),
        ("Forgejo", "gitea"),
        (" codeberg ", "gitea"),
        ("GitLab", "gitlab"),
        ("ghe", "github"),
        ("linear", "linear"),
    ],
)
def test_normalize_platform(name, expected):
    assert normalize_platform(name) == expected


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("mycorp.atlassian.net", "jira"),
        ("jira.corp.example", "jira"),
        ("octo.ghe.com", "github"),
        ("code.gitlab-ce.example", "gitlab"),
        ("forgejo.lan", "gitea"),
        ("altssh.gitlab.com", "gitlab"),
        ("git.example.com", "unknown"),
        ("example.com", "unknown"),
    ],
)
def test_guess_platform(host, expected):
    assert guess_platform(host) == expected


@pytest.mark.parametrize(
    ("url", "hint", "expected"),
    [
        ("https://github.com/o/r.git", None, "https://api.github.com"),
        ("ssh://git@ssh.github.com:443/o/r.git", None, "https://api.github.com"),
        ("git@github.corp.example:o/r.git", None, "https://github.corp.example/api/v3"),
        ("https://octo.ghe.com/o/r", None, "https://api.octo.ghe.com"),
        ("https://gitlab.com/g/s/r.git", None, "https://gitlab.com/api/v4"),
        ("https://gitlab.example.com:8443/o/r", None, "https://gitlab.example.com:8443/api/v4"),
        ("git@codeberg.org:o/r.git", None, "https://codeberg.org/api/v1"),
        ("http://10.0.0.5:3000/o/r.git", "gitea", "http://10.0.0.5:3000/api/v1"),
        ("https://bitbucket.org/o/r.git", None, "https://bitbucket.org"),
        ("https://git.example.com/o/r.git", None, "https://git.example.com"),
    ],
)
def test_api_root(url, hint, expected):
    assert api_root(parse_remote_url(url, platform_hint=hint)) == expected


def test_remote_info_is_immutable():
    info = parse_remote_url("https://github.com/o/r")
    assert isinstance(info, RemoteInfo)
    with pytest.raises(AttributeError):
        info.owner = "x"  # type: ignore[misc]
